//! An evaluation: the alerts firing now, reconciled with the cases in one transaction. An
//! alert without a case opens one; a closed case whose alert fires again reopens; a snoozed
//! case whose snooze is over and still fires wakes; an open case whose alert has not fired
//! for `recover_after` evaluations in a row (the config's, [`RECOVER_AFTER`] by default)
//! recovers. Evaluating the same data again (same
//! key) changes nothing.

use super::case::{now, target_parts};
use super::state::{CaseState, Transition, next};
use super::store::{CaseStore, StoreError, immediate, sql_error};
use returnrisk_core::data::Dataset;
use returnrisk_core::engine::{Alert, Snapshot, Target};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

/// Evaluations in a row without the alert after which an open case recovers, by default.
pub const RECOVER_AFTER: u32 = 7;
/// Who evaluations are in the history.
pub const EVALUATION_USER: &str = "evaluation";

/// One alert firing, with the marketplace it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct Firing {
    /// The alert.
    pub alert: Alert,
    /// Its marketplace (`None`: all marketplaces).
    pub marketplace: Option<String>,
}

/// What one evaluation saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// What was evaluated (data fingerprint, window, models): the same key is not evaluated
    /// twice.
    pub key: String,
    /// The data's last day.
    pub as_of: String,
    /// The alerts firing.
    pub firing: Vec<Firing>,
}

/// What an evaluation changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    /// False when this key was evaluated before (nothing changed).
    pub evaluated: bool,
    /// Cases opened.
    pub opened: u32,
    /// Closed cases that fire again.
    pub reopened: u32,
    /// Snoozed cases back because their snooze is over.
    pub woke: u32,
    /// Open cases that stopped firing for long enough.
    pub recovered: u32,
    /// Open cases that fire again (numbers updated).
    pub updated: u32,
}

/// The evaluation of `engine`'s alerts in `window` (all marketplaces), keyed by the data's
/// fingerprint, the window and the models that scored it.
pub fn evaluation_of(
    engine: &returnrisk_core::engine::Engine,
    window: returnrisk_core::engine::Window,
) -> Evaluation {
    let snap = engine.snapshot_at(window, None);
    let models = engine.models.as_ref().map_or("none".to_string(), |m| {
        let mut ids: Vec<String> = m
            .versions
            .iter()
            .map(|(name, v)| format!("{name}:{}", v.version))
            .collect();
        ids.sort();
        format!("{}|{}", m.trained_at, ids.join(","))
    });
    Evaluation {
        key: format!("{:016x}/{window}/{models}", engine.data.fingerprint),
        as_of: snap.as_of.clone(),
        firing: firings(&engine.data, &snap),
    }
}

/// The alerts of `snap` as firings: a seller's in its marketplace, a drift alert in its
/// own, a category's in the snapshot's scope.
pub fn firings(ds: &Dataset, snap: &Snapshot) -> Vec<Firing> {
    let scope = (snap.marketplace != "all").then(|| snap.marketplace.clone());
    snap.alerts
        .iter()
        .map(|a| Firing {
            marketplace: match &a.target {
                Target::Seller(id) => ds
                    .seller_index(id)
                    .map(|i| ds.marketplaces[ds.sellers[i].marketplace as usize].clone()),
                Target::Marketplace(m) => Some(m.clone()),
                Target::Category(_) => scope.clone(),
            },
            alert: a.clone(),
        })
        .collect()
}

fn history(
    tx: &Transaction<'_>,
    id: i64,
    action: &str,
    from: Option<CaseState>,
    to: CaseState,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO history (case_id, at, user, action, from_state, to_state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            now(),
            EVALUATION_USER,
            action,
            from.map(super::state::CaseState::as_str),
            to.as_str()
        ],
    )
}

impl CaseStore {
    /// Reconciles the cases with evaluation `e`, in one transaction; an open case quiet for
    /// `recover_after` evaluations in a row recovers.
    pub fn reconcile(
        &mut self,
        e: &Evaluation,
        recover_after: u32,
    ) -> Result<Reconciled, StoreError> {
        self.writable()?;
        let sql = sql_error(&self.path);
        let tx = immediate(&mut self.conn).map_err(&sql)?;
        let seen: Option<i64> = tx
            .query_row("SELECT id FROM evaluations WHERE key = ?1", [&e.key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(&sql)?;
        if seen.is_some() {
            return Ok(Reconciled::default());
        }
        tx.execute(
            "INSERT INTO evaluations (key, as_of, at, alerts) VALUES (?1, ?2, ?3, ?4)",
            params![e.key, e.as_of, now(), e.firing.len() as i64],
        )
        .map_err(&sql)?;
        let eval_id = tx.last_insert_rowid();
        let mut out = Reconciled {
            evaluated: true,
            ..Reconciled::default()
        };
        let mut fired = std::collections::HashSet::new();
        for f in &e.firing {
            let id = fire(&tx, f, &e.as_of, &mut out).map_err(&sql)??;
            fired.insert(id);
            tx.execute(
                "INSERT OR REPLACE INTO observations (case_id, evaluation_id, severity,
                 magnitude, message) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    id,
                    eval_id,
                    f.alert.severity.as_str(),
                    f.alert.magnitude,
                    f.alert.message
                ],
            )
            .map_err(&sql)?;
        }
        // Open cases whose alert did not fire: one more miss; enough misses recover them.
        let open: Vec<(i64, String, u32)> = {
            let mut stmt = tx
                .prepare("SELECT id, state, misses FROM cases")
                .map_err(&sql)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(&sql)?
        };
        for (id, state, misses) in open {
            let Some(state) = CaseState::parse(&state).filter(|s| s.is_open()) else {
                continue;
            };
            if fired.contains(&id) {
                continue;
            }
            let misses = misses + 1;
            if misses >= recover_after {
                let to = next(state, Transition::Recover)?;
                tx.execute(
                    "UPDATE cases SET state = ?2, misses = ?3 WHERE id = ?1",
                    params![id, to.as_str(), misses],
                )
                .map_err(&sql)?;
                history(&tx, id, Transition::Recover.as_str(), Some(state), to).map_err(&sql)?;
                out.recovered += 1;
            } else {
                tx.execute(
                    "UPDATE cases SET misses = ?2 WHERE id = ?1",
                    params![id, misses],
                )
                .map_err(&sql)?;
            }
        }
        tx.commit().map_err(&sql)?;
        Ok(out)
    }
}

/// Whether a snooze `until` a date is over on data date `as_of`, compared as dates (a
/// missing or unreadable end is over).
fn snooze_over(until: Option<&str>, as_of: &str) -> bool {
    let date = |s: &str| s.parse::<chrono::NaiveDate>().ok();
    match (until.and_then(date), date(as_of)) {
        (Some(u), Some(a)) => u <= a,
        _ => true,
    }
}

/// Records one firing alert: opens, reopens, wakes or updates its case; returns its id.
fn fire(
    tx: &Transaction<'_>,
    f: &Firing,
    as_of: &str,
    out: &mut Reconciled,
) -> rusqlite::Result<Result<i64, StoreError>> {
    let a = &f.alert;
    let (kind, target) = target_parts(&a.target);
    let existing: Option<(i64, String, Option<String>)> = tx
        .query_row(
            "SELECT id, state, snoozed_until FROM cases
             WHERE rule = ?1 AND target_kind = ?2 AND target = ?3",
            params![a.rule.as_str(), kind, target],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, state, until)) = existing else {
        tx.execute(
            "INSERT INTO cases (rule, target_kind, target, marketplace, severity, state,
             first_seen, last_seen, message) VALUES (?1, ?2, ?3, ?4, ?5, 'new', ?6, ?6, ?7)",
            params![
                a.rule.as_str(),
                kind,
                target,
                f.marketplace,
                a.severity.as_str(),
                as_of,
                a.message
            ],
        )?;
        let id = tx.last_insert_rowid();
        history(tx, id, "open", None, CaseState::New)?;
        out.opened += 1;
        return Ok(Ok(id));
    };
    let Some(state) = CaseState::parse(&state) else {
        return Ok(Ok(id));
    };
    let change = match state {
        CaseState::Resolved | CaseState::Recovered => Some(Transition::Reopen),
        CaseState::Snoozed if snooze_over(until.as_deref(), as_of) => Some(Transition::Wake),
        _ => None,
    };
    let to = if let Some(t) = change {
        match next(state, t) {
            Ok(to) => {
                history(tx, id, t.as_str(), Some(state), to)?;
                match t {
                    Transition::Reopen => out.reopened += 1,
                    _ => out.woke += 1,
                }
                to
            }
            Err(e) => return Ok(Err(e.into())),
        }
    } else {
        out.updated += 1;
        state
    };
    tx.execute(
        "UPDATE cases SET state = ?2, severity = ?3, last_seen = ?4, misses = 0, message = ?5,
         snoozed_until = CASE WHEN ?2 = 'snoozed' THEN snoozed_until ELSE NULL END
         WHERE id = ?1",
        params![id, to.as_str(), a.severity.as_str(), as_of, a.message],
    )?;
    Ok(Ok(id))
}

#[cfg(test)]
mod tests {
    use super::snooze_over;

    #[test]
    fn snoozes_end_by_date_not_by_text() {
        assert!(snooze_over(Some("2026-06-30"), "2026-06-30"));
        assert!(!snooze_over(Some("2026-07-01"), "2026-06-30"));
        // A year past 9999 sorts before "2026" as text; as a date it is far away.
        assert!(!snooze_over(Some("+10240-03-20"), "2026-06-30"));
        assert!(snooze_over(None, "2026-06-30"));
        assert!(snooze_over(Some("garbage"), "2026-06-30"));
    }
}
