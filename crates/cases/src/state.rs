//! A case's life: the states, the transitions people and evaluations make, and which are
//! allowed. An invalid transition is an error naming the state the case is in.
//!
//! ```text
//! new ──ack──▶ acknowledged ──investigate──▶ investigating ──escalate──▶ escalated
//!  │  (investigate, escalate and snooze from any earlier open state; resolve from any open)
//!  ├─snooze──▶ snoozed ──wake (snooze over, still firing)──▶ new
//!  ├─recover (not firing for N evaluations; from any open state)──▶ recovered
//!  └─resolve──▶ resolved;   resolved / recovered ──reopen (fires again)──▶ new
//! ```

returnrisk_core::named_enum! {
    /// Where a case stands.
    pub enum CaseState {
        /// Opened by an evaluation; nobody has looked at it.
        New => "new",
        /// Someone has seen it.
        Acknowledged => "acknowledged",
        /// Someone is working on it.
        Investigating => "investigating",
        /// Handed up.
        Escalated => "escalated",
        /// Put aside until a date; it comes back if it still fires then.
        Snoozed => "snoozed",
        /// Its alert stopped firing on its own.
        Recovered => "recovered",
        /// Closed by someone.
        Resolved => "resolved",
    }
}

returnrisk_core::named_enum! {
    /// What changes a case's state: a person (the first five) or an evaluation (the rest).
    pub enum Transition {
        /// I have seen it.
        Acknowledge => "ack",
        /// I am on it.
        Investigate => "investigate",
        /// Someone else must decide.
        Escalate => "escalate",
        /// Done.
        Resolve => "resolve",
        /// Not now.
        Snooze => "snooze",
        /// The snooze is over and the alert still fires.
        Wake => "wake",
        /// The alert stopped firing for long enough.
        Recover => "recover",
        /// The alert fires again after the case was closed, or a person reopens it.
        Reopen => "reopen",
    }
}

impl CaseState {
    /// Whether the case still needs someone (not recovered or resolved).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Recovered | CaseState::Resolved)
    }
}

impl Transition {
    /// Whether a person makes it (an evaluation makes the others).
    pub fn by_person(self) -> bool {
        matches!(
            self,
            Transition::Acknowledge
                | Transition::Investigate
                | Transition::Escalate
                | Transition::Resolve
                | Transition::Snooze
                | Transition::Reopen
        )
    }

    /// The verb in messages: `acknowledge`, `snooze`, ...
    fn verb(self) -> &'static str {
        match self {
            Transition::Acknowledge => "acknowledge",
            Transition::Investigate => "investigate",
            Transition::Escalate => "escalate",
            Transition::Resolve => "resolve",
            Transition::Snooze => "snooze",
            Transition::Wake => "wake",
            Transition::Recover => "recover",
            Transition::Reopen => "reopen",
        }
    }
}

/// A transition the case's state does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a case that is {from}", transition.verb())]
pub struct TransitionError {
    /// The case's state.
    pub from: CaseState,
    /// What was asked.
    pub transition: Transition,
}

/// The state `transition` leads to from `from`.
pub fn next(from: CaseState, transition: Transition) -> Result<CaseState, TransitionError> {
    use CaseState as S;
    use Transition as T;
    let to = match (transition, from) {
        (T::Acknowledge, S::New) => S::Acknowledged,
        (T::Investigate, S::New | S::Acknowledged) => S::Investigating,
        (T::Escalate, S::New | S::Acknowledged | S::Investigating) => S::Escalated,
        (T::Snooze, S::New | S::Acknowledged | S::Investigating | S::Escalated) => S::Snoozed,
        (T::Resolve, s) if s.is_open() => S::Resolved,
        (T::Wake, S::Snoozed) => S::New,
        (T::Recover, s) if s.is_open() => S::Recovered,
        (T::Reopen, S::Resolved | S::Recovered) => S::New,
        _ => return Err(TransitionError { from, transition }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseState as S;
    use Transition as T;

    /// Every (transition, state) pair and what it must give: the whole table, written out.
    #[test]
    fn every_transition_from_every_state() {
        let table: [(T, [Option<S>; 7]); 8] = [
            // from:       New, Acknowledged, Investigating, Escalated, Snoozed, Recovered, Resolved
            (
                T::Acknowledge,
                [Some(S::Acknowledged), None, None, None, None, None, None],
            ),
            (
                T::Investigate,
                [
                    Some(S::Investigating),
                    Some(S::Investigating),
                    None,
                    None,
                    None,
                    None,
                    None,
                ],
            ),
            (
                T::Escalate,
                [
                    Some(S::Escalated),
                    Some(S::Escalated),
                    Some(S::Escalated),
                    None,
                    None,
                    None,
                    None,
                ],
            ),
            (
                T::Resolve,
                [
                    Some(S::Resolved),
                    Some(S::Resolved),
                    Some(S::Resolved),
                    Some(S::Resolved),
                    Some(S::Resolved),
                    None,
                    None,
                ],
            ),
            (
                T::Snooze,
                [
                    Some(S::Snoozed),
                    Some(S::Snoozed),
                    Some(S::Snoozed),
                    Some(S::Snoozed),
                    None,
                    None,
                    None,
                ],
            ),
            (T::Wake, [None, None, None, None, Some(S::New), None, None]),
            (
                T::Recover,
                [
                    Some(S::Recovered),
                    Some(S::Recovered),
                    Some(S::Recovered),
                    Some(S::Recovered),
                    Some(S::Recovered),
                    None,
                    None,
                ],
            ),
            (
                T::Reopen,
                [None, None, None, None, None, Some(S::New), Some(S::New)],
            ),
        ];
        assert_eq!(S::ALL.len(), 7);
        for (t, row) in table {
            for (from, want) in S::ALL.iter().zip(row) {
                match (next(*from, t), want) {
                    (Ok(got), Some(w)) => assert_eq!(got, w, "{t} from {from}"),
                    (Err(e), None) => {
                        assert_eq!((e.from, e.transition), (*from, t));
                        assert!(e.to_string().ends_with(&format!("that is {from}")), "{e}");
                    }
                    (got, want) => panic!("{t} from {from}: {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn errors_name_the_state_and_people_make_only_their_transitions() {
        let e = next(S::Resolved, T::Acknowledge).unwrap_err();
        assert_eq!(e.to_string(), "cannot acknowledge a case that is resolved");
        let people: Vec<T> = T::ALL.iter().copied().filter(|t| t.by_person()).collect();
        assert_eq!(
            people,
            [
                T::Acknowledge,
                T::Investigate,
                T::Escalate,
                T::Resolve,
                T::Snooze,
                T::Reopen
            ]
        );
    }
}
