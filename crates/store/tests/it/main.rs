//! The store's integration tests, one module per area, linked into one test binary (one link
//! instead of one per area).

mod common;

mod accounts;
mod backup;
mod csv_export;
mod csv_import;
mod dashboard;
mod data_dir;
mod inventory;
mod migrations;
mod orders;
mod products;
mod registers;
mod specification;
mod summaries;
mod validation;
mod vinted;
mod vinted_jobs;
