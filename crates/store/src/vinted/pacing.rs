//! One account's pacing governor as stored: its settings (how far apart reads and writes go,
//! caps per hour and day) and its state (a cooldown after a 429 or a challenge, and why the
//! account waits for the person). The governor itself, which decides when the next request
//! goes, is the Vinted crate's; the writes it counts against the caps are in the audit log.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::normalized_time;
use crate::enums::text_enum;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};

text_enum!(
    /// Why an account waits for the person before anything more is sent.
    Attention {
        Captcha = "captcha",
        LoginExpired = "login_expired",
        // Vinted restricted the account ("automated activity"); writes wait until its end.
        Restricted = "restricted",
        Blocked = "blocked",
    }
);

/// How fast one account may go. Defaults from docs/VINTED.md "Pacing": reads 1.5 to 4 s apart,
/// writes 20 to 50 s apart, 40 writes an hour and 300 a day, 4 relists an hour and 15 a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PacingSettings {
    pub read_gap_min_ms: i64,
    pub read_gap_max_ms: i64,
    pub write_gap_min_ms: i64,
    pub write_gap_max_ms: i64,
    pub writes_per_hour: i64,
    pub writes_per_day: i64,
    pub relists_per_hour: i64,
    pub relists_per_day: i64,
}

impl Default for PacingSettings {
    fn default() -> Self {
        Self {
            read_gap_min_ms: 1_500,
            read_gap_max_ms: 4_000,
            write_gap_min_ms: 20_000,
            write_gap_max_ms: 50_000,
            writes_per_hour: 40,
            writes_per_day: 300,
            relists_per_hour: 4,
            relists_per_day: 15,
        }
    }
}

/// The longest gap a setting may ask for: an hour.
pub const MAX_GAP_MS: i64 = 3_600_000;
/// The largest cap a setting may set.
pub const MAX_CAP: i64 = 10_000;

impl PacingSettings {
    /// Every field that is wrong, by its name in the UI: not positive, too large, or a minimum
    /// above its maximum (reported on the maximum).
    pub fn field_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut check = |field: &str, value: i64, max: i64| {
            let code = match value {
                v if v < 0 => Some(FieldErrorCode::Negative),
                0 => Some(FieldErrorCode::Invalid),
                v if v > max => Some(FieldErrorCode::TooLarge),
                _ => None,
            };
            if let Some(code) = code {
                errors.push(FieldError::new(field, code));
            }
        };
        check("readGapMinMs", self.read_gap_min_ms, MAX_GAP_MS);
        check("readGapMaxMs", self.read_gap_max_ms, MAX_GAP_MS);
        check("writeGapMinMs", self.write_gap_min_ms, MAX_GAP_MS);
        check("writeGapMaxMs", self.write_gap_max_ms, MAX_GAP_MS);
        check("writesPerHour", self.writes_per_hour, MAX_CAP);
        check("writesPerDay", self.writes_per_day, MAX_CAP);
        check("relistsPerHour", self.relists_per_hour, MAX_CAP);
        check("relistsPerDay", self.relists_per_day, MAX_CAP);
        for (field, min, max) in [
            ("readGapMaxMs", self.read_gap_min_ms, self.read_gap_max_ms),
            (
                "writeGapMaxMs",
                self.write_gap_min_ms,
                self.write_gap_max_ms,
            ),
        ] {
            if min > max && !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, FieldErrorCode::Invalid));
            }
        }
        errors
    }
}

/// Where an account's governor stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PacingState {
    /// Nothing is sent before this time (RFC 3339).
    pub cooldown_until: Option<String>,
    /// Cooldowns in a row; each lasts longer than the last.
    pub cooldown_level: i64,
    /// Why the account waits for the person; `None` when it does not.
    pub attention: Option<Attention>,
    /// When the reason ends by itself (a restriction's end), if Vinted said.
    pub attention_until: Option<String>,
    pub attention_message: Option<String>,
}

const SETTINGS: &str = "read_gap_min_ms, read_gap_max_ms, write_gap_min_ms, write_gap_max_ms,
    writes_per_hour, writes_per_day, relists_per_hour, relists_per_day";

fn read_settings(conn: &Connection, account_id: &str) -> Result<PacingSettings> {
    let stored = conn
        .prepare_cached(&format!(
            "SELECT {SETTINGS} FROM vinted_pacing WHERE seller_account_id = ?1"
        ))?
        .query_row([account_id], |r| {
            Ok(PacingSettings {
                read_gap_min_ms: r.get(0)?,
                read_gap_max_ms: r.get(1)?,
                write_gap_min_ms: r.get(2)?,
                write_gap_max_ms: r.get(3)?,
                writes_per_hour: r.get(4)?,
                writes_per_day: r.get(5)?,
                relists_per_hour: r.get(6)?,
                relists_per_day: r.get(7)?,
            })
        })
        .optional()?;
    Ok(stored.unwrap_or_default())
}

fn read_state(conn: &Connection, account_id: &str) -> Result<PacingState> {
    let stored = conn
        .prepare_cached(
            "SELECT cooldown_until, cooldown_level, attention, attention_until, attention_message
             FROM vinted_pacing WHERE seller_account_id = ?1",
        )?
        .query_row([account_id], |r| {
            Ok(PacingState {
                cooldown_until: r.get(0)?,
                cooldown_level: r.get(1)?,
                attention: r.get(2)?,
                attention_until: r.get(3)?,
                attention_message: r.get(4)?,
            })
        })
        .optional()?;
    Ok(stored.unwrap_or_default())
}

/// Makes sure the account has its pacing row (the default settings, no cooldown).
fn ensure_row(conn: &Connection, account_id: &str) -> Result<()> {
    let d = PacingSettings::default();
    conn.prepare_cached(&format!(
        "INSERT INTO vinted_pacing (id, seller_account_id, {SETTINGS}, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (seller_account_id) DO NOTHING"
    ))?
    .execute(params![
        new_id(),
        account_id,
        d.read_gap_min_ms,
        d.read_gap_max_ms,
        d.write_gap_min_ms,
        d.write_gap_max_ms,
        d.writes_per_hour,
        d.writes_per_day,
        d.relists_per_hour,
        d.relists_per_day,
        now_rfc3339(),
    ])
    .map_err(|e| StoreError::from_write(e, None))?;
    Ok(())
}

impl StoreTx<'_> {
    pub fn pacing_settings(&self, account_id: &str) -> Result<PacingSettings> {
        read_settings(&self.tx, account_id)
    }

    /// Saves an account's pacing settings, after checking them.
    pub fn set_pacing_settings(
        &mut self,
        account_id: &str,
        settings: &PacingSettings,
    ) -> Result<PacingSettings> {
        let errors = settings.field_errors();
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        ensure_row(&self.tx, account_id)?;
        self.tx.execute(
            "UPDATE vinted_pacing SET read_gap_min_ms = ?2, read_gap_max_ms = ?3,
                write_gap_min_ms = ?4, write_gap_max_ms = ?5, writes_per_hour = ?6,
                writes_per_day = ?7, relists_per_hour = ?8, relists_per_day = ?9, updated_at = ?10
             WHERE seller_account_id = ?1",
            params![
                account_id,
                settings.read_gap_min_ms,
                settings.read_gap_max_ms,
                settings.write_gap_min_ms,
                settings.write_gap_max_ms,
                settings.writes_per_hour,
                settings.writes_per_day,
                settings.relists_per_hour,
                settings.relists_per_day,
                now_rfc3339(),
            ],
        )?;
        read_settings(&self.tx, account_id)
    }

    pub fn pacing_state(&self, account_id: &str) -> Result<PacingState> {
        read_state(&self.tx, account_id)
    }

    /// Records where the account's governor stands (times are checked and stored as RFC 3339
    /// UTC with milliseconds).
    pub fn set_pacing_state(
        &mut self,
        account_id: &str,
        state: &PacingState,
    ) -> Result<PacingState> {
        let mut errors = Vec::new();
        let mut time = |field: &str, value: &Option<String>| match value {
            Some(text) => match normalized_time(field, text) {
                Ok(t) => Some(t),
                Err(_) => {
                    errors.push(FieldError::new(field, FieldErrorCode::Invalid));
                    None
                }
            },
            None => None,
        };
        let cooldown_until = time("cooldownUntil", &state.cooldown_until);
        let attention_until = time("attentionUntil", &state.attention_until);
        if state.cooldown_level < 0 {
            errors.push(FieldError::new("cooldownLevel", FieldErrorCode::Negative));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        ensure_row(&self.tx, account_id)?;
        self.tx.execute(
            "UPDATE vinted_pacing SET cooldown_until = ?2, cooldown_level = ?3, attention = ?4,
                attention_until = ?5, attention_message = ?6, updated_at = ?7
             WHERE seller_account_id = ?1",
            params![
                account_id,
                cooldown_until,
                state.cooldown_level,
                state.attention,
                attention_until,
                state.attention_message,
                now_rfc3339(),
            ],
        )?;
        read_state(&self.tx, account_id)
    }

    /// The person dealt with what the account waited for. Its jobs that waited too are queued
    /// again by [`StoreTx::resume_attention_jobs`], which the caller runs in the same
    /// transaction if it wants both.
    pub fn clear_attention(&mut self, account_id: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE vinted_pacing SET attention = NULL, attention_until = NULL,
                attention_message = NULL, updated_at = ?2
             WHERE seller_account_id = ?1",
            params![account_id, now_rfc3339()],
        )?;
        Ok(())
    }
}

impl Store {
    /// The account's pacing settings; the defaults while none were saved.
    pub fn pacing_settings(&self, account_id: &str) -> Result<PacingSettings> {
        read_settings(&self.conn, account_id)
    }

    pub fn set_pacing_settings(
        &mut self,
        account_id: &str,
        settings: &PacingSettings,
    ) -> Result<PacingSettings> {
        self.write(|tx| tx.set_pacing_settings(account_id, settings))
    }

    /// The account's governor state; no cooldown and no attention while none was recorded.
    pub fn pacing_state(&self, account_id: &str) -> Result<PacingState> {
        read_state(&self.conn, account_id)
    }

    pub fn set_pacing_state(
        &mut self,
        account_id: &str,
        state: &PacingState,
    ) -> Result<PacingState> {
        self.write(|tx| tx.set_pacing_state(account_id, state))
    }

    pub fn clear_attention(&mut self, account_id: &str) -> Result<()> {
        self.write(|tx| tx.clear_attention(account_id))
    }
}
