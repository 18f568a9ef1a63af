//! The pacing governor: when an account may next read or write on Vinted (`docs/VINTED.md`,
//! "Pacing"). Pure: the caller gives the time, the recent writes (from the audit log), the
//! account's pacing state and the randomness, and follows the [`Decision`].
//!
//! - A randomised gap, uniform in `[min, max]`, after the last action of the same class (reads
//!   apart from reads, writes apart from writes).
//! - Writes and relists capped per sliding hour and per sliding day; a wait for a cap ends when
//!   the oldest write of the window leaves it.
//! - A cooldown after a 429, a challenge or a plain 403, doubling with each setback in a row
//!   up to six hours; a success resets the doubling. Vinted's `Retry-After` always holds: a
//!   first 429 waits exactly that long (the server knows best), later ones in a row wait the
//!   longer of it and the doubling.
//! - Paused while a person is needed: a captcha or an expired login stops everything; a
//!   restriction stops writes until its end when known, until cleared otherwise.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

pub use crate::reply::Attention;
use crate::reply::Refusal;

/// The pacing rules of one account; the defaults are the safe figures other tools report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub read_gap_min_ms: u64,
    pub read_gap_max_ms: u64,
    pub write_gap_min_ms: u64,
    pub write_gap_max_ms: u64,
    pub writes_per_hour: u32,
    pub writes_per_day: u32,
    /// A relist also counts as a write.
    pub relists_per_hour: u32,
    pub relists_per_day: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            // At least 1.5 s between detail reads; steady polling gets 403s.
            read_gap_min_ms: 1_500,
            read_gap_max_ms: 4_000,
            // About 50 writes an hour at most, 20–50 s apart.
            write_gap_min_ms: 20_000,
            write_gap_max_ms: 50_000,
            writes_per_hour: 40,
            writes_per_day: 300,
            // A published relister warns above 4 an hour or 15 a day.
            relists_per_hour: 4,
            relists_per_day: 15,
        }
    }
}

/// What the account is about to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    /// Any call that changes something on Vinted (a photo upload, a reply, a hide…).
    Write,
    /// The first write of a relist: it counts against the write and the relist caps.
    Relist,
}

/// One write of the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteRecord {
    pub at: DateTime<Utc>,
    /// The first write of a relist (its later writes are plain writes).
    pub relist: bool,
}

/// The account's recent writes; the caller fills it from the audit log (the last day is
/// enough) and records each write it makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    writes: Vec<WriteRecord>,
}

impl History {
    pub fn new(writes: impl IntoIterator<Item = WriteRecord>) -> Self {
        History {
            writes: writes.into_iter().collect(),
        }
    }

    /// From `(time, relist)` pairs, as the audit log gives them.
    pub fn from_writes(writes: impl IntoIterator<Item = (DateTime<Utc>, bool)>) -> Self {
        History::new(
            writes
                .into_iter()
                .map(|(at, relist)| WriteRecord { at, relist }),
        )
    }

    pub fn record(&mut self, at: DateTime<Utc>, relist: bool) {
        self.writes.push(WriteRecord { at, relist });
    }

    /// Drops what no window looks at any more.
    pub fn forget_before(&mut self, cutoff: DateTime<Utc>) {
        self.writes.retain(|write| write.at >= cutoff);
    }

    pub fn writes(&self) -> &[WriteRecord] {
        &self.writes
    }

    pub fn last_write(&self) -> Option<DateTime<Utc>> {
        self.writes.iter().map(|write| write.at).max()
    }
}

/// Which kind of setback starts a cooldown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setback {
    /// HTTP 429.
    RateLimited,
    /// A DataDome or Cloudflare challenge.
    Challenge,
    /// A 403 that is neither an expired session nor a restriction (106 after the CSRF retry).
    Forbidden,
}

impl Setback {
    fn base(self) -> TimeDelta {
        match self {
            Setback::RateLimited | Setback::Forbidden => TimeDelta::minutes(15),
            Setback::Challenge => TimeDelta::minutes(30),
        }
    }
}

/// The longest cooldown of the doubling (a longer `Retry-After` still wins).
pub const MAX_COOLDOWN: TimeDelta = TimeDelta::hours(6);

/// An account's pacing state, kept in the store between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct State {
    /// No action before this moment.
    #[serde(with = "rfc3339_millis")]
    pub cooldown_until: Option<DateTime<Utc>>,
    /// Setbacks in a row: the next cooldown is the base × 2^level.
    pub cooldown_level: u32,
    /// The cooldown is `Retry-After`'s rather than the doubling's.
    pub cooldown_from_retry_after: bool,
    /// What a person must do before the account goes on.
    pub attention: Option<Attention>,
    /// The end of a restriction, when Vinted gave it.
    #[serde(with = "rfc3339_millis")]
    pub attention_until: Option<DateTime<Utc>>,
}

impl State {
    /// The state after a setback at `now`: a cooldown of the setback's base × 2^level (15 min
    /// after a 429 or a 403, 30 min after a challenge), at most [`MAX_COOLDOWN`]. With a
    /// `retry_after`, the first setback in a row waits exactly that, and later ones the longer
    /// of it and base × 2^(level − 1): Vinted's own answer is never cut short, and repeated
    /// refusals still slow the account down. A cooldown already running longer is kept.
    pub fn after(
        mut self,
        setback: Setback,
        now: DateTime<Utc>,
        retry_after: Option<Duration>,
    ) -> State {
        let retry_until = retry_after
            .and_then(|wait| TimeDelta::from_std(wait.min(crate::reply::MAX_RETRY_AFTER)).ok())
            .map(|wait| now + wait);
        let exponent = match retry_until {
            Some(_) => self.cooldown_level.checked_sub(1),
            None => Some(self.cooldown_level),
        };
        let backoff_until = exponent.map(|exponent| {
            let doubling = 1_i32 << exponent.min(16);
            now + (setback.base() * doubling).min(MAX_COOLDOWN)
        });
        let (until, from_retry_after) = match (retry_until, backoff_until) {
            (Some(retry), Some(backoff)) if retry > backoff => (retry, true),
            (_, Some(backoff)) => (backoff, false),
            (Some(retry), None) => (retry, true),
            (None, None) => (now, false),
        };
        match self.cooldown_until {
            Some(running) if running >= until => {}
            _ => {
                self.cooldown_until = Some(until);
                self.cooldown_from_retry_after = from_retry_after;
            }
        }
        self.cooldown_level = self.cooldown_level.saturating_add(1).min(32);
        self
    }

    /// The state after Vinted refused a call at `now`. Call it with the final outcome: after a
    /// 106 the caller first reloads the CSRF token and retries once.
    pub fn after_refusal(self, refusal: &Refusal, now: DateTime<Utc>) -> State {
        match refusal {
            Refusal::RateLimited { retry_after } => {
                self.after(Setback::RateLimited, now, *retry_after)
            }
            Refusal::Challenge { .. } => State {
                attention: Some(Attention::Captcha),
                attention_until: None,
                ..self.after(Setback::Challenge, now, None)
            },
            Refusal::AccessDenied | Refusal::Unexpected { status: 403, .. } => {
                self.after(Setback::Forbidden, now, None)
            }
            Refusal::LoginExpired => State {
                attention: Some(Attention::LoginExpired),
                attention_until: None,
                ..self
            },
            Refusal::Restricted { until } => State {
                attention: Some(Attention::Restricted),
                attention_until: *until,
                ..self
            },
            Refusal::Validation { .. }
            | Refusal::NotFound
            | Refusal::EndpointMoved { .. }
            | Refusal::Server { .. }
            | Refusal::Unexpected { .. } => self,
        }
    }

    /// After a call Vinted accepted: the next setback starts from the base again.
    pub fn after_success(self) -> State {
        State {
            cooldown_level: 0,
            ..self
        }
    }

    /// The person has passed the captcha, logged in again, or seen the restriction end.
    /// The cooldown keeps running.
    pub fn clear_attention(self) -> State {
        State {
            attention: None,
            attention_until: None,
            ..self
        }
    }
}

/// Why the account waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// Too soon after the last action of the same class.
    Gap,
    HourlyCap,
    DailyCap,
    /// A cooldown after a setback.
    Cooldown,
    /// Vinted's `Retry-After`.
    RetryAfter,
}

impl WaitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::Gap => "gap",
            WaitReason::HourlyCap => "hourly_cap",
            WaitReason::DailyCap => "daily_cap",
            WaitReason::Cooldown => "cooldown",
            WaitReason::RetryAfter => "retry_after",
        }
    }
}

/// What the account should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Act at `at` (now, or later by the random gap only). If anything else happens first (another
    /// action, a refusal), ask again.
    Go { at: DateTime<Utc> },
    /// Ask again at `until`.
    Wait {
        until: DateTime<Utc>,
        reason: WaitReason,
    },
    /// Nothing until a person has acted; a restriction with a known end lifts by itself at
    /// `until` (for writes; reads go on meanwhile).
    Paused {
        attention: Attention,
        until: Option<DateTime<Utc>>,
    },
}

/// Where the random gaps come from: a seeded generator in tests, one seeded from the OS in the
/// app.
pub trait Jitter {
    /// A number uniform in `[min, max]` (`min` when `max <= min`).
    fn between(&mut self, min: u64, max: u64) -> u64;
}

impl<J: Jitter + ?Sized> Jitter for &mut J {
    fn between(&mut self, min: u64, max: u64) -> u64 {
        (**self).between(min, max)
    }
}

/// SplitMix64: small, fast, and plenty for jitter (not for secrets).
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn seeded(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// Seeded from the OS, so two accounts or two runs do not keep the same rhythm.
    pub fn from_os() -> Result<Self, std::io::Error> {
        getrandom::u64()
            .map(Self::seeded)
            .map_err(std::io::Error::other)
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Jitter for SplitMix64 {
    fn between(&mut self, min: u64, max: u64) -> u64 {
        if max <= min {
            return min;
        }
        let random = self.next_u64();
        match (max - min).checked_add(1) {
            // Multiply-shift maps 64 random bits onto the span without a modulo's skew worth
            // speaking of at these spans.
            Some(span) => min + ((u128::from(random) * u128::from(span)) >> 64) as u64,
            None => random,
        }
    }
}

const HOUR: TimeDelta = TimeDelta::hours(1);
const DAY: TimeDelta = TimeDelta::days(1);
/// Gaps longer than a day are read as a day (a mistyped setting must not stall an account
/// for years, nor overflow the clock).
const MAX_GAP_MS: u64 = 24 * 3600 * 1000;

/// The pacing governor.
#[derive(Debug, Clone, Copy, Default)]
pub struct Governor;

impl Governor {
    /// When `kind` may happen, seen at `now`. `last_action_at` is the last action of the same
    /// class (the last read for a read; for writes the history's last write counts too).
    ///
    /// A wait for the gap lasts until the shortest gap has passed; asked again then, the
    /// governor draws the gap once and answers [`Decision::Go`] at its end, so the gaps are
    /// uniform in `[min, max]` even for a caller that re-asks.
    pub fn when(
        kind: Action,
        now: DateTime<Utc>,
        last_action_at: Option<DateTime<Utc>>,
        history: &History,
        state: &State,
        settings: &Settings,
        jitter: &mut impl Jitter,
    ) -> Decision {
        let writes = matches!(kind, Action::Write | Action::Relist);
        match state.attention {
            Some(attention @ (Attention::Captcha | Attention::LoginExpired)) => {
                return Decision::Paused {
                    attention,
                    until: None,
                };
            }
            Some(Attention::Restricted) if writes => {
                let lifted = state.attention_until.is_some_and(|until| now >= until);
                if !lifted {
                    return Decision::Paused {
                        attention: Attention::Restricted,
                        until: state.attention_until,
                    };
                }
            }
            _ => {}
        }

        let (gap_min, gap_max) = if writes {
            (settings.write_gap_min_ms, settings.write_gap_max_ms)
        } else {
            (settings.read_gap_min_ms, settings.read_gap_max_ms)
        };
        let gap_min = gap_min.min(MAX_GAP_MS);
        let gap_max = gap_max.clamp(gap_min, MAX_GAP_MS);
        let last = if writes {
            last_action_at.max(history.last_write())
        } else {
            last_action_at
        };

        // Every constraint not yet met, with the moment it is; the latest one is the wait.
        let mut blocks: Vec<(DateTime<Utc>, WaitReason)> = Vec::new();
        if let Some(until) = state.cooldown_until.filter(|until| *until > now) {
            let reason = if state.cooldown_from_retry_after {
                WaitReason::RetryAfter
            } else {
                WaitReason::Cooldown
            };
            blocks.push((until, reason));
        }
        if writes {
            let all = || history.writes.iter().map(|write| write.at);
            let relists = || {
                history
                    .writes
                    .iter()
                    .filter(|write| write.relist)
                    .map(|write| write.at)
            };
            let mut caps = vec![
                (
                    cap_end(all(), now, DAY, settings.writes_per_day),
                    WaitReason::DailyCap,
                ),
                (
                    cap_end(all(), now, HOUR, settings.writes_per_hour),
                    WaitReason::HourlyCap,
                ),
            ];
            if kind == Action::Relist {
                caps.push((
                    cap_end(relists(), now, DAY, settings.relists_per_day),
                    WaitReason::DailyCap,
                ));
                caps.push((
                    cap_end(relists(), now, HOUR, settings.relists_per_hour),
                    WaitReason::HourlyCap,
                ));
            }
            blocks.extend(
                caps.into_iter()
                    .filter_map(|(until, reason)| until.map(|until| (until, reason))),
            );
        }
        if let Some(last) = last {
            let earliest = last + milliseconds(gap_min);
            if earliest > now {
                blocks.push((earliest, WaitReason::Gap));
            }
        }
        // The first of equal moments wins: a cooldown or a cap says more than the gap.
        let latest = blocks
            .into_iter()
            .reduce(|kept, next| if next.0 > kept.0 { next } else { kept });
        if let Some((until, reason)) = latest {
            return Decision::Wait { until, reason };
        }

        let at = match last {
            Some(last) => (last + milliseconds(jitter.between(gap_min, gap_max))).max(now),
            None => now,
        };
        Decision::Go { at }
    }
}

fn milliseconds(ms: u64) -> TimeDelta {
    TimeDelta::milliseconds(i64::try_from(ms.min(MAX_GAP_MS)).unwrap_or(i64::MAX))
}

/// When a window of `length` ending at `now` holds fewer than `cap` of `times` again, if it
/// does not now. The window is `(end - length, end]`.
fn cap_end(
    times: impl Iterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
    length: TimeDelta,
    cap: u32,
) -> Option<DateTime<Utc>> {
    let mut inside: Vec<DateTime<Utc>> = times.filter(|at| *at > now - length).collect();
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    if inside.len() < cap {
        return None;
    }
    if cap == 0 {
        // A cap of 0 stops that kind of write; look again a window later.
        return Some(now + length);
    }
    inside.sort_unstable();
    // Once the (len - cap + 1) oldest have left, cap - 1 remain.
    Some(inside[inside.len() - cap] + length)
}

/// `Option<DateTime<Utc>>` as RFC 3339 UTC with milliseconds, as the store keeps times.
mod rfc3339_millis {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(at) => serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::reply::ChallengeKind;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z")
            .expect("a date")
            .with_timezone(&Utc)
    }

    fn secs(seconds: i64) -> TimeDelta {
        TimeDelta::seconds(seconds)
    }

    fn when(
        kind: Action,
        now: DateTime<Utc>,
        last: Option<DateTime<Utc>>,
        history: &History,
        state: &State,
    ) -> Decision {
        Governor::when(
            kind,
            now,
            last,
            history,
            state,
            &Settings::default(),
            &mut SplitMix64::seeded(7),
        )
    }

    fn writes_every(start: DateTime<Utc>, step: TimeDelta, count: i32, relist: bool) -> History {
        History::from_writes((0..count).map(|n| (start + step * n, relist)))
    }

    #[test]
    fn defaults_are_the_reported_figures() {
        let settings = Settings::default();
        assert_eq!(
            (settings.read_gap_min_ms, settings.read_gap_max_ms),
            (1_500, 4_000)
        );
        assert_eq!(
            (settings.write_gap_min_ms, settings.write_gap_max_ms),
            (20_000, 50_000)
        );
        assert_eq!(
            (settings.writes_per_hour, settings.writes_per_day),
            (40, 300)
        );
        assert_eq!(
            (settings.relists_per_hour, settings.relists_per_day),
            (4, 15)
        );
        let partial: Settings = serde_json::from_str(r#"{"writesPerDay": 100}"#).expect("settings");
        assert_eq!(partial.writes_per_day, 100);
        assert_eq!(partial.writes_per_hour, 40);
    }

    #[test]
    fn first_action_goes_now() {
        let decision = when(
            Action::Write,
            t0(),
            None,
            &History::default(),
            &State::default(),
        );
        assert_eq!(decision, Decision::Go { at: t0() });
    }

    #[test]
    fn reads_wait_for_the_shortest_gap_then_go_within_the_range() {
        let history = History::default();
        let state = State::default();
        let last = Some(t0());
        assert_eq!(
            when(Action::Read, t0() + secs(1), last, &history, &state),
            Decision::Wait {
                until: t0() + TimeDelta::milliseconds(1_500),
                reason: WaitReason::Gap
            }
        );
        let mut jitter = SplitMix64::seeded(1);
        for _ in 0..200 {
            let now = t0() + TimeDelta::milliseconds(1_500);
            let decision = Governor::when(
                Action::Read,
                now,
                last,
                &history,
                &state,
                &Settings::default(),
                &mut jitter,
            );
            let Decision::Go { at } = decision else {
                panic!("{decision:?}");
            };
            assert!(at >= t0() + TimeDelta::milliseconds(1_500), "{at}");
            assert!(at <= t0() + TimeDelta::milliseconds(4_000), "{at}");
        }
        // Long after the last read, now.
        assert_eq!(
            when(Action::Read, t0() + secs(60), last, &history, &state),
            Decision::Go {
                at: t0() + secs(60)
            }
        );
    }

    #[test]
    fn writes_are_apart_from_writes_of_the_history() {
        let history = writes_every(t0(), secs(0), 1, false);
        // The caller's last action (a read, wrongly passed) does not hide the last write.
        assert_eq!(
            when(
                Action::Write,
                t0() + secs(5),
                None,
                &history,
                &State::default()
            ),
            Decision::Wait {
                until: t0() + secs(20),
                reason: WaitReason::Gap
            }
        );
    }

    #[test]
    fn hourly_cap_waits_for_the_oldest_write_to_leave_the_window() {
        // 40 writes, 60 s apart, the last at t0 + 39 min.
        let history = writes_every(t0(), secs(60), 40, false);
        let now = t0() + TimeDelta::minutes(45);
        assert_eq!(
            when(Action::Write, now, None, &history, &State::default()),
            Decision::Wait {
                until: t0() + HOUR,
                reason: WaitReason::HourlyCap
            }
        );
        // At t0 + 1 h the first has left: 39 in the window.
        let decision = when(
            Action::Write,
            t0() + HOUR,
            None,
            &history,
            &State::default(),
        );
        assert!(matches!(decision, Decision::Go { .. }), "{decision:?}");
        // Reads are not capped.
        let decision = when(Action::Read, now, None, &history, &State::default());
        assert_eq!(decision, Decision::Go { at: now });
    }

    #[test]
    fn daily_cap_over_a_sliding_day() {
        // 300 writes, 4 minutes apart: 20 hours.
        let history = writes_every(t0(), TimeDelta::minutes(4), 300, false);
        let now = t0() + TimeDelta::hours(21);
        assert_eq!(
            when(Action::Write, now, None, &history, &State::default()),
            Decision::Wait {
                until: t0() + DAY,
                reason: WaitReason::DailyCap
            }
        );
    }

    #[test]
    fn relist_caps_stop_relists_not_other_writes() {
        let history = writes_every(t0(), TimeDelta::minutes(5), 4, true);
        let now = t0() + TimeDelta::minutes(30);
        assert_eq!(
            when(Action::Relist, now, None, &history, &State::default()),
            Decision::Wait {
                until: t0() + HOUR,
                reason: WaitReason::HourlyCap
            }
        );
        assert_eq!(
            when(Action::Write, now, None, &history, &State::default()),
            Decision::Go { at: now }
        );
        // 15 relists in the day, spread so that no hour holds 4.
        let history = writes_every(t0(), TimeDelta::minutes(61), 15, true);
        let now = t0() + TimeDelta::hours(16);
        assert_eq!(
            when(Action::Relist, now, None, &history, &State::default()),
            Decision::Wait {
                until: t0() + DAY,
                reason: WaitReason::DailyCap
            }
        );
    }

    #[test]
    fn a_cap_of_zero_stops_that_kind() {
        let settings = Settings {
            relists_per_day: 0,
            ..Settings::default()
        };
        let decision = Governor::when(
            Action::Relist,
            t0(),
            None,
            &History::default(),
            &State::default(),
            &settings,
            &mut SplitMix64::seeded(1),
        );
        assert_eq!(
            decision,
            Decision::Wait {
                until: t0() + DAY,
                reason: WaitReason::DailyCap
            }
        );
    }

    #[test]
    fn cooldowns_double_up_to_six_hours() {
        let table = [
            (Setback::RateLimited, 0, 15),
            (Setback::RateLimited, 1, 30),
            (Setback::RateLimited, 2, 60),
            (Setback::Forbidden, 0, 15),
            (Setback::Forbidden, 3, 120),
            (Setback::Challenge, 0, 30),
            (Setback::Challenge, 1, 60),
            (Setback::Challenge, 3, 240),
            (Setback::Challenge, 4, 360),
            (Setback::RateLimited, 10, 360),
            (Setback::RateLimited, u32::MAX, 360),
        ];
        for (setback, level, minutes) in table {
            let state = State {
                cooldown_level: level,
                ..State::default()
            }
            .after(setback, t0(), None);
            assert_eq!(
                state.cooldown_until,
                Some(t0() + TimeDelta::minutes(minutes)),
                "{setback:?} at level {level}"
            );
            assert!(!state.cooldown_from_retry_after);
            assert_eq!(state.cooldown_level, level.saturating_add(1).min(32));
        }
    }

    #[test]
    fn retry_after_always_holds_and_repeated_refusals_still_double() {
        let longer =
            State::default().after(Setback::RateLimited, t0(), Some(Duration::from_secs(3_600)));
        assert_eq!(longer.cooldown_until, Some(t0() + HOUR));
        assert!(longer.cooldown_from_retry_after);
        assert_eq!(
            when(
                Action::Read,
                t0() + secs(1),
                None,
                &History::default(),
                &longer
            ),
            Decision::Wait {
                until: t0() + HOUR,
                reason: WaitReason::RetryAfter
            }
        );
        // A first 429 waits what Vinted said, even when shorter than the doubling's base…
        let shorter =
            State::default().after(Setback::RateLimited, t0(), Some(Duration::from_secs(60)));
        assert_eq!(shorter.cooldown_until, Some(t0() + TimeDelta::minutes(1)));
        assert_eq!(
            when(
                Action::Write,
                t0() + secs(1),
                None,
                &History::default(),
                &shorter
            ),
            Decision::Wait {
                until: t0() + TimeDelta::minutes(1),
                reason: WaitReason::RetryAfter
            }
        );
        // …and a second one in a row waits at least the doubling's base.
        let again = shorter.after(
            Setback::RateLimited,
            t0() + TimeDelta::minutes(2),
            Some(Duration::from_secs(60)),
        );
        assert_eq!(
            again.cooldown_until,
            Some(t0() + TimeDelta::minutes(2 + 15))
        );
        assert!(!again.cooldown_from_retry_after);
        // A running longer cooldown is not shortened by a later, shorter one.
        let kept = longer.after(Setback::Forbidden, t0() + secs(10), None);
        assert_eq!(kept.cooldown_until, Some(t0() + HOUR));
        assert!(kept.cooldown_from_retry_after);
    }

    #[test]
    fn a_success_resets_the_doubling() {
        let state = State::default()
            .after(Setback::RateLimited, t0(), None)
            .after(Setback::RateLimited, t0() + HOUR, None);
        assert_eq!(state.cooldown_level, 2);
        let state = state.after_success();
        assert_eq!(state.cooldown_level, 0);
        let state = state.after(Setback::RateLimited, t0() + DAY, None);
        assert_eq!(
            state.cooldown_until,
            Some(t0() + DAY + TimeDelta::minutes(15))
        );
    }

    #[test]
    fn refusals_set_cooldowns_and_attention() {
        let now = t0();
        let captcha = State::default().after_refusal(
            &Refusal::Challenge {
                kind: ChallengeKind::DataDome,
            },
            now,
        );
        assert_eq!(captcha.attention, Some(Attention::Captcha));
        assert_eq!(captcha.cooldown_until, Some(now + TimeDelta::minutes(30)));
        for kind in [Action::Read, Action::Write] {
            assert_eq!(
                when(kind, now + DAY, None, &History::default(), &captcha),
                Decision::Paused {
                    attention: Attention::Captcha,
                    until: None
                }
            );
        }
        // Once the person passed it, the cooldown still runs.
        let cleared = captcha.clear_attention();
        assert_eq!(
            when(
                Action::Read,
                now + secs(1),
                None,
                &History::default(),
                &cleared
            ),
            Decision::Wait {
                until: now + TimeDelta::minutes(30),
                reason: WaitReason::Cooldown
            }
        );

        let expired = State::default().after_refusal(&Refusal::LoginExpired, now);
        assert_eq!(expired.attention, Some(Attention::LoginExpired));
        assert_eq!(expired.cooldown_until, None);

        let denied = State::default().after_refusal(&Refusal::AccessDenied, now);
        assert_eq!(denied.cooldown_until, Some(now + TimeDelta::minutes(15)));
        let plain_403 = State::default().after_refusal(
            &Refusal::Unexpected {
                status: 403,
                code: None,
                message: None,
            },
            now,
        );
        assert_eq!(plain_403.cooldown_until, Some(now + TimeDelta::minutes(15)));

        for harmless in [
            Refusal::NotFound,
            Refusal::Validation { errors: vec![] },
            Refusal::Server { status: 502 },
            Refusal::EndpointMoved { status: 200 },
        ] {
            assert_eq!(
                State::default().after_refusal(&harmless, now),
                State::default()
            );
        }
    }

    #[test]
    fn a_restriction_pauses_writes_until_its_end() {
        let end = t0() + TimeDelta::hours(30);
        let restricted =
            State::default().after_refusal(&Refusal::Restricted { until: Some(end) }, t0());
        let history = History::default();
        assert_eq!(
            when(Action::Write, t0() + HOUR, None, &history, &restricted),
            Decision::Paused {
                attention: Attention::Restricted,
                until: Some(end)
            }
        );
        assert_eq!(
            when(Action::Read, t0() + HOUR, None, &history, &restricted),
            Decision::Go { at: t0() + HOUR }
        );
        assert_eq!(
            when(Action::Relist, end, None, &history, &restricted),
            Decision::Go { at: end }
        );
        // Without a known end, until a person clears it.
        let open = State::default().after_refusal(&Refusal::Restricted { until: None }, t0());
        assert_eq!(
            when(Action::Write, t0() + DAY * 30, None, &history, &open),
            Decision::Paused {
                attention: Attention::Restricted,
                until: None
            }
        );
    }

    #[test]
    fn state_round_trips_as_rfc3339_with_milliseconds() {
        let state = State::default()
            .after(Setback::Challenge, t0() + TimeDelta::milliseconds(5), None)
            .after_refusal(
                &Refusal::Restricted {
                    until: Some(t0() + DAY),
                },
                t0(),
            );
        let json = serde_json::to_value(&state).expect("json");
        assert_eq!(json["cooldownUntil"], "2026-12-07T12:30:00.005Z");
        assert_eq!(json["attentionUntil"], "2026-12-08T12:00:00.000Z");
        assert_eq!(json["attention"], "restricted");
        let back: State = serde_json::from_value(json).expect("state");
        assert_eq!(back, state);
        let empty: State = serde_json::from_str("{}").expect("state");
        assert_eq!(empty, State::default());
        assert!(serde_json::from_str::<State>(r#"{"cooldownUntil":"tomorrow"}"#).is_err());
    }

    #[test]
    fn jitter_is_uniform_enough_and_bounded() {
        let mut jitter = SplitMix64::seeded(42);
        let mut buckets = [0_u32; 10];
        for _ in 0..10_000 {
            let value = jitter.between(0, 9);
            buckets[usize::try_from(value).expect("small")] += 1;
        }
        assert!(
            buckets.iter().all(|count| (800..1_200).contains(count)),
            "{buckets:?}"
        );
        assert_eq!(jitter.between(5, 5), 5);
        assert_eq!(jitter.between(9, 3), 9);
        let _ = jitter.between(0, u64::MAX);
        assert!(SplitMix64::from_os().is_ok());
    }

    #[derive(Debug, Clone)]
    enum Step {
        Act(Action),
        /// The action is refused with this setback and `Retry-After` (seconds).
        Refused(Action, Setback, Option<u64>),
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Read),
            Just(Action::Write),
            Just(Action::Relist)
        ]
    }

    fn setback() -> impl Strategy<Value = Setback> {
        prop_oneof![
            Just(Setback::RateLimited),
            Just(Setback::Challenge),
            Just(Setback::Forbidden)
        ]
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            8 => action().prop_map(Step::Act),
            1 => (action(), setback(), proptest::option::of(0_u64..20_000))
                .prop_map(|(action, setback, retry)| Step::Refused(action, setback, retry)),
        ]
    }

    fn settings() -> impl Strategy<Value = Settings> {
        (
            (0_u64..5_000, 0_u64..5_000),
            (0_u64..120_000, 0_u64..120_000),
            // A cap of 0 stops writes for good (tested on its own).
            (1_u32..8, 1_u32..20),
            (1_u32..4, 1_u32..8),
        )
            .prop_map(|(read, write, writes, relists)| Settings {
                read_gap_min_ms: read.0,
                read_gap_max_ms: read.0 + read.1,
                write_gap_min_ms: write.0,
                write_gap_max_ms: write.0 + write.1,
                writes_per_hour: writes.0,
                writes_per_day: writes.1,
                relists_per_hour: relists.0,
                relists_per_day: relists.1,
            })
    }

    /// No window of `length` starting at any of `times` (sorted) holds more than `cap`.
    fn at_most_per_window(times: &[DateTime<Utc>], length: TimeDelta, cap: u32) -> bool {
        times.iter().enumerate().all(|(i, start)| {
            let inside = times[i..]
                .iter()
                .take_while(|at| **at < *start + length)
                .count();
            inside <= cap as usize
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_schedule_followed_keeps_gaps_caps_and_cooldowns(
            settings in settings(),
            steps in proptest::collection::vec(step(), 1..150),
            seed in any::<u64>(),
        ) {
            let mut jitter = SplitMix64::seeded(seed);
            let mut now = t0();
            let mut history = History::default();
            let mut state = State::default();
            let mut last_read: Option<DateTime<Utc>> = None;
            let mut reads = Vec::new();
            let mut cooldowns: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
            let mut actions = Vec::new();

            for step in steps {
                let (kind, refusal) = match step {
                    Step::Act(kind) => (kind, None),
                    Step::Refused(kind, setback, retry) => (kind, Some((setback, retry))),
                };
                let mut asked = 0;
                loop {
                    asked += 1;
                    prop_assert!(asked < 20, "the governor keeps saying wait");
                    let last = if kind == Action::Read { last_read } else { history.last_write() };
                    match Governor::when(kind, now, last, &history, &state, &settings, &mut jitter) {
                        Decision::Go { at } => {
                            prop_assert!(at >= now);
                            now = at;
                            break;
                        }
                        Decision::Wait { until, .. } => {
                            prop_assert!(until > now);
                            now = until;
                        }
                        Decision::Paused { attention, .. } => {
                            prop_assert!(false, "paused for {attention:?} without attention");
                        }
                    }
                }
                actions.push(now);
                match kind {
                    Action::Read => {
                        reads.push(now);
                        last_read = Some(now);
                    }
                    Action::Write => history.record(now, false),
                    Action::Relist => history.record(now, true),
                }
                state = match refusal {
                    Some((setback, retry)) => {
                        let after = state.after(setback, now, retry.map(Duration::from_secs));
                        if let Some(until) = after.cooldown_until {
                            cooldowns.push((now, until));
                        }
                        after
                    }
                    None => state.after_success(),
                };
            }

            let writes: Vec<DateTime<Utc>> = history.writes().iter().map(|w| w.at).collect();
            let relists: Vec<DateTime<Utc>> =
                history.writes().iter().filter(|w| w.relist).map(|w| w.at).collect();
            let write_gap = TimeDelta::milliseconds(settings.write_gap_min_ms as i64);
            let read_gap = TimeDelta::milliseconds(settings.read_gap_min_ms as i64);
            prop_assert!(writes.windows(2).all(|pair| pair[1] - pair[0] >= write_gap));
            prop_assert!(reads.windows(2).all(|pair| pair[1] - pair[0] >= read_gap));
            prop_assert!(at_most_per_window(&writes, HOUR, settings.writes_per_hour));
            prop_assert!(at_most_per_window(&writes, DAY, settings.writes_per_day));
            prop_assert!(at_most_per_window(&relists, HOUR, settings.relists_per_hour));
            prop_assert!(at_most_per_window(&relists, DAY, settings.relists_per_day));
            for (from, until) in cooldowns {
                prop_assert!(
                    actions.iter().all(|at| *at <= from || *at >= until),
                    "an action inside the cooldown {from}..{until}"
                );
            }
        }
    }
}
