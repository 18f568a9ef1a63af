//! The scheduled reads: for every account whose session is logged in, a read of each scheduled
//! kind (statistics daily; orders, inbox and notifications more often: intervals are settings,
//! `seller_store::vinted::read_schedule`) is queued when the account has none of that kind
//! queued or running and the last one ended longer ago than its interval. The decision is the
//! store's pure `is_due`, taken in the same transaction as the queueing; this module only looks,
//! every [`TICK`] from one [`TICK`] after the start (a session just logged in is never met by
//! four reads at once, and a person starting the app to do one thing gets it first). The
//! statistics wait for the account's first import (its listings, linked as the person chose):
//! the daily read keeps them current, it does not stand in for the import. The reads then wait
//! their turn in the account's queue and are paced like every other.

use std::time::Duration;

use super::JobRunner;
use crate::StoreAccess;
use seller_store::vinted::{Job, JobKind};

/// How often the schedule is looked at: well under the shortest interval.
pub const TICK: Duration = Duration::from_secs(5 * 60);

impl<S: StoreAccess> JobRunner<S> {
    /// Queues every scheduled read that is due for each account whose session is logged in,
    /// and wakes those accounts' workers. Returns the jobs queued.
    pub async fn queue_due_reads(&self) -> Result<Vec<Job>, S::Error> {
        let accounts = self
            .inner
            .store
            .with_store(|store| Ok(store.accounts()?))
            .await?;
        let logged_in: Vec<String> = accounts
            .into_iter()
            .map(|account| account.id)
            .filter(|id| self.inner.sessions.status(id).is_logged_in())
            .collect();
        let queued = queue_due(&self.inner.store, &logged_in).await?;
        let mut woken = Vec::new();
        for job in &queued {
            if !woken.contains(&job.account_id) {
                self.wake(&job.account_id);
                woken.push(job.account_id.clone());
            }
        }
        Ok(queued)
    }

    /// Looks at the schedule every `every`, the first time `every` from now, for as long as the
    /// runtime lives.
    pub fn schedule_reads(&self, every: Duration) {
        let runner = self.clone();
        tokio::spawn(async move {
            let start = tokio::time::Instant::now() + every;
            let mut ticks = tokio::time::interval_at(start, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = runner.queue_due_reads().await {
                    tracing::warn!(%error, "could not look at the scheduled reads");
                }
            }
        });
    }
}

/// Queues, for each of `accounts`, every scheduled read that is due now (see the module's rules).
async fn queue_due<S: StoreAccess>(store: &S, accounts: &[String]) -> Result<Vec<Job>, S::Error> {
    let accounts = accounts.to_vec();
    let queued = store
        .with_store(move |store| {
            let intervals = store.read_intervals()?;
            let mut jobs = Vec::new();
            for id in accounts {
                let imported = store.account_has_listings(&id)?;
                for (kind, interval) in intervals.kinds() {
                    if kind == JobKind::ReadStatistics && !imported {
                        continue;
                    }
                    let interval = outreach_interval(store, &id, kind, interval)?;
                    let now = chrono::Utc::now();
                    if let Some(job) = store.enqueue_read_if_due(&id, kind, interval, now)? {
                        jobs.push(job);
                    }
                }
            }
            Ok(jobs)
        })
        .await?;
    if !queued.is_empty() {
        tracing::info!(
            reads = ?queued.iter().map(|j| (j.account_id.as_str(), j.kind.as_str())).collect::<Vec<_>>(),
            "scheduled reads queued"
        );
    }
    Ok(queued)
}

// --- Messages to favouriters (inbox/notifications helper) ---------------------------------

/// How often an account's notifications are read while it has messages to favouriters turned
/// on: at every [`TICK`] (5 minutes; under it, so a read that ended just after a tick is due at
/// the next), so a message can go 5 to 30 minutes after its favourite.
const OUTREACH_NOTIFICATIONS: chrono::Duration = chrono::Duration::minutes(4);

/// `interval`, or [`OUTREACH_NOTIFICATIONS`] for the notifications of an account with any
/// item's messages to favouriters turned on.
fn outreach_interval(
    store: &seller_store::Store,
    account_id: &str,
    kind: JobKind,
    interval: chrono::Duration,
) -> seller_store::Result<chrono::Duration> {
    if kind == JobKind::ReadNotifications && store.outreach_is_on(account_id)? {
        return Ok(interval.min(OUTREACH_NOTIFICATIONS));
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use seller_store::accounts::AccountDraft;
    use seller_store::vinted::{ListingStatus, WardrobeListing};

    fn draft(name: &str) -> AccountDraft {
        AccountDraft {
            name: name.into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        }
    }

    #[test]
    fn notifications_are_read_every_tick_while_messages_to_favouriters_are_on() {
        let (_dir, store) = testing::store();
        testing::block_on(async {
            store
                .with_store(|store| {
                    let id = store.create_account(draft("Boutique"))?.id;
                    let day = chrono::Duration::hours(6);
                    let kind = JobKind::ReadNotifications;
                    assert_eq!(outreach_interval(store, &id, kind, day)?, day);
                    store.set_outreach(&seller_store::vinted::notifications::OutreachRequest {
                        account_id: id.clone(),
                        item_id: "501".into(),
                        enabled: true,
                        mode: seller_store::vinted::notifications::OutreachMode::Message,
                        message: "Merci !".into(),
                        offer_price_cents: None,
                        rules_accepted: true,
                    })?;
                    assert_eq!(
                        outreach_interval(store, &id, kind, day)?,
                        OUTREACH_NOTIFICATIONS
                    );
                    assert!(OUTREACH_NOTIFICATIONS < chrono::Duration::from_std(TICK).unwrap());
                    // The other reads keep their interval.
                    assert_eq!(
                        outreach_interval(store, &id, JobKind::ImportInbox, day)?,
                        day
                    );
                    Ok(())
                })
                .await
                .unwrap();
        });
    }

    #[test]
    fn due_reads_are_queued_once_and_statistics_wait_for_an_import() {
        let (_dir, store) = testing::store();
        testing::block_on(async {
            let (imported, fresh) = store
                .with_store(|store| {
                    let imported = store.create_account(draft("Avec annonces"))?.id;
                    let fresh = store.create_account(draft("Sans annonces"))?.id;
                    let listing = WardrobeListing {
                        listing_id: "1".into(),
                        title: "Robe".into(),
                        photo_url: None,
                        price_cents: 1_000,
                        status: ListingStatus::Active,
                        listed_at: None,
                        sku: None,
                    };
                    store.upsert_listings(&imported, &[listing], &seller_store::now_rfc3339())?;
                    Ok((imported, fresh))
                })
                .await
                .unwrap();
            let accounts = vec![imported.clone(), fresh.clone()];
            let queued = queue_due(&store, &accounts).await.unwrap();
            let kinds = |account: &str| -> Vec<&str> {
                queued
                    .iter()
                    .filter(|j| j.account_id == account)
                    .map(|j| j.kind.as_str())
                    .collect()
            };
            assert_eq!(
                kinds(&imported),
                [
                    "read_statistics",
                    "import_orders",
                    "import_inbox",
                    "read_notifications"
                ]
            );
            assert_eq!(
                kinds(&fresh),
                ["import_orders", "import_inbox", "read_notifications"]
            );
            // Queued and not run yet: nothing more is due.
            assert!(queue_due(&store, &accounts).await.unwrap().is_empty());
        });
    }
}
