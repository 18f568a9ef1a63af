//! A job's cancel switch: flipped from the UI, seen by the flow between steps and during every
//! wait, so a cancelled job stops within one call to Vinted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// The second field is set once the flow passed its point of no return, for the queue to see
/// after the turn (see [`CancelSwitch::past_no_return`]).
#[derive(Clone)]
pub struct CancelSwitch(watch::Sender<bool>, Arc<AtomicBool>);

/// `None`: past the point where stopping would do harm (a relist whose copy is live), the
/// flow no longer listens.
#[derive(Clone)]
pub struct Cancelled(Option<watch::Receiver<bool>>, Arc<AtomicBool>);

pub fn switch() -> (CancelSwitch, Cancelled) {
    let (tx, rx) = watch::channel(false);
    let past = Arc::new(AtomicBool::new(false));
    (CancelSwitch(tx, past.clone()), Cancelled(Some(rx), past))
}

impl CancelSwitch {
    pub fn flip(&self) {
        self.0.send_replace(true);
    }

    /// Whether the flow called [`Cancelled::stop_listening`] in this turn: stopping it now
    /// would do harm, so its job is never given up (`jobs::outcome`).
    pub fn past_no_return(&self) -> bool {
        self.1.load(Ordering::SeqCst)
    }
}

impl Cancelled {
    pub fn is_set(&self) -> bool {
        self.0.as_ref().is_some_and(|rx| *rx.borrow())
    }

    /// From now on the flow finishes whatever is asked.
    pub fn stop_listening(&mut self) {
        self.0 = None;
        self.1.store(true, Ordering::SeqCst);
    }

    /// Sleeps for `duration`; `false` when the switch was flipped first.
    pub async fn sleep(&mut self, duration: Duration) -> bool {
        if self.is_set() {
            return false;
        }
        let Some(rx) = self.0.as_mut() else {
            tokio::time::sleep(duration).await;
            return true;
        };
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            _ = rx.wait_for(|set| *set) => false,
        }
    }
}
