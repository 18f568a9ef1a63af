//! A hybrid logical clock: milliseconds of wall time in the high bits and a counter in the low
//! 16, in one `i64` that SQLite stores and compares as an integer.
//!
//! Every stamp a device makes is greater than every stamp it made or saw before, even when its
//! wall clock goes back. A stamp from another device moves the clock forward, so a later edit
//! here always wins over an edit it has seen. A server clamps stamps too far in its future (a
//! device whose clock says 2100 would otherwise win every conflict forever).

use std::sync::Mutex;

const COUNTER_BITS: u32 = 16;
const COUNTER_MAX: u64 = (1 << COUNTER_BITS) - 1;

/// One stamp. Ordered as its integer: by wall time, then counter.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Hlc(u64);

impl Hlc {
    pub const ZERO: Hlc = Hlc(0);

    pub fn new(wall_ms: u64, counter: u16) -> Hlc {
        Hlc(wall_ms << COUNTER_BITS | u64::from(counter))
    }

    pub fn wall_ms(self) -> u64 {
        self.0 >> COUNTER_BITS
    }

    pub fn counter(self) -> u16 {
        (self.0 & COUNTER_MAX) as u16
    }

    /// The form stored in SQLite (always positive: wall time needs 42 bits until the year 2109).
    pub fn to_i64(self) -> i64 {
        self.0 as i64
    }

    pub fn from_i64(value: i64) -> Option<Hlc> {
        u64::try_from(value).ok().map(Hlc)
    }

    /// The next stamp after `self`: the counter goes up, and on overflow the wall time does.
    fn successor(self) -> Hlc {
        Hlc(self.0 + 1)
    }
}

/// A device's clock (or the server's). Thread-safe.
#[derive(Debug, Default)]
pub struct Clock {
    last: Mutex<Hlc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a clock of {ahead_ms} ms ahead of this one was refused (at most {max_ms} ms allowed)")]
pub struct TooFarAhead {
    pub ahead_ms: u64,
    pub max_ms: u64,
}

impl Clock {
    /// A clock that has seen nothing yet.
    pub fn new() -> Clock {
        Clock::default()
    }

    /// A clock that resumes after `last` (the greatest stamp stored, read at start).
    pub fn resuming(last: Hlc) -> Clock {
        Clock {
            last: Mutex::new(last),
        }
    }

    /// A stamp for a local change at wall time `wall_ms`.
    pub fn stamp(&self, wall_ms: u64) -> Hlc {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let next = std::cmp::max(Hlc::new(wall_ms, 0), last.successor());
        *last = next;
        next
    }

    /// Takes in a stamp from elsewhere, so later local stamps are greater than it.
    pub fn observe(&self, remote: Hlc) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if remote > *last {
            *last = remote;
        }
    }

    /// The server's reading of a pushed stamp: one at most `max_ahead_ms` past the server's
    /// wall time is taken as it is (and observed); one further ahead is brought back to the
    /// server's own next stamp, so it still orders after everything the server has seen but can
    /// no longer outlive later edits.
    pub fn clamp(&self, remote: Hlc, wall_ms: u64, max_ahead_ms: u64) -> Hlc {
        if remote.wall_ms() <= wall_ms.saturating_add(max_ahead_ms) {
            self.observe(remote);
            remote
        } else {
            self.stamp(wall_ms)
        }
    }

    /// Refuses, rather than clamps, a stamp too far ahead (a client checking a server).
    pub fn check(&self, remote: Hlc, wall_ms: u64, max_ahead_ms: u64) -> Result<(), TooFarAhead> {
        let ahead_ms = remote.wall_ms().saturating_sub(wall_ms);
        if ahead_ms > max_ahead_ms {
            return Err(TooFarAhead {
                ahead_ms,
                max_ms: max_ahead_ms,
            });
        }
        self.observe(remote);
        Ok(())
    }
}

/// Milliseconds since the Unix epoch by the system clock.
pub fn wall_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parts_round_trip() {
        let hlc = Hlc::new(1_765_000_000_000, 7);
        assert_eq!((hlc.wall_ms(), hlc.counter()), (1_765_000_000_000, 7));
        assert_eq!(Hlc::from_i64(hlc.to_i64()), Some(hlc));
        assert_eq!(Hlc::from_i64(-1), None);
    }

    #[test]
    fn a_clock_going_back_still_stamps_forward() {
        let clock = Clock::new();
        let a = clock.stamp(10_000);
        let b = clock.stamp(9_000);
        let c = clock.stamp(9_000);
        assert!(a < b && b < c);
        assert_eq!(b.wall_ms(), 10_000);
        assert_eq!(clock.stamp(11_000), Hlc::new(11_000, 0));
    }

    #[test]
    fn a_stamp_of_2100_is_clamped_by_the_server() {
        let server = Clock::new();
        let now = 1_765_000_000_000;
        let year_2100 = Hlc::new(4_102_444_800_000, 0);
        let taken = server.clamp(year_2100, now, 5 * 60_000);
        assert_eq!(taken.wall_ms(), now);
        // 48 hours ahead is refused by a client checking the server's stamps.
        let ahead = Hlc::new(now + 48 * 3_600_000, 0);
        assert!(Clock::new().check(ahead, now, 5 * 60_000).is_err());
        // A little ahead is taken, and later local stamps follow it.
        let near = Hlc::new(now + 1_000, 3);
        assert_eq!(server.clamp(near, now, 5 * 60_000), near);
        assert!(server.stamp(now) > near);
    }

    proptest! {
        /// Whatever the wall clock and the stamps seen from elsewhere, every stamp is greater
        /// than all stamps made and seen before it.
        #[test]
        fn stamps_only_go_up(events in prop::collection::vec(
            (any::<bool>(), 0u64..4_000_000_000_000, 0u16..u16::MAX), 1..200)
        ) {
            let clock = Clock::new();
            let mut greatest = Hlc::ZERO;
            for (local, wall_ms, counter) in events {
                if local {
                    let stamp = clock.stamp(wall_ms);
                    prop_assert!(stamp > greatest);
                    prop_assert!(stamp.wall_ms() >= wall_ms);
                    greatest = stamp;
                } else {
                    let remote = Hlc::new(wall_ms, counter);
                    clock.observe(remote);
                    greatest = greatest.max(remote);
                }
            }
        }
    }
}
