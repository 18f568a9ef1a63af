//! A job's cancel switch: flipped from the UI, seen by the flow between steps and during every
//! wait, so a cancelled job stops within one call to Vinted.

use std::time::Duration;

use tokio::sync::watch;

#[derive(Clone)]
pub struct CancelSwitch(watch::Sender<bool>);

/// `None`: past the point where stopping would do harm (a relist whose copy is live), the
/// flow no longer listens.
#[derive(Clone)]
pub struct Cancelled(Option<watch::Receiver<bool>>);

pub fn switch() -> (CancelSwitch, Cancelled) {
    let (tx, rx) = watch::channel(false);
    (CancelSwitch(tx), Cancelled(Some(rx)))
}

impl CancelSwitch {
    pub fn flip(&self) {
        self.0.send_replace(true);
    }
}

impl Cancelled {
    pub fn is_set(&self) -> bool {
        self.0.as_ref().is_some_and(|rx| *rx.borrow())
    }

    /// From now on the flow finishes whatever is asked.
    pub fn stop_listening(&mut self) {
        self.0 = None;
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
