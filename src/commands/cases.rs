//! `cases`: the alert cases from a shell, scriptable (JSON out with `--format json`; a
//! transition prints the case as JSON).

use super::output::{emit, emit_json, emit_text};
use super::{data_dir, open_with};
use crate::cases::{ActionInput, ActionVerb, CaseAction, CaseState, CaseStore, evaluation_of};
use crate::cli::{CaseArgs, CasesCommand, ListFormat};
use crate::engine::Window;
use crate::open::DataSettings;
use crate::report::{self, Format};
use color_eyre::eyre::{Result, eyre};

/// Runs a `cases` subcommand.
pub(super) fn cases(command: CasesCommand, data: &DataSettings) -> Result<()> {
    let dir = data_dir(data)?;
    let policy = data.config().map_err(|e| eyre!(e))?.case_policy();
    let user = policy.user.clone();
    let notify = |store: &mut CaseStore| warn_undelivered(store.notify(&policy.notify));
    // Every change: the action checked by the rules the API and the dashboard use, done,
    // the webhooks told, the case printed as it is after.
    let act = |id: i64, verb: ActionVerb, input: ActionInput| -> Result<()> {
        let action = CaseAction::new(verb, input).map_err(|e| eyre!(e))?;
        let mut store = CaseStore::open(&dir)?;
        let case = store.act(id, &action, &user)?;
        notify(&mut store);
        emit_json(&store.case(case.id)?)
    };
    let noted = |a: CaseArgs| ActionInput {
        note: a.note,
        ..ActionInput::default()
    };
    match command {
        CasesCommand::List { state, format } => {
            let state = match state {
                None => None,
                Some(s) => Some(CaseState::parse(&s).ok_or_else(|| {
                    let known: Vec<&str> = CaseState::ALL.iter().map(|s| s.as_str()).collect();
                    eyre!("unknown state {s:?} (known: {})", known.join(", "))
                })?),
            };
            let cases = CaseStore::open(&dir)?.list(state)?;
            match format {
                Format::Table => emit_text(&report::cases_table(&cases)),
                Format::Json => emit_json(&cases),
                Format::Csv => emit(&report::cases_csv(&cases)),
            }
        }
        CasesCommand::Show { id, format } => {
            let detail = CaseStore::open(&dir)?.detail(id)?;
            match format {
                ListFormat::Table => emit_text(&report::case_text(&detail)),
                ListFormat::Json => emit_json(&detail),
            }
        }
        CasesCommand::Evaluate { window } => {
            let window = match window {
                Some(w) => Window::parse(&w).map_err(|e| eyre!(e))?,
                None => policy.window,
            };
            // Check the store before loading anything: a damaged file is the answer.
            let mut store = CaseStore::open(&dir)?;
            let engine = open_with(data, false, true, &|_| Ok(()))?;
            let r = store.reconcile(&evaluation_of(&engine, window), policy.recover_after)?;
            notify(&mut store);
            emit_json(&r)
        }
        CasesCommand::Notify => {
            let mut store = CaseStore::open(&dir)?;
            let queued = store.queue(&policy.notify)?;
            let sent = store.deliver(&policy.notify, chrono::Utc::now())?;
            emit_json(&serde_json::json!({ "queued": queued, "sent": sent }))
        }
        CasesCommand::Ack(a) => act(a.id, ActionVerb::Ack, noted(a)),
        CasesCommand::Investigate(a) => act(a.id, ActionVerb::Investigate, noted(a)),
        CasesCommand::Escalate(a) => act(a.id, ActionVerb::Escalate, noted(a)),
        CasesCommand::Resolve(a) => act(a.id, ActionVerb::Resolve, noted(a)),
        CasesCommand::Reopen(a) => act(a.id, ActionVerb::Reopen, noted(a)),
        CasesCommand::Snooze { case, until, days } => {
            let id = case.id;
            let input = ActionInput {
                until,
                days,
                ..noted(case)
            };
            act(id, ActionVerb::Snooze, input)
        }
        CasesCommand::Note { id, text } => {
            let input = ActionInput {
                note: Some(text),
                ..ActionInput::default()
            };
            act(id, ActionVerb::Note, input)
        }
        CasesCommand::Assign { id, user: who } => {
            let input = ActionInput {
                assignee: Some(who),
                ..ActionInput::default()
            };
            act(id, ActionVerb::Assign, input)
        }
    }
}

/// A warning on stderr when webhook messages failed (the command itself succeeded: the
/// messages stay queued and are retried).
pub(crate) fn warn_undelivered(r: Result<crate::cases::deliver::Sent, crate::cases::StoreError>) {
    match r {
        Ok(s) if s.failed + s.gave_up > 0 => eprintln!(
            "warning: {} webhook message(s) not delivered ({} will be retried): {}",
            s.failed + s.gave_up,
            s.failed,
            s.first_error.unwrap_or_default()
        ),
        Ok(_) => {}
        Err(e) => eprintln!("warning: webhook messages not sent: {e}"),
    }
}
