//! Notifications: who is told what when a case opens, reopens or escalates, and a daily
//! digest. The history is the log of events, so queueing happens after the fact and nothing
//! a transaction wrote can be missed: [`CaseStore::queue`] turns every such history entry
//! since a URL was added into one outbox row per URL, its payload fixed then, and the daily
//! digest into one row per URL and day. A URL new to the database starts with the last
//! day's events. Sending ([`super::deliver`]) works off the outbox.

use super::case::{COLUMNS, Case, now};
use super::store::{CaseStore, StoreError, immediate, sql_error};
use super::worklist::Counts;
use rusqlite::{Transaction, params};
use serde::Serialize;
use serde_json::json;
use std::time::Duration;

/// What the webhooks receive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyFormat {
    /// `{"event", "case", "at", "by"}` (a digest: `{"event", "date", "counts", "open"}`).
    #[default]
    Json,
    /// `{"text": "..."}`, which Slack's (and Mattermost's, Teams') incoming webhooks take.
    Slack,
}

/// The config's `[notify]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notify {
    /// Webhook URLs (http or https).
    pub webhooks: Vec<String>,
    /// The payload's shape.
    pub format: NotifyFormat,
    /// Also one digest of the open cases a day.
    pub digest: bool,
    /// Attempts per message before it is given up.
    pub attempts: u32,
    /// How long one attempt may take.
    pub timeout: Duration,
}

returnrisk_core::named_enum! {
    /// Where a message stands.
    pub enum DeliveryState {
        /// Not sent yet, or being retried.
        Pending => "pending",
        /// The last attempt failed; it will be tried again.
        Failed => "failed",
        /// Received (a 2xx answer).
        Delivered => "delivered",
        /// Every attempt failed.
        GaveUp => "gave_up",
    }
}

/// The history actions people are told about.
pub const EVENTS: [&str; 3] = ["open", "reopen", "escalate"];

/// What was queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Queued {
    /// Case events.
    pub events: usize,
    /// Digests.
    pub digests: usize,
}

fn event_word(action: &str) -> &'static str {
    match action {
        "open" => "opened",
        "reopen" => "reopened",
        _ => "escalated",
    }
}

/// The payload of one case event.
pub fn event_payload(
    format: NotifyFormat,
    case: &Case,
    action: &str,
    at: &str,
    by: &str,
) -> String {
    let event = event_word(action);
    match format {
        NotifyFormat::Json => json!({ "event": event, "case": case, "at": at, "by": by }),
        NotifyFormat::Slack => json!({ "text": format!(
            "[returnrisk] case #{} {event}: {} {} on {} ({}) - {}",
            case.id,
            case.severity,
            case.rule,
            super::case::target_parts(&case.target).1,
            case.marketplace.as_deref().unwrap_or("all marketplaces"),
            case.message
        )}),
    }
    .to_string()
}

/// The payload of a digest of `open` cases (worklist order) on `date`.
pub fn digest_payload(format: NotifyFormat, date: &str, counts: &Counts, open: &[Case]) -> String {
    match format {
        NotifyFormat::Json => {
            json!({ "event": "digest", "date": date, "counts": counts, "open": open })
        }
        NotifyFormat::Slack => {
            let mut text = format!(
                "[returnrisk] cases on {date}: {} new, {} working, {} escalated, {} snoozed",
                counts.new, counts.working, counts.escalated, counts.snoozed
            );
            for c in open.iter().take(10) {
                let target = super::case::target_parts(&c.target).1;
                text.push_str(&format!(
                    "\n#{} {} {} {} {}",
                    c.id, c.state, c.severity, c.rule, target
                ));
            }
            if open.len() > 10 {
                text.push_str(&format!("\n... and {} more", open.len() - 10));
            }
            json!({ "text": text })
        }
    }
    .to_string()
}

impl CaseStore {
    /// Queues what `n`'s webhooks have not been given yet, in one transaction: the case
    /// events since each URL was added, and today's digest when `n.digest`.
    pub fn queue(&mut self, n: &Notify) -> Result<Queued, StoreError> {
        let mut out = Queued::default();
        if n.webhooks.is_empty() || self.read_only {
            return Ok(out);
        }
        let digest = if n.digest && !self.digested_today(n)? {
            Some(self.digest(n.format)?)
        } else {
            None
        };
        let sql = sql_error(&self.path);
        let tx = immediate(&mut self.conn).map_err(&sql)?;
        let stamp = now();
        let day_ago = super::case::stamp(chrono::Utc::now() - chrono::Duration::days(1));
        for url in &n.webhooks {
            // A URL new to this database is told the last day's events, not the whole past.
            tx.execute(
                "INSERT OR IGNORE INTO webhooks (url, since_history_id, added_at)
                 VALUES (?1, (SELECT coalesce(max(id), 0) FROM history WHERE at < ?3), ?2)",
                params![url, stamp, day_ago],
            )
            .map_err(&sql)?;
            out.events += queue_events(&tx, url, n.format, &stamp).map_err(&sql)??;
            if let Some(payload) = &digest {
                out.digests += tx
                    .execute(
                        "INSERT OR IGNORE INTO outbox (url, digest_date, event, payload, state,
                         next_at, created_at) VALUES (?1, ?2, 'digest', ?3, 'pending', ?4, ?4)",
                        params![url, &stamp[..10], payload, stamp],
                    )
                    .map_err(&sql)?;
            }
        }
        tx.commit().map_err(&sql)?;
        Ok(out)
    }

    /// Whether every URL of `n` has today's digest queued already (then the worklist is not
    /// read again for it).
    fn digested_today(&self, n: &Notify) -> Result<bool, StoreError> {
        let today = &now()[..10];
        for url in &n.webhooks {
            let queued: i64 = self
                .conn
                .query_row(
                    "SELECT count(*) FROM outbox WHERE event = 'digest' AND digest_date = ?1
                     AND url = ?2",
                    params![today, url],
                    |r| r.get(0),
                )
                .map_err(|e| self.sql(e))?;
            if queued == 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Today's digest payload of the open cases.
    fn digest(&self, format: NotifyFormat) -> Result<String, StoreError> {
        let w = self.worklist()?;
        let open: Vec<Case> = w
            .cases
            .iter()
            .filter(|d| d.case.state.is_open())
            .map(|d| d.case.clone())
            .collect();
        Ok(digest_payload(format, &now()[..10], &w.counts(None), &open))
    }
}

/// Queues the case events of the history after `url`'s start not queued for it yet.
fn queue_events(
    tx: &Transaction<'_>,
    url: &str,
    format: NotifyFormat,
    stamp: &str,
) -> rusqlite::Result<Result<usize, StoreError>> {
    let events: Vec<(i64, i64, String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT h.id, h.case_id, h.action, h.at, h.user FROM history h
             WHERE h.id > (SELECT since_history_id FROM webhooks WHERE url = ?1)
               AND h.action IN ('open', 'reopen', 'escalate')
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.history_id = h.id AND o.url = ?1)
             ORDER BY h.id",
        )?;
        stmt.query_map([url], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let sql = format!("SELECT {COLUMNS} FROM cases WHERE id = ?1");
    for (history_id, case_id, action, at, by) in &events {
        let case = tx.query_row(&sql, [case_id], |r| {
            super::case::case_of_row(r, tx_path(tx))
        })?;
        let case = match case {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        tx.execute(
            "INSERT INTO outbox (url, history_id, case_id, event, payload, state, next_at,
             created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
            params![
                url,
                history_id,
                case_id,
                event_word(action),
                event_payload(format, &case, action, at, by),
                stamp
            ],
        )?;
    }
    Ok(Ok(events.len()))
}

/// The database file of `tx`, for messages.
fn tx_path(tx: &Transaction<'_>) -> std::path::PathBuf {
    tx.path().map(std::path::PathBuf::from).unwrap_or_default()
}
