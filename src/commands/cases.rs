//! `cases`: the alert cases from a shell, scriptable (JSON out with `--format json`; a
//! transition prints the case as JSON).

use super::output::{emit, emit_json, emit_text};
use super::{data_dir, open_with};
use crate::cases::{CaseState, CaseStore, Transition, evaluation_of};
use crate::cli::{CaseArgs, CasesCommand, DataArgs, ListFormat};
use crate::engine::Window;
use crate::report::{self, Format};
use color_eyre::eyre::{Result, bail, eyre};

/// Runs a `cases` subcommand.
pub(super) fn cases(command: CasesCommand, data: &DataArgs) -> Result<()> {
    let dir = data_dir(data)?;
    let policy = data.config().map_err(|e| eyre!(e))?.case_policy();
    let user = policy.user.clone();
    let notify = |store: &mut CaseStore| warn_undelivered(store.notify(&policy.notify));
    let transition = |a: CaseArgs, t: Transition, until: Option<String>| -> Result<()> {
        let mut store = CaseStore::open(&dir)?;
        let case = store.apply(a.id, t, &user, a.note.as_deref(), until.as_deref())?;
        notify(&mut store);
        emit_json(&store.case(case.id)?)
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
        CasesCommand::Ack(a) => transition(a, Transition::Acknowledge, None),
        CasesCommand::Investigate(a) => transition(a, Transition::Investigate, None),
        CasesCommand::Escalate(a) => transition(a, Transition::Escalate, None),
        CasesCommand::Resolve(a) => transition(a, Transition::Resolve, None),
        CasesCommand::Snooze { case, until, days } => {
            let until = match (until, days) {
                (Some(d), _) => d,
                (None, Some(n)) => CaseStore::open(&dir)?.snooze_end(n)?,
                (None, None) => bail!("snooze needs --until YYYY-MM-DD or --days N"),
            };
            transition(case, Transition::Snooze, Some(until.to_string()))
        }
        CasesCommand::Note { id, text } => {
            emit_json(&CaseStore::open(&dir)?.annotate(id, &user, &text, false)?)
        }
        CasesCommand::Assign { id, user: who } => {
            emit_json(&CaseStore::open(&dir)?.annotate(id, &user, &who, true)?)
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
