//! Vinted in Seller Panel: the seller accounts with their secrets, their browser sessions, and,
//! next, the Vinted flows run in those sessions (publish, read back listings, orders, inbox…).
//!
//! - [`accounts`]: create, edit and delete an account. The row is written, then the keyring; a
//!   keyring failure undoes both. A proxy changed on another device gets no stored password
//!   until confirmed on this one.
//! - [`proxy`]: "test the proxy" as typed in the form, against the address echo of the settings.
//! - [`sessions`]: an account's browser session prepared from its row and its secrets (the
//!   fingerprint kept per account, the profile and runtime folders), started, recorded in the
//!   store and shown in a live view.
//!
//! The app (or any other front end) reaches the store through [`StoreAccess`] and the keyring
//! through [`seller_secrets::SecretStore`]; nothing here knows of Tauri or the UI.

pub mod accounts;
pub mod calls;
mod error;
pub mod flows;
pub mod jobs;
pub mod orders;
pub mod pacing;
pub mod page;
pub mod problems;
pub mod proxy;
pub mod reference;
pub mod reply;
pub mod sessions;
pub mod site;
pub mod wardrobe;

use std::future::Future;

use seller_store::Store;

pub use error::Error;

/// How the flows reach the store: each piece of store work runs on a worker thread under the
/// front end's lock, which is released between pieces (a keyring prompt never holds the store).
pub trait StoreAccess: Clone + Send + Sync + 'static {
    /// The front end's error, which also says why the store cannot be reached.
    type Error: From<Error> + std::fmt::Display + Send + 'static;

    fn with_store<T, F>(&self, work: F) -> impl Future<Output = Result<T, Self::Error>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, Error> + Send + 'static;
}

/// A time as the store keeps it: RFC 3339, UTC, milliseconds.
pub(crate) fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A time the store or Vinted gave, in UTC; `None` when it does not parse.
pub(crate) fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&chrono::Utc))
}

/// Runs blocking work (keyring calls) off the async threads.
async fn blocking<T, F>(work: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::Internal(error.to_string()))
}

#[cfg(test)]
mod testing;
