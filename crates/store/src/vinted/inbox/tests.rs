use serde_json::json;

use super::*;
use crate::accounts::AccountDraft;

const ME: &str = "4242";
const BUYER: &str = "6101";

fn store() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("seller-panel.sqlite3")).expect("a store");
    let account = store
        .create_account(AccountDraft {
            name: "Boutique".into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .expect("an account")
        .id;
    (dir, store, account)
}

fn message(key: &str, minute: u32, sender: &str, body: &str) -> ThreadEntry {
    ThreadEntry {
        key: key.into(),
        sent_at: format!("2026-11-20T10:{minute:02}:00+01:00"),
        kind: EntryKind::Message {
            sender_id: sender.into(),
            body: body.into(),
            photos: Vec::new(),
        },
    }
}

fn offer(
    id: &str,
    minute: u32,
    sender: &str,
    cents: i64,
    status: i64,
    current: bool,
) -> ThreadEntry {
    ThreadEntry {
        key: format!("w{id}"),
        sent_at: format!("2026-11-20T10:{minute:02}:00+01:00"),
        kind: EntryKind::Offer {
            offer_request_id: id.into(),
            sender_id: sender.into(),
            price_cents: cents,
            original_price_cents: Some(5000),
            status,
            status_title: None,
            current,
            body: None,
        },
    }
}

fn event(key: &str, minute: u32, title: &str) -> ThreadEntry {
    ThreadEntry {
        key: key.into(),
        sent_at: format!("2026-11-20T10:{minute:02}:00+01:00"),
        kind: EntryKind::System {
            event_type: "status_message".into(),
            title: Some(title.into()),
            subtitle: Some("Envoie le colis".into()),
            data: Value::Null,
        },
    }
}

fn thread(entries: Vec<ThreadEntry>) -> Thread {
    Thread {
        conversation_id: "7001".into(),
        own_user_id: ME.into(),
        updated_at: Some("2026-11-20T11:00:00+01:00".into()),
        description: None,
        opposite_user: InboxUser {
            id: BUYER.into(),
            login: "marie".into(),
            photo_url: Some("https://images.vinted.net/u/1.jpg".into()),
        },
        transaction_id: Some("8001".into()),
        item_id: Some("5001".into()),
        item_title: Some("Veste".into()),
        item_photo: None,
        entries,
    }
}

#[test]
fn a_thread_is_unread_while_the_buyer_spoke_last() {
    let entries = vec![
        message("1", 0, BUYER, "Bonjour"),
        message("2", 1, ME, "Oui"),
        message("3", 2, BUYER, "Super"),
        event("4", 3, "Commande payée"),
        offer("31", 4, BUYER, 4000, VINTED_OFFER_PENDING, true),
    ];
    assert_eq!(
        unread_count(&entries, ME),
        2,
        "a message and an offer since"
    );
    assert_eq!(unread_count(&entries[..2], ME), 0, "the seller spoke last");
    // Vinted's own messages are nobody speaking.
    let answered = vec![
        message("1", 0, BUYER, "?"),
        message("2", 1, ME, "!"),
        event("3", 2, "x"),
    ];
    assert_eq!(unread_count(&answered, ME), 0);
    assert_eq!(unread_count(&[], ME), 0);
    // A buyer's offer the seller accepted was answered.
    let sold = vec![
        message("1", 0, BUYER, "?"),
        offer("31", 1, BUYER, 4000, VINTED_OFFER_ACCEPTED, true),
        event("2", 2, "Commande payée"),
    ];
    assert_eq!(unread_count(&sold, ME), 0);
    // A buyer's cancelled offer (withdrawn, or expired) was not answered by the seller.
    let cancelled = vec![
        message("1", 0, ME, "Bonjour"),
        offer("31", 1, BUYER, 4000, VINTED_OFFER_CANCELLED, false),
    ];
    assert_eq!(unread_count(&cancelled, ME), 1);
    // ... until the seller speaks after it.
    let spoken = vec![
        offer("31", 0, BUYER, 4000, VINTED_OFFER_CANCELLED, false),
        message("2", 1, ME, "Dommage"),
    ];
    assert_eq!(unread_count(&spoken, ME), 0);
    // The seller's own counter-offer is the seller speaking.
    let countered = vec![
        offer("31", 0, BUYER, 3000, VINTED_OFFER_CANCELLED, false),
        offer("32", 1, ME, 3500, VINTED_OFFER_PENDING, true),
    ];
    assert_eq!(unread_count(&countered, ME), 0);
}

#[test]
fn an_offer_expired_is_told_in_the_sites_languages() {
    for title in [
        "Offre expirée",
        "Offer expired",
        "Oferta caducada",
        "Offerta scaduta",
        "Angebot abgelaufen",
        "Bod verlopen",
        "Oferta wygasła",
        "Nabídka vypršela",
    ] {
        assert!(says_expired(title), "{title}");
    }
    for title in ["Offre refusée", "Offer declined", "Angebot abgelehnt"] {
        assert!(!says_expired(title), "{title}");
    }
}

#[test]
fn offers_chain_and_take_their_status_from_vinted_and_the_chain() {
    let entries = vec![
        offer("31", 0, BUYER, 3000, VINTED_OFFER_CANCELLED, false),
        offer("32", 1, ME, 4200, VINTED_OFFER_CANCELLED, false),
        offer("33", 2, BUYER, 3800, VINTED_OFFER_PENDING, true),
        message("m", 3, BUYER, "ok ?"),
    ];
    let chain = offer_chain(&entries);
    assert_eq!(chain[0], Some((OfferStatus::Countered, None)));
    assert_eq!(chain[1], Some((OfferStatus::Countered, Some(0))));
    assert_eq!(chain[2], Some((OfferStatus::Pending, Some(1))));
    assert_eq!(chain[3], None);

    let accepted = vec![
        offer("41", 0, BUYER, 3000, VINTED_OFFER_ACCEPTED, false),
        offer("42", 1, BUYER, 3100, VINTED_OFFER_CANCELLED, false),
    ];
    let chain = offer_chain(&accepted);
    assert_eq!(chain[0], Some((OfferStatus::Accepted, None)));
    // Nobody answered it with an offer, and it came after an accepted one: declined, no parent.
    assert_eq!(chain[1], Some((OfferStatus::Declined, None)));

    let mut expired = offer("51", 0, BUYER, 3000, VINTED_OFFER_CANCELLED, false);
    if let EntryKind::Offer { status_title, .. } = &mut expired.kind {
        *status_title = Some("Offre expirée".into());
    }
    assert_eq!(
        offer_chain(&[expired])[0],
        Some((OfferStatus::Expired, None))
    );
}

#[test]
fn row_ids_are_the_same_on_every_device_and_differ_by_account() {
    let a = conversation_row_id("acc-1", "7001");
    assert_eq!(a, conversation_row_id("acc-1", "7001"));
    assert_ne!(a, conversation_row_id("acc-2", "7001"));
    assert_ne!(a, conversation_row_id("acc-1", "7002"));
    let parsed = uuid::Uuid::parse_str(&a).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 8);
}

fn count(store: &Store, table: &str) -> i64 {
    store
        .conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("a count")
}

#[test]
fn a_thread_is_stored_whole_and_reading_it_again_writes_nothing() {
    let (_dir, mut store, account) = store();
    let header = InboxEntry {
        conversation_id: "7001".into(),
        description: Some("Super".into()),
        unread: true,
        updated_at: "2026-11-20T11:00:00+01:00".into(),
        opposite_user: InboxUser {
            id: BUYER.into(),
            login: "marie".into(),
            photo_url: None,
        },
        item_photo: None,
    };
    let to_read = store
        .record_inbox_page(&account, std::slice::from_ref(&header))
        .expect("the page");
    assert_eq!(to_read, vec!["7001".to_owned()]);
    let row_id = conversation_row_id(&account, "7001");
    let before = store.thread(&row_id).expect("the thread");
    assert_eq!(
        before.conversation.unread_count, 1,
        "Vinted's flag until read"
    );

    let mut with_photos = message("2", 1, ME, "Voici une photo");
    if let EntryKind::Message { photos, .. } = &mut with_photos.kind {
        *photos = vec!["https://images/a.jpg".into(), "https://images/b.jpg".into()];
    }
    let read = thread(vec![
        message("1", 0, BUYER, "Bonjour"),
        with_photos,
        offer("31", 2, BUYER, 3000, VINTED_OFFER_CANCELLED, false),
        offer("32", 3, ME, 4200, VINTED_OFFER_PENDING, true),
        event("5", 4, "Commande payée"),
    ]);
    let stored = store.record_thread(&account, &read).expect("stored");
    // The thread, 3 message rows (one per photo), 2 offers, 1 event.
    assert_eq!(stored.inserted, 6, "{stored:?}");
    assert_eq!(stored.changed, 1, "the thread's row filled in: {stored:?}");
    assert_eq!(count(&store, "seller_messages"), 3);
    assert_eq!(count(&store, "seller_offers"), 2);
    assert_eq!(count(&store, "seller_system_events"), 1);

    let view = store.thread(&row_id).expect("the thread");
    assert_eq!(view.conversation.unread_count, 0, "the seller spoke last");
    assert_eq!(view.conversation.item_title.as_deref(), Some("Veste"));
    assert_eq!(view.conversation.item_price_cents, Some(5000));
    assert!(view.conversation.answerable);
    let kinds: Vec<_> = view.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            ThreadItemKind::Message,
            ThreadItemKind::Message,
            ThreadItemKind::Message,
            ThreadItemKind::Offer,
            ThreadItemKind::Offer,
            ThreadItemKind::Event
        ]
    );
    let images: Vec<_> = view
        .items
        .iter()
        .filter_map(|i| i.image_url.clone())
        .collect();
    assert_eq!(images, ["https://images/a.jpg", "https://images/b.jpg"]);
    let offers: Vec<_> = view
        .items
        .iter()
        .filter(|i| i.kind == ThreadItemKind::Offer)
        .collect();
    assert_eq!(offers[0].offer_status, Some(OfferStatus::Countered));
    assert_eq!(offers[1].offer_status, Some(OfferStatus::Pending));
    assert_eq!(
        offers[1].parent_offer_id.as_deref(),
        Some(offers[0].id.as_str())
    );
    assert!(offers[1].is_me);
    assert_eq!(offers[1].amount_cents, Some(4200));
    assert_eq!(view.items[5].text.as_deref(), Some("Commande payée"));

    // The same read again: nothing is written, so nothing syncs.
    let changes = |store: &Store| -> i64 {
        store
            .conn
            .query_row("SELECT total_changes()", [], |r| r.get(0))
            .expect("changes")
    };
    let at = changes(&store);
    let again = store.record_thread(&account, &read).expect("stored again");
    assert_eq!((again.inserted, again.changed), (0, 0), "{again:?}");
    assert_eq!(changes(&store), at, "no row was rewritten");
    // The inbox page with the same updated_at: nothing to read.
    assert!(
        store
            .record_inbox_page(&account, std::slice::from_ref(&header))
            .expect("the page")
            .is_empty()
    );
    // A moved updated_at: read again.
    let moved = InboxEntry {
        updated_at: "2026-11-20T12:00:00+01:00".into(),
        ..header
    };
    assert_eq!(
        store
            .record_inbox_page(&account, &[moved])
            .expect("the page"),
        vec!["7001".to_owned()]
    );

    let reference = store
        .conversation_ref(&row_id)
        .expect("the ref")
        .expect("known");
    assert_eq!(reference.vinted_conversation_id, "7001");
    assert_eq!(reference.transaction_id.as_deref(), Some("8001"));
    let pending = store
        .offer_ref(&offers[0].id)
        .expect("the offer")
        .expect("known");
    assert_eq!(pending.offer_request_id, "31");
    assert!(!pending.is_me);
}

#[test]
fn the_inbox_lists_unread_threads_first_then_the_newest_across_accounts() {
    let (_dir, mut store, account) = store();
    let other = store
        .create_account(AccountDraft {
            name: "Deuxième".into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .expect("an account")
        .id;
    let entry = |id: &str, hour: u32, unread: bool| InboxEntry {
        conversation_id: id.into(),
        description: Some(format!("message {id}")),
        unread,
        updated_at: format!("2026-11-20T{hour:02}:00:00Z"),
        opposite_user: InboxUser {
            id: format!("u{id}"),
            login: format!("buyer{id}"),
            photo_url: None,
        },
        item_photo: None,
    };
    store
        .record_inbox_page(&account, &[entry("1", 9, false), entry("2", 10, true)])
        .expect("a page");
    store
        .record_inbox_page(&other, &[entry("3", 11, false), entry("4", 8, true)])
        .expect("a page");
    let page = store
        .list_conversations(&ConversationFilter::default())
        .expect("the list");
    let order: Vec<_> = page
        .items
        .iter()
        .map(|c| c.buyer_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(order, ["buyer2", "buyer4", "buyer3", "buyer1"]);
    assert_eq!(page.total, 4);
    assert_eq!(page.items[1].account_name.as_deref(), Some("Deuxième"));
    let unread = store
        .list_conversations(&ConversationFilter {
            unread_only: true,
            per_page: 1,
            page: 2,
            ..ConversationFilter::default()
        })
        .expect("the list");
    assert_eq!((unread.total, unread.items.len()), (2, 1));
    assert_eq!(unread.items[0].buyer_name.as_deref(), Some("buyer4"));
    let found = store
        .list_conversations(&ConversationFilter {
            search: Some("message 3".into()),
            ..ConversationFilter::default()
        })
        .expect("the list");
    assert_eq!(found.total, 1);
}

#[test]
fn templates_are_checked_unique_and_editable() {
    let (_dir, mut store, _) = store();
    let draft = ReplyTemplateDraft {
        name: " Dispo ".into(),
        body: "Oui, toujours disponible !".into(),
    };
    let made = store.create_reply_template(&draft).expect("a template");
    assert_eq!(made.name, "Dispo");
    assert!(matches!(
        store.create_reply_template(&draft),
        Err(StoreError::Validation(e)) if e[0].code == FieldErrorCode::Duplicate
    ));
    assert!(matches!(
        store.create_reply_template(&ReplyTemplateDraft { name: "".into(), body: " ".into() }),
        Err(StoreError::Validation(e)) if e.len() == 2
    ));
    let edited = store
        .update_reply_template(
            &made.id,
            &ReplyTemplateDraft {
                name: "Envoi".into(),
                body: "Envoyé aujourd'hui".into(),
            },
        )
        .expect("edited");
    assert_eq!(edited.body, "Envoyé aujourd'hui");
    assert_eq!(store.reply_templates().expect("the list").len(), 1);
    store.delete_reply_template(&made.id).expect("deleted");
    assert!(store.reply_templates().expect("the list").is_empty());
    assert!(matches!(
        store.delete_reply_template(&made.id),
        Err(StoreError::NotFound { .. })
    ));
    let _ = json!({});
}

#[test]
fn an_offer_answer_waits_alone_per_thread() {
    let (_dir, mut store, account) = store();
    assert!(!store.offer_answer_pending("c1").expect("looked"));
    let job = store
        .enqueue_job(crate::vinted::NewJob {
            account_id: account.clone(),
            kind: crate::vinted::JobKind::AnswerOffer,
            payload: json!({"conversationId": "c1", "action": "accept", "offerId": "o1"}),
            dry_run: false,
            progress_total: Some(1),
        })
        .expect("queued");
    assert!(store.offer_answer_pending("c1").expect("looked"));
    assert!(
        !store.offer_answer_pending("c2").expect("looked"),
        "another thread"
    );
    store.fail_job(&job.id, "x", "ended").expect("ended");
    assert!(!store.offer_answer_pending("c1").expect("looked"));
}
