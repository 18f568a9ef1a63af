//! The cross-crate and end-to-end tests, one module per area (see each file), linked into one
//! test binary. The random-schedule sync runs are a binary of their own (`sync_convergence.rs`).

mod crash;
mod e2e_accounts;
mod e2e_backup;
mod e2e_books;
mod e2e_inventory;
mod e2e_sessions;
mod e2e_sync;
mod e2e_vinted;
mod fake_vinted;
mod sessions;
mod stealth;
mod sync;
mod sync_server_kill;
mod vinted_attention;
mod vinted_edit;
mod vinted_import;
mod vinted_inbox;
mod vinted_notifications;
mod vinted_orders;
mod vinted_pacing;
mod vinted_publish;
mod vinted_restart;
mod vinted_statistics;
mod vnc_clients;
