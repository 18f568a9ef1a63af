//! The audit log: every write the app sent to Vinted, Vinted refused, failed to send or only
//! simulated (a dry run), with what was sent and what came back. It outlives the account and
//! the job it came from. The writes sent or refused are what the pacing caps count.

use std::io::Write;
use std::path::Path;

use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::jobs::JobKind;
use super::{Page, json_column, limit_offset, normalized_time};
use crate::csv::{CsvError, CsvExportOptions, CsvLanguage, csv_writer, guard_formula};
use crate::enums::text_enum;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};

text_enum!(
    /// What became of a write.
    AuditOutcome {
        // Vinted took it.
        Sent = "sent",
        // Vinted answered with a refusal (403, 429, a challenge).
        Refused = "refused",
        // It never reached Vinted.
        Failed = "failed",
        // Simulated: nothing was sent.
        DryRun = "dry_run",
    }
);

/// A write to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub account_id: String,
    pub job_id: Option<String>,
    /// The kind of job that sent it; `None` takes the job's own.
    pub job_kind: Option<JobKind>,
    /// The write that publishes a relist's copy: the one a relist cap counts.
    #[serde(default)]
    pub relist: bool,
    /// `POST`, `PUT`, `DELETE`…
    pub method: String,
    /// Path and query, such as `/api/v2/items/123/delete`; never a token.
    pub path: String,
    /// What was sent, without any secret.
    #[cfg_attr(feature = "specta", specta(type = super::AnyJson))]
    pub summary: Value,
    pub http_status: Option<i64>,
    pub outcome: AuditOutcome,
    pub message: Option<String>,
}

/// A recorded write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub id: String,
    /// `None` once the account is deleted.
    pub account_id: Option<String>,
    pub job_id: Option<String>,
    pub job_kind: Option<JobKind>,
    pub at: String,
    pub method: String,
    pub path: String,
    #[cfg_attr(feature = "specta", specta(type = super::AnyJson))]
    pub summary: Value,
    pub http_status: Option<i64>,
    pub outcome: AuditOutcome,
    pub message: Option<String>,
}

/// Which records a list shows: one account's or all, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    pub account_id: Option<String>,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl Default for AuditFilter {
    fn default() -> Self {
        Self {
            account_id: None,
            page: 1,
            per_page: 50,
        }
    }
}

const COLUMNS: &str = "id, seller_account_id, job_id, job_kind, at, method, path, summary,
    http_status, outcome, message";

fn record_from_row(r: &Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        id: r.get(0)?,
        account_id: r.get(1)?,
        job_id: r.get(2)?,
        job_kind: r.get(3)?,
        at: r.get(4)?,
        method: r.get(5)?,
        path: r.get(6)?,
        summary: json_column(r, 7)?,
        http_status: r.get(8)?,
        outcome: r.get(9)?,
        message: r.get(10)?,
    })
}

/// Names that hold a secret, in a query or in a summary: refused, so none lands in the log.
fn names_a_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "token",
        "password",
        "secret",
        "cookie",
        "csrf",
        "authorization",
    ]
    .iter()
    .any(|s| name.contains(s))
}

fn holds_a_secret(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(key, value)| names_a_secret(key) || holds_a_secret(value)),
        Value::Array(items) => items.iter().any(holds_a_secret),
        _ => false,
    }
}

fn field_errors(entry: &AuditEntry) -> Vec<FieldError> {
    use FieldErrorCode::*;
    let mut errors = Vec::new();
    if entry.account_id.trim().is_empty() {
        errors.push(FieldError::new("accountId", Required));
    }
    let method = entry.method.trim();
    if method.is_empty() {
        errors.push(FieldError::new("method", Required));
    } else if !method.chars().all(|c| c.is_ascii_uppercase()) {
        errors.push(FieldError::new("method", Invalid));
    }
    let path = entry.path.trim();
    let query = path.split_once('?').map_or("", |(_, q)| q);
    if path.is_empty() {
        errors.push(FieldError::new("path", Required));
    } else if !path.starts_with('/')
        || path.chars().any(char::is_control)
        || query
            .split('&')
            .any(|pair| names_a_secret(pair.split('=').next().unwrap_or_default()))
    {
        errors.push(FieldError::new("path", Invalid));
    }
    if holds_a_secret(&entry.summary) {
        errors.push(FieldError::new("summary", Invalid));
    }
    if entry.http_status.is_some_and(|s| !(100..=599).contains(&s)) {
        errors.push(FieldError::new("httpStatus", Invalid));
    }
    errors
}

fn count_writes(
    conn: &Connection,
    account_id: &str,
    since: &str,
    relists_only: bool,
) -> Result<u32> {
    let since = normalized_time("since", since)?;
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM vinted_audit_log
             WHERE seller_account_id = ?1 AND at >= ?2 AND outcome IN ('sent', 'refused')
               AND (?3 = 0 OR is_relist = 1)",
        )?
        .query_row(params![account_id, since, relists_only], |r| r.get(0))?)
}

impl StoreTx<'_> {
    /// Records a write, stamped now; returns the record's id. Refused when the path's query or
    /// the summary names a secret (a token, a password, a cookie, the CSRF token).
    pub fn record_audit(&mut self, entry: &AuditEntry) -> Result<String> {
        let errors = field_errors(entry);
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let id = new_id();
        self.tx
            .prepare_cached(
                "INSERT INTO vinted_audit_log (id, seller_account_id, job_id, job_kind, at, method,
                    path, summary, http_status, outcome, message, is_relist)
                 VALUES (?1, ?2, ?3,
                    COALESCE(?4, (SELECT kind FROM vinted_jobs WHERE id = ?3)),
                    ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                id,
                entry.account_id,
                entry.job_id,
                entry.job_kind,
                now_rfc3339(),
                entry.method.trim(),
                entry.path.trim(),
                entry.summary.to_string(),
                entry.http_status,
                entry.outcome,
                entry.message,
                entry.relist,
            ])
            .map_err(|e| StoreError::from_write(e, None))?;
        Ok(id)
    }

    /// See [`Store::writes_since`].
    pub fn writes_since(&self, account_id: &str, since: &str) -> Result<u32> {
        count_writes(&self.tx, account_id, since, false)
    }

    /// See [`Store::relists_since`].
    pub fn relists_since(&self, account_id: &str, since: &str) -> Result<u32> {
        count_writes(&self.tx, account_id, since, true)
    }
}

impl Store {
    pub fn record_audit(&mut self, entry: &AuditEntry) -> Result<String> {
        self.write(|tx| tx.record_audit(entry))
    }

    /// How many writes the account sent to Vinted from `since` (RFC 3339) on, whatever Vinted
    /// answered: the ones sent and the ones it refused count, dry runs and writes that never
    /// left do not.
    pub fn writes_since(&self, account_id: &str, since: &str) -> Result<u32> {
        count_writes(&self.conn, account_id, since, false)
    }

    /// [`Store::writes_since`], counting only the writes that published a relist's copy.
    pub fn relists_since(&self, account_id: &str, since: &str) -> Result<u32> {
        count_writes(&self.conn, account_id, since, true)
    }

    /// When the account's writes from `since` on were made (counted as in
    /// [`Store::writes_since`]), oldest first, each with whether a relist job made it: what the
    /// pacing governor's windows are computed from.
    pub fn write_times_since(&self, account_id: &str, since: &str) -> Result<Vec<(String, bool)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, is_relist FROM vinted_audit_log
             WHERE seller_account_id = ?1 AND at >= ?2 AND outcome IN ('sent', 'refused')
             ORDER BY at",
        )?;
        let times = stmt
            .query_map([account_id, since], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(times)
    }

    /// One page of the log, newest first, with how many records match in all.
    pub fn list_audit(&self, filter: &AuditFilter) -> Result<Page<AuditRecord>> {
        let (limit, offset) = limit_offset(filter.page, filter.per_page)?;
        let account = filter
            .account_id
            .as_deref()
            .filter(|a| !a.trim().is_empty());
        let total: u32 = self.conn.query_row(
            "SELECT count(*) FROM vinted_audit_log WHERE ?1 IS NULL OR seller_account_id = ?1",
            [account],
            |r| r.get(0),
        )?;
        let items = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM vinted_audit_log
                 WHERE ?1 IS NULL OR seller_account_id = ?1
                 ORDER BY at DESC, id DESC LIMIT ?2 OFFSET ?3"
            ))?
            .query_map(params![account, limit, offset], record_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            page: filter.page,
            per_page: filter.per_page,
        })
    }

    /// Writes the log (one account's, or every account's), oldest first, as CSV with a header
    /// row in `language`. Times are written as stored (RFC 3339 UTC, to the millisecond), the
    /// exact record an audit needs; every text cell is guarded against spreadsheet formulas.
    /// Returns the number of records written.
    pub fn write_audit_csv<W: Write>(
        &self,
        account_id: Option<&str>,
        language: CsvLanguage,
        out: W,
    ) -> Result<u32, CsvError> {
        let options = CsvExportOptions::for_language(language);
        let mut writer = csv_writer(&options, out)?;
        let header: &[&str] = match language {
            CsvLanguage::Fr => &[
                "Date (UTC)",
                "Compte",
                "Identifiant du compte",
                "Tâche",
                "Type de tâche",
                "Méthode",
                "Chemin",
                "Statut HTTP",
                "Résultat",
                "Message",
                "Envoyé",
            ],
            CsvLanguage::En => &[
                "Time (UTC)",
                "Account",
                "Account id",
                "Job",
                "Job kind",
                "Method",
                "Path",
                "HTTP status",
                "Outcome",
                "Message",
                "Sent",
            ],
        };
        writer.write_record(header).map_err(csv_io)?;
        let account = account_id.filter(|a| !a.trim().is_empty());
        let snapshot = self.conn.unchecked_transaction()?;
        let mut stmt = self.conn.prepare(
            "SELECT l.at, a.name, l.seller_account_id, l.job_id, l.job_kind, l.method, l.path,
                    l.http_status, l.outcome, l.message, l.summary
             FROM vinted_audit_log l LEFT JOIN seller_accounts a ON a.id = l.seller_account_id
             WHERE ?1 IS NULL OR l.seller_account_id = ?1
             ORDER BY l.at, l.id",
        )?;
        let mut rows = stmt.query([account])?;
        let mut written = 0u32;
        while let Some(r) = rows.next()? {
            let text = |i: usize| -> rusqlite::Result<String> {
                let value: Option<String> = r.get(i)?;
                Ok(value
                    .map(|v| guard_formula(&v).into_owned())
                    .unwrap_or_default())
            };
            let status: Option<i64> = r.get(7)?;
            let record = [
                text(0)?,
                text(1)?,
                text(2)?,
                text(3)?,
                text(4)?,
                text(5)?,
                text(6)?,
                status.map(|s| s.to_string()).unwrap_or_default(),
                text(8)?,
                text(9)?,
                text(10)?,
            ];
            writer.write_record(&record).map_err(csv_io)?;
            written += 1;
        }
        drop(rows);
        drop(stmt);
        snapshot.commit()?;
        writer.flush()?;
        Ok(written)
    }

    /// [`Store::write_audit_csv`] into the file `path`, replaced as a whole: it is written beside
    /// it first, so a failed export leaves no file and an earlier one as it was.
    pub fn export_audit_csv(
        &self,
        account_id: Option<&str>,
        path: &Path,
        language: CsvLanguage,
    ) -> Result<u32, CsvError> {
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(folder)?;
        let written =
            self.write_audit_csv(account_id, language, std::io::BufWriter::new(&mut file))?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| CsvError::Io(e.error))?;
        Ok(written)
    }
}

fn csv_io(err: ::csv::Error) -> CsvError {
    CsvError::Io(err.into())
}
