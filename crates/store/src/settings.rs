//! Small key/value settings of the app (`app_settings`), such as the UI language. The
//! connection-level pair is for code that must read or write a setting inside its own
//! transaction (SKU counter, remembered CSV mappings, the local shop).

use rusqlite::{Connection, OptionalExtension};

use crate::{Result, Store, now_rfc3339};

pub(crate) fn read_setting(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM app_settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

pub(crate) fn write_setting(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO app_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )?
    .execute((key, value, now_rfc3339()))?;
    Ok(())
}

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(read_setting(&self.conn, key)?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        Ok(write_setting(&self.conn, key, value)?)
    }
}
