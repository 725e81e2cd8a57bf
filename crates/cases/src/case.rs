//! Cases as the store keeps them, and what people do to them: list, show, the transitions,
//! notes and assignment. Each change is one transaction and leaves a history entry (who,
//! when, from which state to which).

use super::state::{CaseState, Transition, next};
use super::store::{CaseStore, StoreError, immediate, sql_error};
use returnrisk_core::engine::{AlertRule, Severity, Target};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

/// One case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Case {
    /// Its number.
    pub id: i64,
    /// The alert rule.
    pub rule: AlertRule,
    /// What it is about.
    pub target: Target,
    /// The marketplace (`null`: all).
    pub marketplace: Option<String>,
    /// The latest severity.
    pub severity: Severity,
    /// Where it stands.
    pub state: CaseState,
    /// Who has it.
    pub assignee: Option<String>,
    /// Until when it is snoozed (a date).
    pub snoozed_until: Option<String>,
    /// The data date it first fired.
    pub first_seen: String,
    /// The data date it last fired.
    pub last_seen: String,
    /// Evaluations in a row it has not fired.
    pub misses: u32,
    /// The latest alert message.
    pub message: String,
    /// Where its webhook messages stand: the latest not delivered, else delivered (`null`:
    /// none sent).
    pub delivery: Option<super::notify::DeliveryState>,
}

/// One line of a case's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// When (UTC).
    pub at: String,
    /// Who (the acting account, see `current_user`, or `evaluation`).
    pub user: String,
    /// What: a transition, `open`, `note`, `assign`.
    pub action: String,
    /// State before.
    pub from: Option<String>,
    /// State after.
    pub to: Option<String>,
    /// Details (the note, the assignee, the snooze date).
    pub detail: Option<String>,
}

/// What one evaluation saw of the case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    /// The data date evaluated.
    pub as_of: String,
    /// The severity then.
    pub severity: String,
    /// The size of the effect then.
    pub magnitude: f64,
    /// The message then.
    pub message: String,
}

/// A note on a case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    /// When (UTC).
    pub at: String,
    /// Who.
    pub user: String,
    /// What they wrote.
    pub text: String,
}

/// A case with its numbers over time, history and notes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseDetail {
    /// The case.
    #[serde(flatten)]
    pub case: Case,
    /// Oldest first.
    pub observations: Vec<Observation>,
    /// Oldest first.
    pub history: Vec<HistoryEntry>,
    /// Oldest first: the notes added alone and with a transition.
    pub notes: Vec<Note>,
}

/// The kind and id of a target as stored.
pub(super) fn target_parts(t: &Target) -> (&'static str, &str) {
    match t {
        Target::Seller(id) => ("seller", id),
        Target::Category(c) => ("category", c),
        Target::Marketplace(m) => ("marketplace", m),
    }
}

/// A time as the store writes it: UTC, to the second (`2026-07-01T09:00:00Z`; these
/// strings sort as the times do).
pub(super) fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time, as [`stamp`] writes it.
pub(super) fn now() -> String {
    stamp(chrono::Utc::now())
}

/// The columns [`case_of_row`] reads, in order (from `cases`).
pub(super) const COLUMNS: &str = "id, rule, target_kind, target, marketplace, severity, state, \
     assignee, snoozed_until, first_seen, last_seen, misses, message, \
     coalesce((SELECT o.state FROM outbox o WHERE o.case_id = cases.id \
               AND o.state != 'delivered' ORDER BY o.id DESC LIMIT 1), \
              (SELECT 'delivered' FROM outbox o WHERE o.case_id = cases.id LIMIT 1))";

/// A case from a row of [`COLUMNS`] (`path`: the database, for messages).
pub(super) fn case_of_row(
    r: &Row<'_>,
    path: std::path::PathBuf,
) -> rusqlite::Result<Result<Case, StoreError>> {
    let id: i64 = r.get(0)?;
    let unknown = |what: &'static str, value: String| StoreError::Unknown {
        path: path.clone(),
        case: id,
        what,
        value,
    };
    let (rule, kind, target, severity, state): (String, String, String, String, String) =
        (r.get(1)?, r.get(2)?, r.get(3)?, r.get(5)?, r.get(6)?);
    let Some(rule) = AlertRule::parse(&rule) else {
        return Ok(Err(unknown("rule", rule)));
    };
    let target = match kind.as_str() {
        "seller" => Target::Seller(target),
        "category" => Target::Category(target),
        "marketplace" => Target::Marketplace(target),
        _ => return Ok(Err(unknown("target kind", kind))),
    };
    let Some(severity) = Severity::parse(&severity) else {
        return Ok(Err(unknown("severity", severity)));
    };
    let Some(state) = CaseState::parse(&state) else {
        return Ok(Err(unknown("state", state)));
    };
    let delivery: Option<String> = r.get(13)?;
    let delivery = match delivery {
        None => None,
        Some(d) => match super::notify::DeliveryState::parse(&d) {
            Some(d) => Some(d),
            None => return Ok(Err(unknown("delivery state", d))),
        },
    };
    Ok(Ok(Case {
        id,
        rule,
        target,
        marketplace: r.get(4)?,
        severity,
        state,
        assignee: r.get(7)?,
        snoozed_until: r.get(8)?,
        first_seen: r.get(9)?,
        last_seen: r.get(10)?,
        misses: r.get(11)?,
        message: r.get(12)?,
        delivery,
    }))
}

impl CaseStore {
    /// A case from a row of [`COLUMNS`].
    pub(super) fn case_from(&self, r: &Row<'_>) -> rusqlite::Result<Result<Case, StoreError>> {
        case_of_row(r, self.path.clone())
    }

    /// Cases, in a state or all, ranked like a worklist: open before closed, most severe
    /// first, then oldest first.
    pub fn list(&self, state: Option<CaseState>) -> Result<Vec<Case>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM cases ORDER BY id");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| self.case_from(r))
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let case = row.map_err(|e| self.sql(e))??;
            if state.is_none_or(|s| s == case.state) {
                out.push(case);
            }
        }
        out.sort_by(|a, b| {
            (b.state.is_open(), b.severity)
                .cmp(&(a.state.is_open(), a.severity))
                .then_with(|| a.first_seen.cmp(&b.first_seen))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// The data date of the latest evaluation (a snooze for N days counts from it), or
    /// today when nothing was evaluated yet.
    pub fn latest_as_of(&self) -> Result<chrono::NaiveDate, StoreError> {
        let last: Option<String> = self
            .conn
            .query_row("SELECT max(as_of) FROM evaluations", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        Ok(last
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| chrono::Utc::now().date_naive()))
    }

    /// The end of a snooze of `days` days: counted from the latest evaluation's data date;
    /// at most [`MAX_SNOOZE_DAYS`].
    pub fn snooze_end(&self, days: u32) -> Result<chrono::NaiveDate, StoreError> {
        let days = super::action::snooze_days(u64::from(days))?;
        let from = self.latest_as_of()?;
        from.checked_add_days(chrono::Days::new(u64::from(days)))
            .ok_or_else(|| {
                StoreError::Action(super::action::ActionError {
                    field: "days",
                    message: format!("snooze: {days} days after {from} is past the last date"),
                })
            })
    }

    /// One case.
    pub fn case(&self, id: i64) -> Result<Case, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM cases WHERE id = ?1");
        self.conn
            .query_row(&sql, [id], |r| self.case_from(r))
            .optional()
            .map_err(|e| self.sql(e))?
            .ok_or(StoreError::NoCase(id))?
    }

    /// One case with its observations and history.
    pub fn detail(&self, id: i64) -> Result<CaseDetail, StoreError> {
        let case = self.case(id)?;
        let observations = self.rows_of(
            id,
            "SELECT e.as_of, o.severity, o.magnitude, o.message FROM observations o
             JOIN evaluations e ON e.id = o.evaluation_id WHERE o.case_id = ?1 ORDER BY e.id",
            |r| {
                Ok(Observation {
                    as_of: r.get(0)?,
                    severity: r.get(1)?,
                    magnitude: r.get(2)?,
                    message: r.get(3)?,
                })
            },
        )?;
        let history = self.rows_of(
            id,
            "SELECT at, user, action, from_state, to_state, detail FROM history
             WHERE case_id = ?1 ORDER BY id",
            |r| {
                Ok(HistoryEntry {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    action: r.get(2)?,
                    from: r.get(3)?,
                    to: r.get(4)?,
                    detail: r.get(5)?,
                })
            },
        )?;
        let notes = self.rows_of(
            id,
            "SELECT at, user, text FROM notes WHERE case_id = ?1 ORDER BY id",
            |r| {
                Ok(Note {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    text: r.get(2)?,
                })
            },
        )?;
        Ok(CaseDetail {
            case,
            observations,
            history,
            notes,
        })
    }

    /// A person's transition of case `id` (with an optional note; `until` for a snooze),
    /// in one transaction with its history entry.
    pub fn apply(
        &mut self,
        id: i64,
        t: Transition,
        user: &str,
        note: Option<&str>,
        until: Option<&str>,
    ) -> Result<Case, StoreError> {
        self.writable()?;
        let sql = sql_error(&self.path);
        let tx = immediate(&mut self.conn).map_err(&sql)?;
        let state: Option<String> = tx
            .query_row("SELECT state FROM cases WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(&sql)?;
        let from = state
            .as_deref()
            .and_then(CaseState::parse)
            .ok_or(StoreError::NoCase(id))?;
        let to = next(from, t)?;
        let snooze = (t == Transition::Snooze).then_some(until).flatten();
        tx.execute(
            "UPDATE cases SET state = ?2, snoozed_until = ?3 WHERE id = ?1",
            params![id, to.as_str(), snooze],
        )
        .map_err(&sql)?;
        let detail = match (note, snooze) {
            (Some(n), Some(u)) => Some(format!("until data day {u}: {n}")),
            (None, Some(u)) => Some(format!("until data day {u}")),
            (n, None) => n.map(str::to_string),
        };
        tx.execute(
            "INSERT INTO history (case_id, at, user, action, from_state, to_state, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                now(),
                user,
                t.as_str(),
                from.as_str(),
                to.as_str(),
                detail
            ],
        )
        .map_err(&sql)?;
        if let Some(n) = note {
            tx.execute(
                "INSERT INTO notes (case_id, at, user, text) VALUES (?1, ?2, ?3, ?4)",
                params![id, now(), user, n],
            )
            .map_err(&sql)?;
        }
        tx.commit().map_err(&sql)?;
        self.case(id)
    }

    /// Adds a note to case `id`, with a history entry.
    pub fn note(&mut self, id: i64, user: &str, text: &str) -> Result<Case, StoreError> {
        self.annotate(id, user, "note", text, |tx| {
            tx.execute(
                "INSERT INTO notes (case_id, at, user, text) VALUES (?1, ?2, ?3, ?4)",
                params![id, now(), user, text],
            )
        })
    }

    /// Gives case `id` to `who`, with a history entry.
    pub fn assign(&mut self, id: i64, user: &str, who: &str) -> Result<Case, StoreError> {
        self.annotate(id, user, "assign", who, |tx| {
            tx.execute(
                "UPDATE cases SET assignee = ?2 WHERE id = ?1",
                params![id, who],
            )
        })
    }

    /// `change` and a history entry `action` with `detail`, in one transaction.
    fn annotate(
        &mut self,
        id: i64,
        user: &str,
        action: &str,
        detail: &str,
        change: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<usize>,
    ) -> Result<Case, StoreError> {
        self.writable()?;
        self.case(id)?;
        let sql = sql_error(&self.path);
        let tx = immediate(&mut self.conn).map_err(&sql)?;
        change(&tx).map_err(&sql)?;
        tx.execute(
            "INSERT INTO history (case_id, at, user, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, now(), user, action, detail],
        )
        .map_err(&sql)?;
        tx.commit().map_err(&sql)?;
        self.case(id)
    }
}

/// The longest snooze in days (ten years): longer is a date or a resolution, not a snooze.
pub const MAX_SNOOZE_DAYS: u32 = 3650;
