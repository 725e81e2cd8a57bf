//! The dashboard's side of the cases: the worklist it shows (read off the UI thread whenever
//! the database changes, by this dashboard or anyone else), the evaluation it runs when its
//! data or models change, and the changes its keys ask for. `update` only asks; the jobs
//! here do the SQLite work and report back as actions.

use super::action::{Action, Effect, Job};
use super::app::App;
use super::jobs::spawn_job;
use super::palette::Palette;
use super::tab::Tab;
use returnrisk_cases::{
    CaseAction, CaseStore, Evaluation, Policy, Transition, Worklist, evaluation_of,
};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::UnboundedSender;

/// What the dashboard knows of the cases.
#[derive(Clone, Debug, Default)]
pub struct Cases {
    /// The worklist as last read (`None`: not read yet, or unreadable).
    pub worklist: Option<Worklist>,
    /// Why it could not be read (a damaged file, a read-only directory without one).
    pub error: Option<String>,
    /// How alerts become cases (the config's `[cases]`).
    pub policy: Policy,
}

/// A change a person asks for: an action on one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseChange {
    /// The case.
    pub id: i64,
    /// What to do, checked.
    pub action: CaseAction,
}

impl App {
    /// The data or the models changed: evaluate the alerts of the cases' window (the
    /// evaluation is computed here, in memory; the loop writes it).
    pub(super) fn evaluate_cases(&mut self) {
        if self.engine.models.is_none() {
            return;
        }
        let e = evaluation_of(&self.engine, self.cases.policy.window);
        self.effects.push(Effect::ReconcileCases(Box::new(e)));
    }

    /// The selected case of the Monitoring tab.
    pub fn selected_case(&self) -> Option<i64> {
        let rows = self.pages.monitoring.rows(self);
        rows.get(self.pages.monitoring.view.cursor.selected)
            .map(|d| d.case.id)
    }

    /// A transition key on the Monitoring tab: on the marked cases, else the selected one.
    pub(super) fn move_case(&mut self, transition: Transition) {
        let ids = self.cases_to_change();
        if ids.is_empty() {
            return;
        }
        let list = id_list(&ids);
        match transition {
            Transition::Snooze => return self.prompt(format!("snooze {list} 7")),
            // Resolving closes the case: ask why (Enter without a note, Esc not at all).
            Transition::Resolve => return self.prompt(format!("resolve {list} ")),
            _ => {}
        }
        for id in ids {
            let action = CaseAction::Move {
                transition,
                note: None,
            };
            self.effects
                .push(Effect::ChangeCase(CaseChange { id, action }));
        }
        self.pages.monitoring.marked.clear();
    }

    /// Case commands from the palette (one per case named).
    pub(super) fn change_case(&mut self, changes: Vec<CaseChange>) {
        if self.refuse_if_read_only() {
            return;
        }
        self.effects
            .extend(changes.into_iter().map(Effect::ChangeCase));
        self.pages.monitoring.marked.clear();
    }

    /// The note or assign key: the palette, filled in with the command to finish.
    pub(super) fn annotate_case(&mut self, assign: bool) {
        let ids = self.cases_to_change();
        if !ids.is_empty() {
            let verb = if assign { "assign" } else { "note" };
            self.prompt(format!("{verb} {} ", id_list(&ids)));
        }
    }

    /// Space on the Monitoring tab: marks the selected case, or unmarks it, and moves down.
    pub(super) fn mark_case(&mut self) {
        let Some(id) = self.selected_case() else {
            return;
        };
        let marked = &mut self.pages.monitoring.marked;
        if !marked.remove(&id) {
            marked.insert(id);
        }
        let n = self.pages.monitoring.rows(self).len();
        self.pages.monitoring.view.cursor.move_by(1, n);
    }

    /// Opens the palette with `text` typed.
    fn prompt(&mut self, text: String) {
        self.overlays.palette = Some(Palette {
            line: super::line_edit::LineEdit::new(&text),
        });
    }

    /// Says why not (the store's own words) when the cases cannot be changed here.
    fn refuse_if_read_only(&mut self) -> bool {
        let Some(w) = self.cases.worklist.as_ref().filter(|w| w.read_only) else {
            return false;
        };
        let why = returnrisk_cases::StoreError::ReadOnly {
            path: w.path.clone(),
        };
        self.say(why.to_string());
        true
    }

    /// The marked cases that are still in the worklist, else the selected case, when cases
    /// can be changed here; otherwise (empty) says why not.
    fn cases_to_change(&mut self) -> Vec<i64> {
        if self.nav.tab != Tab::Monitoring || self.refuse_if_read_only() {
            return Vec::new();
        }
        let listed = |id: &i64| {
            self.cases
                .worklist
                .as_ref()
                .is_some_and(|w| w.cases.iter().any(|d| d.case.id == *id))
        };
        let marked: Vec<i64> = self
            .pages
            .monitoring
            .marked
            .iter()
            .copied()
            .filter(listed)
            .collect();
        if !marked.is_empty() {
            return marked;
        }
        let id = self.selected_case();
        if id.is_none() {
            self.say("no case selected");
        }
        id.into_iter().collect()
    }

    /// A fresh worklist from the database.
    pub(super) fn cases_loaded(&mut self, w: Result<Worklist, String>) {
        match w {
            Ok(w) => {
                self.cases.worklist = Some(w);
                self.cases.error = None;
            }
            Err(e) => self.cases.error = Some(e),
        }
        self.clamp_tables();
    }
}

/// Case numbers as the palette takes them: `3,5,12`.
pub fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads the worklist off the UI thread.
pub fn spawn_load(app: &App, tx: UnboundedSender<Action>) {
    let dir = app.engine.data.dir.clone();
    spawn_job(tx, Job::Cases, move |tx| send_worklist(&dir, tx));
}

/// Applies a person's change, says what it did, then reads the worklist again.
pub fn spawn_change(app: &App, tx: UnboundedSender<Action>, change: CaseChange) {
    let dir = app.engine.data.dir.clone();
    let user = app.cases.policy.user.clone();
    let notify = app.cases.policy.notify.clone();
    spawn_job(tx, Job::Cases, move |tx| {
        let said = CaseStore::open(&dir)
            .and_then(|mut s| change_case(&mut s, &change, &user))
            .unwrap_or_else(|e| format!("case unchanged: {e}"));
        let _ = tx.send(Action::Done(said));
        notify_round(&dir, &notify, tx);
        send_worklist(&dir, tx);
    });
}

/// Reconciles the cases with an evaluation, says what changed (if anything), then reads
/// the worklist again. A read-only directory is no error here: the Monitoring tab says so.
pub fn spawn_reconcile(app: &App, tx: UnboundedSender<Action>, e: Evaluation) {
    let dir = app.engine.data.dir.clone();
    let recover_after = app.cases.policy.recover_after;
    let notify = app.cases.policy.notify.clone();
    spawn_job(tx, Job::Cases, move |tx| {
        match returnrisk_cases::evaluate(&dir, &e, recover_after) {
            Ok(Some(r)) if r.opened + r.reopened + r.woke + r.recovered > 0 => {
                let _ = tx.send(Action::Done(format!(
                    "cases: {} opened, {} reopened, {} woke, {} recovered (Monitoring tab)",
                    r.opened, r.reopened, r.woke, r.recovered
                )));
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("case evaluation failed: {err}"),
        }
        notify_round(&dir, &notify, tx);
        send_worklist(&dir, tx);
    });
}

/// Does `change`; returns what to say.
fn change_case(
    s: &mut CaseStore,
    change: &CaseChange,
    user: &str,
) -> Result<String, returnrisk_cases::StoreError> {
    let id = change.id;
    let from = s.case(id)?.state;
    let after = s.act(id, &change.action, user)?;
    Ok(match &change.action {
        CaseAction::Move { .. } => format!("case {id}: {from} → {}", after.state),
        CaseAction::Snooze { .. } => {
            let until = after.snoozed_until.unwrap_or_default();
            format!(
                "case {id}: {from} → {} until data day {until} (the data's calendar)",
                after.state
            )
        }
        CaseAction::Note(_) => format!("case {id}: note added"),
        CaseAction::Assign(who) => format!("case {id}: assigned to {who}"),
    })
}

/// Queues and sends the webhook messages that are due; a failure is said on the status
/// line (and logged), once per round that had one.
fn notify_round(
    dir: &Path,
    notify: &returnrisk_cases::notify::Notify,
    tx: &UnboundedSender<Action>,
) {
    if notify.webhooks.is_empty() {
        return;
    }
    match CaseStore::open(dir).and_then(|mut s| s.notify(notify)) {
        Ok(s) if s.failed + s.gave_up > 0 => {
            let why = s.first_error.unwrap_or_default();
            tracing::warn!("webhook messages not delivered: {why}");
            let _ = tx.send(Action::Done(format!(
                "webhooks: {} message(s) not delivered ({} given up), retrying: {why}",
                s.failed + s.gave_up,
                s.gave_up
            )));
        }
        Ok(s) if s.delivered > 0 => {
            tracing::info!(delivered = s.delivered, "webhook messages delivered");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("webhook messages not sent: {e}"),
    }
}

/// Retries the webhook messages that are due every [`returnrisk_cases::deliver::NOTIFY_INTERVAL`], for as long as the
/// dashboard runs (nothing when no webhook is configured).
pub fn spawn_notifier(app: &App, tx: UnboundedSender<Action>) {
    let notify = app.cases.policy.notify.clone();
    if notify.webhooks.is_empty() {
        return;
    }
    let dir = app.engine.data.dir.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(returnrisk_cases::deliver::NOTIFY_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if tx.is_closed() {
                break;
            }
            let (dir, notify, tx) = (dir.clone(), notify.clone(), tx.clone());
            let _ = tokio::task::spawn_blocking(move || notify_round(&dir, &notify, &tx)).await;
        }
    });
}

fn send_worklist(dir: &Path, tx: &UnboundedSender<Action>) {
    let w = CaseStore::open(dir)
        .and_then(|s| s.worklist())
        .map_err(|e| e.to_string());
    let _ = tx.send(Action::CasesLoaded(Box::new(w)));
}

/// The files whose change means the cases changed (the database and its write-ahead log).
pub fn watched_files(dir: &Path) -> [PathBuf; 2] {
    let db = returnrisk_cases::store::path_in(dir);
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    [db, PathBuf::from(wal)]
}
