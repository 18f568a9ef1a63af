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
/// The greatest wall time a stamp holds: its integer must stay a positive `i64` for SQLite (the
/// year 6429; anything later is taken as this).
const WALL_MS_MAX: u64 = (i64::MAX as u64) >> COUNTER_BITS;

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
    /// The greatest stamp that is stored as a positive `i64`: every clock saturates there.
    pub const MAX: Hlc = Hlc(i64::MAX as u64);

    /// A stamp of `wall_ms` (at most [`Hlc::MAX`]'s wall time) and `counter`.
    pub fn new(wall_ms: u64, counter: u16) -> Hlc {
        Hlc(wall_ms.min(WALL_MS_MAX) << COUNTER_BITS | u64::from(counter))
    }

    /// Whether this stamp can be stored (a stamp from elsewhere may be any `u64`).
    pub fn is_storable(self) -> bool {
        self <= Hlc::MAX
    }

    pub fn wall_ms(self) -> u64 {
        self.0 >> COUNTER_BITS
    }

    pub fn counter(self) -> u16 {
        (self.0 & COUNTER_MAX) as u16
    }

    /// The form stored in SQLite (always positive: wall time needs 42 bits until the year 2109).
    pub fn to_i64(self) -> i64 {
        self.min(Hlc::MAX).0 as i64
    }

    pub fn from_i64(value: i64) -> Option<Hlc> {
        u64::try_from(value).ok().map(Hlc)
    }

    /// The next stamp after `self`: the counter goes up, and on overflow the wall time does;
    /// [`Hlc::MAX`] stays itself (the year 6429: no real clock gets there, a forged stamp may).
    fn successor(self) -> Hlc {
        Hlc(self.0.saturating_add(1)).min(Hlc::MAX)
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

    /// Takes in a stamp from elsewhere, so later local stamps are greater than it (a stamp past
    /// [`Hlc::MAX`] counts as it).
    pub fn observe(&self, remote: Hlc) {
        let remote = remote.min(Hlc::MAX);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if remote > *last {
            *last = remote;
        }
    }

    /// [`Clock::observe`], with the clock moved at most `max_ahead_ms` past `wall_ms`: a pulled
    /// stamp from the far future (a server whose clock is wrong, or a forged one) must not drag
    /// every later local stamp there with it.
    pub fn observe_bounded(&self, remote: Hlc, wall_ms: u64, max_ahead_ms: u64) {
        let bound = Hlc::new(wall_ms.saturating_add(max_ahead_ms), 0);
        self.observe(remote.min(bound));
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

    #[test]
    fn the_greatest_stamps_saturate_instead_of_overflowing() {
        let clock = Clock::resuming(Hlc::MAX);
        assert_eq!(clock.stamp(u64::MAX), Hlc::MAX);
        clock.observe(Hlc(u64::MAX));
        assert_eq!(clock.stamp(0).to_i64(), i64::MAX);
        assert_eq!(Hlc(u64::MAX).to_i64(), i64::MAX);
        assert!(!Hlc(u64::MAX).is_storable());
        let server = Clock::new();
        let now = 1_765_000_000_000;
        assert_eq!(
            server.clamp(Hlc(u64::MAX), now, u64::MAX).to_i64(),
            i64::MAX
        );
        let device = Clock::new();
        device.observe_bounded(Hlc(u64::MAX), now, 60_000);
        assert!(device.stamp(now).wall_ms() <= now + 60_000);
    }

    proptest! {
        /// Whatever stamps arrive (any 64 bits, forged ones included) and whatever the wall
        /// clock reads, nothing overflows or panics, every stored form is a positive `i64`, and
        /// stamps only go up (they stop at `Hlc::MAX`, never wrap round).
        #[test]
        fn hostile_stamps_never_overflow(events in prop::collection::vec(
            (0u8..4, any::<u64>(), any::<u64>(), any::<u64>()), 1..200)
        ) {
            let clock = Clock::new();
            let mut last_local = Hlc::ZERO;
            for (kind, remote, wall_ms, ahead_ms) in events {
                let remote = Hlc(remote);
                match kind {
                    0 => {
                        let stamp = clock.stamp(wall_ms);
                        prop_assert!(stamp.to_i64() >= 0);
                        prop_assert!(stamp > last_local || stamp == Hlc::MAX);
                        last_local = stamp;
                    }
                    1 => clock.observe(remote),
                    2 => {
                        let taken = clock.clamp(remote, wall_ms, ahead_ms);
                        prop_assert!(taken.to_i64() >= 0);
                    }
                    _ => {
                        clock.observe_bounded(remote, wall_ms, ahead_ms);
                        let stamp = clock.stamp(wall_ms);
                        prop_assert!(stamp > last_local || stamp == Hlc::MAX);
                        last_local = stamp;
                    }
                }
            }
        }

        /// A pulled stamp, however far ahead, moves a sane clock at most the bound past now.
        #[test]
        fn a_far_future_pull_moves_the_clock_at_most_the_bound(
            remote in any::<u64>(), now in 0u64..4_000_000_000_000, ahead in 0u64..86_400_000
        ) {
            let clock = Clock::resuming(Hlc::new(now, 0));
            clock.observe_bounded(Hlc(remote), now, ahead);
            let stamp = clock.stamp(now);
            prop_assert!(stamp.wall_ms() <= now + ahead);
        }

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
