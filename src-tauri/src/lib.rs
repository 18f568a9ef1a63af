//! Seller Panel's desktop shell: builds the Tauri app, resolves the data folder, sets up logs,
//! and exposes the store to the window through typed commands. Logic lives in the crates.

mod accounts;
mod backups;
#[cfg(test)]
mod command_names;
mod commands;
mod error;
mod inbox;
mod inventory;
mod jobs;
mod notifications;
mod orders;
mod photos;
mod publish;
mod sessions;
mod state;
mod statistics;
mod sync;
mod transfer;
mod vinted_orders;

use std::path::PathBuf;

use seller_vinted::sessions::AccountSessions;
use tauri::Manager;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub use error::{AppError, ErrorCode};
pub use state::AppState;

/// Command-line flag overriding the data folder; wins over the environment.
pub const DATA_DIR_FLAG: &str = "--data-dir";

/// Every command the window may call, with the types tauri-specta turns into `ui/src/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        commands::list_products,
        commands::get_product,
        commands::create_product,
        commands::update_product,
        commands::delete_product,
        commands::import_photo,
        inventory::product_facets,
        inventory::bulk_update_products,
        inventory::can_undo_bulk_action,
        inventory::undo_bulk_action,
        inventory::duplicate_product,
        inventory::get_sku_settings,
        inventory::preview_sku_pattern,
        inventory::set_sku_pattern,
        commands::get_settings,
        commands::set_language,
        backups::get_backup_settings,
        backups::set_backup_settings,
        backups::backup_now,
        backups::list_backups,
        backups::restore_backup,
        orders::list_orders,
        orders::get_order,
        orders::create_order,
        orders::cancel_order,
        orders::update_order_status,
        orders::set_order_processed,
        orders::update_order_tracking,
        orders::get_dashboard,
        vinted_orders::import_vinted_orders,
        vinted_orders::list_vinted_orders,
        vinted_orders::print_vinted_labels,
        vinted_orders::open_vinted_label,
        accounts::list_seller_accounts,
        accounts::create_account,
        accounts::update_account,
        accounts::delete_account,
        accounts::test_proxy,
        accounts::get_proxy_settings,
        accounts::set_proxy_settings,
        accounts::accounts_awaiting_proxy_confirmation,
        accounts::confirm_account_proxy,
        sync::sync_status,
        sync::sync_sign_in,
        sync::sync_sign_out,
        sync::sync_now,
        sync::resolve_sync_conflict,
        sync::choose_sync_conflict_value,
        sessions::session_statuses,
        sessions::watch_sessions,
        sessions::start_session,
        sessions::stop_session,
        sessions::open_live_view,
        jobs::import_listings,
        jobs::list_jobs,
        jobs::cancel_job,
        jobs::resume_account_jobs,
        jobs::watch_jobs,
        jobs::list_audit,
        jobs::export_audit,
        jobs::get_pacing_settings,
        jobs::set_pacing_settings,
        jobs::list_listings,
        jobs::link_listing,
        jobs::create_items_from_listings,
        jobs::edit_listing_price,
        jobs::hide_listing,
        jobs::unhide_listing,
        jobs::delete_listing,
        inbox::list_conversations,
        inbox::get_thread,
        inbox::send_reply,
        inbox::answer_offer,
        inbox::import_inbox,
        inbox::list_reply_templates,
        inbox::create_reply_template,
        inbox::update_reply_template,
        inbox::delete_reply_template,
        publish::publish_products,
        publish::preview_publish,
        publish::relist_listing,
        notifications::list_notifications,
        notifications::list_favorites,
        notifications::list_favorite_items,
        notifications::read_notifications_now,
        notifications::set_item_outreach,
        notifications::get_outreach_caps,
        notifications::set_outreach_caps,
        notifications::get_desktop_alert_kinds,
        notifications::set_desktop_alert_kinds,
        statistics::list_listing_figures,
        statistics::listing_history,
        statistics::refresh_statistics,
        statistics::get_insight_thresholds,
        statistics::set_insight_thresholds,
        statistics::get_read_intervals,
        statistics::set_read_intervals,
        transfer::get_export_settings,
        transfer::set_export_settings,
        transfer::preview_inventory_import,
        transfer::import_inventory,
        transfer::cancel_import,
        transfer::export_inventory,
        transfer::export_orders,
        transfer::export_register,
    ])
}

/// Writes the TypeScript bindings for the UI.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let typescript = specta_typescript::Typescript::default()
        .bigint(specta_typescript::BigIntExportBehavior::Number)
        .header("// Generated from the Rust commands by tauri-specta. Do not edit: run `cargo run -p seller-panel --bin export-bindings`.\n// @ts-nocheck");
    specta_builder()
        .export(typescript, path)
        .map_err(|e| e.to_string())
}

/// When started as the session reaper (`seller-panel --reap-sessions <scope>`, by the app
/// itself), waits for the app to end and kills what its sessions left; returns whether it did.
pub fn run_session_reaper_if_asked() -> bool {
    seller_vinted::sessions::run_reaper_if_asked(std::env::args().skip(1))
}

/// The data folder given on the command line, if any.
pub fn data_dir_flag(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == DATA_DIR_FLAG {
            return args.next().map(PathBuf::from);
        }
        if let Some(value) = arg.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(value));
        }
    }
    None
}

fn init_logging(data_dir: &std::path::Path) {
    let log_dir = data_dir.join("logs");
    let file = std::fs::create_dir_all(&log_dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_dir.join("seller-panel.log"))
    });
    let filter = log_filter(tracing_subscriber::EnvFilter::try_from_default_env().ok());
    let file_layer = file.ok().map(|file| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .try_init();
}

/// Libraries that log what passes through them at debug or trace: thirtyfour the WebDriver
/// requests (text typed into Vinted's forms, passwords included), tungstenite the live view's
/// frames (keys typed), reqwest and hyper the requests. Capped at info whatever `RUST_LOG` says,
/// so no secret reaches the log file.
const TALKATIVE_LIBRARIES: [&str; 6] = [
    "thirtyfour",
    "tungstenite",
    "tokio_tungstenite",
    "reqwest",
    "hyper",
    "hyper_util",
];

/// `RUST_LOG` if set (else `info`), with the talkative libraries capped at info.
fn log_filter(from_env: Option<tracing_subscriber::EnvFilter>) -> tracing_subscriber::EnvFilter {
    let filter = from_env.unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    TALKATIVE_LIBRARIES.iter().fold(filter, |filter, library| {
        filter.add_directive(
            format!("{library}=info")
                .parse()
                .expect("a valid directive"),
        )
    })
}

pub fn run() {
    // The flag, else SELLER_PANEL_DATA_DIR, else the OS folder: the same rule as `seller`.
    let flag = data_dir_flag(std::env::args().skip(1));
    // A data folder chosen on purpose (tests, portable installs) keeps the exports inside it.
    let explicit_data_dir = flag.is_some()
        || std::env::var_os(seller_store::data_dir::ENV).is_some_and(|v| !v.is_empty());
    let data_dir = seller_store::data_dir::resolve(flag);
    let specta = specta_builder();
    // The live view's bridge listens before the window exists, so the CSP can name its port
    // alone rather than every local port.
    let bridge = std::sync::Arc::new(
        tauri::async_runtime::block_on(seller_automation::bridge::Bridge::start())
            .expect("the live view bridge could not listen on 127.0.0.1"),
    );
    let mut context = tauri::generate_context!();
    allow_live_view(context.config_mut(), bridge.port());
    tauri::Builder::default()
        .invoke_handler(specta.invoke_handler())
        .register_uri_scheme_protocol("photo", |ctx, request| {
            let state = ctx.app_handle().state::<AppState>();
            photos::serve(state.data_dir(), request.uri().path())
        })
        .setup(move |app| {
            specta.mount_events(app);
            let data_dir = match data_dir {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            // Private to this user (0700, files 0600 on Unix), fixed for an existing folder.
            seller_store::data_dir::prepare_private(&data_dir)?;
            init_logging(&data_dir);
            tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "Seller Panel starting");
            app.manage(transfer::Transfer::new(&data_dir, explicit_data_dir));
            let state = AppState::open(data_dir);
            backups::spawn_daily_backups(state.clone());
            let sync_state = sync::SyncState::default();
            sync::spawn_background_rounds(state.clone(), sync_state.clone());
            app.manage(sync_state);
            let sweeper = state.clone();
            tauri::async_runtime::spawn(async move {
                inventory::sweep_unused_photos(&sweeper).await;
            });
            let (sessions, watchers) =
                tauri::async_runtime::block_on(sessions::start(state.clone(), bridge));
            stop_sessions_on_signals(app.handle().clone(), sessions.clone(), state.clone());
            let (runner, job_watchers) =
                tauri::async_runtime::block_on(jobs::start(state.clone(), sessions.clone()));
            statistics::spawn_schedule(runner.clone());
            notifications::spawn_desktop_alerts(state.clone(), &runner);
            app.manage(runner);
            app.manage(job_watchers);
            app.manage(sessions);
            app.manage(watchers);
            app.manage(state);
            Ok(())
        })
        .build(context)
        .expect("Seller Panel failed to start")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // Quitting leaves no browser, driver, display or VNC server behind.
                let sessions = app.state::<AccountSessions>();
                let state = app.state::<AppState>();
                tauri::async_runtime::block_on(sessions.stop_all(&*state));
                tracing::info!("Seller Panel stopped");
            }
        });
}

/// Lets the window open WebSockets to the live view's bridge, and to no other local port.
fn allow_live_view(config: &mut tauri::Config, bridge_port: u16) {
    use tauri::utils::config::{Csp, CspDirectiveSources};
    if let Some(Csp::DirectiveMap(directives)) = &mut config.app.security.csp {
        directives
            .entry("connect-src".to_owned())
            .or_insert_with(|| CspDirectiveSources::List(Vec::new()))
            .push(format!("ws://127.0.0.1:{bridge_port}"));
    }
}

/// A quit signal quits the app the normal way, once the sessions are stopped as on a window
/// close.
fn stop_sessions_on_signals(app: tauri::AppHandle, sessions: AccountSessions, state: AppState) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        if sessions.stop_all_on_quit_signal(&state).await {
            app.exit(0);
        }
    });
    #[cfg(not(unix))]
    let _ = (app, sessions, state);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Even `RUST_LOG=trace` (or naming a library) lets no WebDriver request body or live-view
    /// frame into the log, where typed passwords would be.
    #[test]
    fn talkative_libraries_stay_at_info_whatever_rust_log_says() {
        use tracing_subscriber::layer::SubscriberExt;
        let asked = tracing_subscriber::EnvFilter::new("trace,thirtyfour=trace,tungstenite=debug");
        let subscriber = tracing_subscriber::registry().with(log_filter(Some(asked)));
        tracing::subscriber::with_default(subscriber, || {
            assert!(!tracing::enabled!(target: "thirtyfour::session::http", tracing::Level::DEBUG));
            assert!(!tracing::enabled!(target: "tungstenite::protocol", tracing::Level::DEBUG));
            assert!(tracing::enabled!(target: "thirtyfour", tracing::Level::INFO));
            assert!(tracing::enabled!(target: "seller_panel", tracing::Level::TRACE));
        });
    }

    #[test]
    fn the_window_may_reach_the_live_view_bridge_and_no_other_local_port() {
        let mut config: tauri::Config =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        allow_live_view(&mut config, 45123);
        let csp = config.app.security.csp.unwrap().to_string();
        assert!(csp.contains("ws://127.0.0.1:45123"), "{csp}");
        assert!(!csp.contains("127.0.0.1:*"), "{csp}");
    }

    #[test]
    fn the_data_folder_flag_is_read_in_both_spellings() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            data_dir_flag(args(&["--data-dir", "/tmp/a"])),
            Some("/tmp/a".into())
        );
        assert_eq!(
            data_dir_flag(args(&["--data-dir=/tmp/b"])),
            Some("/tmp/b".into())
        );
        assert_eq!(data_dir_flag(args(&["--other"])), None);
    }

    /// The command line finds the app's data because both name the folder alike.
    #[test]
    fn the_store_knows_the_apps_identifier() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], seller_store::data_dir::APP_IDENTIFIER);
    }

    #[test]
    fn every_registered_command_has_a_permission_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bindings.ts");
        export_bindings(&path).unwrap();
        let ts = std::fs::read_to_string(&path).unwrap();
        for name in command_names::NAMES {
            assert!(
                ts.contains(&format!("TAURI_INVOKE(\"{name}\"")),
                "{name} is not a registered command"
            );
        }
        let registered = ts.matches("TAURI_INVOKE(\"").count();
        assert_eq!(
            registered,
            command_names::NAMES.len(),
            "a command lacks a permission entry"
        );
        let capability = include_str!("../capabilities/main.json");
        for name in command_names::NAMES {
            let permission = format!("allow-{}", name.replace('_', "-"));
            assert!(
                capability.contains(&permission),
                "the main window is not granted {permission}"
            );
        }
    }

    /// The UI's bindings are generated from these commands; a stale file fails here.
    #[test]
    fn ui_bindings_are_up_to_date() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("bindings.ts");
        export_bindings(&fresh).unwrap();
        let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");
        let committed = std::fs::read_to_string(committed_path).unwrap_or_default();
        assert!(
            committed == std::fs::read_to_string(&fresh).unwrap(),
            "ui/src/bindings.ts is out of date: run `cargo run -p seller-panel --bin export-bindings`"
        );
    }
}
