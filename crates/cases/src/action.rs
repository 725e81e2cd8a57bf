//! What a person asks of a case, as one type whatever asked it: `cases ack 3 --note ...` on
//! the command line, `POST /api/v1/cases/3/ack` over HTTP, `:ack 3 ...` in the dashboard's
//! palette. Each front end reads its own syntax into an [`ActionInput`]; [`CaseAction::new`]
//! checks it under one set of rules (a snooze of at most [`MAX_SNOOZE_DAYS`] days or a date,
//! a non-empty note or assignee), with the same words everywhere; [`CaseStore::act`] does it.

use super::case::MAX_SNOOZE_DAYS;
use super::state::Transition;
use super::store::CaseStore;
use super::{Case, StoreError};
use chrono::NaiveDate;

returnrisk_core::named_enum! {
    /// The verbs a person uses on a case (the command line's subcommands, the API's
    /// `{action}`, the palette's commands).
    pub enum ActionVerb {
        /// I have seen it.
        Ack => "ack",
        /// I am on it.
        Investigate => "investigate",
        /// Someone else must decide.
        Escalate => "escalate",
        /// Done.
        Resolve => "resolve",
        /// Not done after all: a resolved or recovered case is new again.
        Reopen => "reopen",
        /// Not now.
        Snooze => "snooze",
        /// A note.
        Note => "note",
        /// Give it to someone.
        Assign => "assign",
    }
}

/// An action as a front end read it, before the rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionInput {
    /// A transition's note, or the text of `note`.
    pub note: Option<String>,
    /// Who `assign` gives the case to.
    pub assignee: Option<String>,
    /// A snooze's last day as typed (YYYY-MM-DD).
    pub until: Option<String>,
    /// A snooze's length in days after the data's last day.
    pub days: Option<u64>,
}

/// How long a snooze lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnoozeUntil {
    /// Days after the data date of the latest evaluation.
    Days(u32),
    /// A date.
    Date(NaiveDate),
}

/// A checked action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseAction {
    /// A person's transition (ack, investigate, escalate, resolve, reopen) with an optional
    /// note.
    Move {
        /// What to do.
        transition: Transition,
        /// Why.
        note: Option<String>,
    },
    /// Not now: until a date or for some days, with an optional note.
    Snooze {
        /// The snooze's end.
        until: SnoozeUntil,
        /// Why.
        note: Option<String>,
    },
    /// A note.
    Note(String),
    /// Gives the case to someone.
    Assign(String),
}

/// What is wrong with an action: the field it is about (`note`, `assignee`, `until`,
/// `days`) and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ActionError {
    /// The field.
    pub field: &'static str,
    /// The message.
    pub message: String,
}

fn error(field: &'static str, message: String) -> ActionError {
    ActionError { field, message }
}

/// Text that says something: trimmed, `None` when blank.
fn given(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A snooze of `days` days: at most [`MAX_SNOOZE_DAYS`].
pub fn snooze_days(days: u64) -> Result<u32, ActionError> {
    u32::try_from(days)
        .ok()
        .filter(|&d| d <= MAX_SNOOZE_DAYS)
        .ok_or_else(|| {
            error(
                "days",
                format!(
                    "snooze: {days} days is more than {MAX_SNOOZE_DAYS} (ten years): give a date (YYYY-MM-DD) or resolve the case"
                ),
            )
        })
}

/// A snooze's last day typed as YYYY-MM-DD.
fn snooze_date(s: &str) -> Result<NaiveDate, ActionError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        let shown = returnrisk_core::text::fit(s, 40);
        error(
            "until",
            format!("snooze: {shown:?} is not a date (YYYY-MM-DD)"),
        )
    })
}

impl CaseAction {
    /// `verb` with `input`, checked: a bad value is an error whatever the verb (a `days`
    /// over the bound is refused even on `ack`), and what the verb needs must be there.
    pub fn new(verb: ActionVerb, input: ActionInput) -> Result<CaseAction, ActionError> {
        let days = input.days.map(snooze_days).transpose()?;
        let date = input.until.as_deref().map(snooze_date).transpose()?;
        let note = given(input.note);
        Ok(match verb {
            ActionVerb::Ack
            | ActionVerb::Investigate
            | ActionVerb::Escalate
            | ActionVerb::Resolve
            | ActionVerb::Reopen => {
                let transition = match verb {
                    ActionVerb::Ack => Transition::Acknowledge,
                    ActionVerb::Investigate => Transition::Investigate,
                    ActionVerb::Escalate => Transition::Escalate,
                    ActionVerb::Reopen => Transition::Reopen,
                    _ => Transition::Resolve,
                };
                CaseAction::Move { transition, note }
            }
            ActionVerb::Snooze => {
                let until = match (date, days) {
                    (Some(d), None) => SnoozeUntil::Date(d),
                    (None, Some(n)) => SnoozeUntil::Days(n),
                    _ => {
                        return Err(error(
                            "until",
                            "snooze needs a date (until, YYYY-MM-DD) or a number of days, not both"
                                .into(),
                        ));
                    }
                };
                CaseAction::Snooze { until, note }
            }
            ActionVerb::Note => CaseAction::Note(
                note.ok_or_else(|| error("note", "note needs the note's text".into()))?,
            ),
            ActionVerb::Assign => {
                CaseAction::Assign(given(input.assignee).ok_or_else(|| {
                    error("assignee", "assign needs who to give the case to".into())
                })?)
            }
        })
    }
}

/// Reads `7` as days and `2026-07-01` as a date: the palette's `:snooze ID WHEN`.
pub fn snooze_input(when: &str) -> ActionInput {
    match when.trim().parse::<u64>() {
        Ok(days) => ActionInput {
            days: Some(days),
            ..ActionInput::default()
        },
        Err(_) => ActionInput {
            until: Some(when.to_string()),
            ..ActionInput::default()
        },
    }
}

impl CaseStore {
    /// Does `action` on case `id` for `user`; the case as it is after.
    pub fn act(&mut self, id: i64, action: &CaseAction, user: &str) -> Result<Case, StoreError> {
        match action {
            CaseAction::Move { transition, note } => {
                self.apply(id, *transition, user, note.as_deref(), None)
            }
            CaseAction::Snooze { until, note } => {
                let end = match until {
                    SnoozeUntil::Date(d) => *d,
                    SnoozeUntil::Days(n) => self.snooze_end(*n)?,
                };
                let end = end.to_string();
                self.apply(id, Transition::Snooze, user, note.as_deref(), Some(&end))
            }
            CaseAction::Note(text) => self.note(id, user, text),
            CaseAction::Assign(who) => self.assign(id, user, who),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(note: Option<&str>, until: Option<&str>, days: Option<u64>) -> ActionInput {
        ActionInput {
            note: note.map(str::to_string),
            assignee: None,
            until: until.map(str::to_string),
            days,
        }
    }

    #[test]
    fn every_verb_is_checked_by_one_set_of_rules() {
        let ack = CaseAction::new(ActionVerb::Ack, input(Some(" seen "), None, None));
        assert_eq!(
            ack,
            Ok(CaseAction::Move {
                transition: Transition::Acknowledge,
                note: Some("seen".into())
            })
        );
        let blank = CaseAction::new(ActionVerb::Resolve, input(Some("  "), None, None));
        assert!(matches!(blank, Ok(CaseAction::Move { note: None, .. })));
        let snooze = CaseAction::new(ActionVerb::Snooze, input(None, None, Some(3650)));
        assert!(matches!(
            snooze,
            Ok(CaseAction::Snooze {
                until: SnoozeUntil::Days(3650),
                ..
            })
        ));
        let on = CaseAction::new(ActionVerb::Snooze, input(None, Some("2026-07-01"), None));
        assert!(matches!(
            on,
            Ok(CaseAction::Snooze {
                until: SnoozeUntil::Date(_),
                ..
            })
        ));
        let fails = |verb, i| CaseAction::new(verb, i).unwrap_err();
        let long = fails(ActionVerb::Snooze, input(None, None, Some(4_000_000_000)));
        assert_eq!(long.field, "days");
        assert!(
            long.message
                .starts_with("snooze: 4000000000 days is more than 3650")
        );
        // A bad value is refused whatever the verb.
        assert_eq!(
            fails(ActionVerb::Ack, input(None, None, Some(3651))).field,
            "days"
        );
        assert_eq!(
            fails(ActionVerb::Snooze, input(None, Some("tomorrow"), None)).message,
            "snooze: \"tomorrow\" is not a date (YYYY-MM-DD)"
        );
        let both = fails(ActionVerb::Snooze, input(None, Some("2026-07-01"), Some(3)));
        assert_eq!(both.field, "until");
        assert_eq!(fails(ActionVerb::Snooze, input(None, None, None)), both);
        assert_eq!(
            fails(ActionVerb::Note, input(Some(" "), None, None)).field,
            "note"
        );
        let nobody = fails(ActionVerb::Assign, ActionInput::default());
        assert_eq!(nobody.message, "assign needs who to give the case to");
    }

    #[test]
    fn the_palettes_when_is_days_or_a_date() {
        assert_eq!(snooze_input("7").days, Some(7));
        assert_eq!(
            snooze_input("2026-07-01").until.as_deref(),
            Some("2026-07-01")
        );
        assert_eq!(snooze_input("x").until.as_deref(), Some("x"));
    }
}
