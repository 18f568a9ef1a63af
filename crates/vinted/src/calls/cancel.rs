//! A job's cancel switch: flipped from the UI, seen by the flow between steps and during every
//! wait, so a cancelled job stops within one call to Vinted.

use std::time::Duration;

use tokio::sync::watch;

#[derive(Clone)]
pub struct CancelSwitch(watch::Sender<bool>);

#[derive(Clone)]
pub struct Cancelled(watch::Receiver<bool>);

pub fn switch() -> (CancelSwitch, Cancelled) {
    let (tx, rx) = watch::channel(false);
    (CancelSwitch(tx), Cancelled(rx))
}

impl CancelSwitch {
    pub fn flip(&self) {
        self.0.send_replace(true);
    }
}

impl Cancelled {
    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Sleeps for `duration`; `false` when the switch was flipped first.
    pub async fn sleep(&mut self, duration: Duration) -> bool {
        if self.is_set() {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            _ = self.0.wait_for(|set| *set) => false,
        }
    }
}
