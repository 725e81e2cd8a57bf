//! Sending the outbox: every message that is due is claimed (so two processes sharing the
//! database never send it twice), posted, and marked delivered on a 2xx answer; a failure
//! (an error answer, a refused connection, a timeout) is recorded with its reason and tried
//! again after a doubling wait ([`backoff`]) until the configured attempts are spent. A URL
//! that fails is not tried again in the same round: its other messages wait for the next
//! try (no attempt counted), so a webhook that hangs costs one timeout per round, not one per
//! message. The cases themselves are never touched: a webhook that is down delays a
//! message, nothing else.

use super::case::stamp;
use super::notify::{DeliveryState, Notify};
use super::store::{CaseStore, StoreError, immediate, sql_error};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::time::Duration;

/// How often a long-running process (the dashboard, the server) looks for messages due.
pub const NOTIFY_INTERVAL: Duration = Duration::from_secs(5);

/// The wait before attempt `attempt + 1` after `attempt` failures: 2, 4, 8 ... seconds, at
/// most an hour.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempt.min(12)).min(3600))
}

/// What one round of sending did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// Messages received by their webhook.
    pub delivered: usize,
    /// Messages that failed this time and will be tried again.
    pub failed: usize,
    /// Messages that failed for the last time.
    pub gave_up: usize,
    /// Messages not tried this round because their URL had just failed.
    pub deferred: usize,
    /// The first failure's reason (URL and error), for the status line.
    pub first_error: Option<String>,
}

/// One message to send.
struct Due {
    id: i64,
    url: String,
    payload: String,
    attempts: u32,
}

impl CaseStore {
    /// Claims the next message due at `now`: pushes its next try past the send's timeout so
    /// that no other process takes it meanwhile.
    fn claim(&mut self, now: DateTime<Utc>, lease: Duration) -> Result<Option<Due>, StoreError> {
        let sql = sql_error(&self.path);
        let tx = immediate(&mut self.conn).map_err(&sql)?;
        let due = tx
            .query_row(
                "SELECT id, url, payload, attempts FROM outbox
                 WHERE state IN ('pending', 'failed') AND next_at <= ?1 ORDER BY id LIMIT 1",
                [stamp(now)],
                |r| {
                    Ok(Due {
                        id: r.get(0)?,
                        url: r.get(1)?,
                        payload: r.get(2)?,
                        attempts: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(&sql)?;
        if let Some(d) = &due {
            let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
            tx.execute(
                "UPDATE outbox SET next_at = ?2 WHERE id = ?1",
                params![d.id, stamp(until)],
            )
            .map_err(&sql)?;
        }
        tx.commit().map_err(&sql)?;
        Ok(due)
    }

    /// Moves the messages of `url` due at `now` to its first retry's time, without an
    /// attempt: the URL just failed.
    fn defer(&mut self, url: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let later = now + chrono::Duration::from_std(backoff(1)).unwrap_or_default();
        self.conn
            .execute(
                "UPDATE outbox SET next_at = ?3 WHERE url = ?1
                 AND state IN ('pending', 'failed') AND next_at <= ?2",
                params![url, stamp(now), stamp(later)],
            )
            .map_err(|e| self.sql(e))
    }

    /// Records the outcome of sending message `id`.
    fn settle(
        &mut self,
        d: &Due,
        outcome: Result<(), String>,
        n: &Notify,
        now: DateTime<Utc>,
    ) -> Result<DeliveryState, StoreError> {
        let attempts = d.attempts + 1;
        let (state, next, error) = match &outcome {
            Ok(()) => (DeliveryState::Delivered, now, None),
            Err(_) if attempts >= n.attempts => (DeliveryState::GaveUp, now, outcome.err()),
            Err(_) => {
                let wait = chrono::Duration::from_std(backoff(attempts)).unwrap_or_default();
                (DeliveryState::Failed, now + wait, outcome.err())
            }
        };
        let delivered = (state == DeliveryState::Delivered).then(|| stamp(now));
        self.conn
            .execute(
                "UPDATE outbox SET state = ?2, attempts = ?3, next_at = ?4, last_error = ?5,
                 delivered_at = ?6 WHERE id = ?1",
                params![
                    d.id,
                    state.as_str(),
                    attempts,
                    stamp(next),
                    error,
                    delivered
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(state)
    }

    /// Sends every message due at `now` (one attempt each this round).
    pub fn deliver(&mut self, n: &Notify, now: DateTime<Utc>) -> Result<Sent, StoreError> {
        let mut sent = Sent::default();
        if self.read_only {
            return Ok(sent);
        }
        let agent = agent(n.timeout);
        let lease = n.timeout * 2 + Duration::from_secs(1);
        while let Some(d) = self.claim(now, lease)? {
            let outcome = post(&agent, &d.url, &d.payload);
            if let (Err(e), None) = (&outcome, &sent.first_error) {
                sent.first_error = Some(format!("{}: {e}", d.url));
            }
            let failed = outcome.is_err();
            match self.settle(&d, outcome, n, now)? {
                DeliveryState::Delivered => sent.delivered += 1,
                DeliveryState::GaveUp => sent.gave_up += 1,
                _ => sent.failed += 1,
            }
            if failed {
                sent.deferred += self.defer(&d.url, now)?;
            }
        }
        Ok(sent)
    }

    /// Queues what is new for `n`'s webhooks, then sends what is due now: what every
    /// evaluation and change is followed by.
    pub fn notify(&mut self, n: &Notify) -> Result<Sent, StoreError> {
        self.queue(n)?;
        self.deliver(n, Utc::now())
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("returnrisk-tui/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Posts `payload` as JSON; a non-2xx answer is an error naming its status.
fn post(agent: &ureq::Agent, url: &str, payload: &str) -> Result<(), String> {
    let answer = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(payload)
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("answered {status}"))
    }
}

impl Notify {
    /// Checks a URL from the config: http or https.
    pub fn check_url(url: &str) -> Result<(), String> {
        match url.split_once("://") {
            Some(("http" | "https", rest)) if !rest.is_empty() => Ok(()),
            _ => Err(format!("{url:?} is not an http:// or https:// URL")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        let waits: Vec<u64> = (1..=4).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16]);
        assert_eq!(backoff(40).as_secs(), 3600);
        assert!(Notify::check_url("https://hooks.slack.com/services/x").is_ok());
        assert!(Notify::check_url("ftp://x").is_err());
        assert!(Notify::check_url("http://").is_err());
    }
}
