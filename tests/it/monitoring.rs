//! The Monitoring tab on the demo data: snapshots of a worked worklist, the keys asking for
//! case changes (the palette finishing notes, assignees and snoozes), a read-only directory,
//! the Alerts tab's case column, and a change by another process (the CLI) reaching the
//! dashboard through the watcher.

use crate::common;

use common::dashboard::{app, data_copy, render};
use returnrisk_tui::cases::reconcile::RECOVER_AFTER;
use returnrisk_tui::cases::{CaseAction, SnoozeUntil};
use returnrisk_tui::cases::{CaseState, CaseStore, Transition, Worklist, evaluation_of};
use returnrisk_tui::engine::Window;
use returnrisk_tui::tui::action::{Action, Command, Effect};
use returnrisk_tui::tui::app::App;
use returnrisk_tui::tui::cases::CaseChange;
use returnrisk_tui::tui::jobs;
use returnrisk_tui::tui::tab::Tab;
use std::time::Duration;
use tokio::sync::mpsc::unbounded_channel;

/// A worklist worked by two people over two evaluations, its clock and path fixed so that
/// snapshots are stable.
pub(crate) fn worked_worklist(app: &App) -> Worklist {
    let dir = tempfile::tempdir().unwrap();
    let mut s = CaseStore::open_file(&dir.path().join("cases.sqlite")).unwrap();
    let e = evaluation_of(&app.engine, Window::Days(30));
    s.reconcile(&e, RECOVER_AFTER).unwrap();
    let first = s.list(None).unwrap()[0].id;
    let second = s.list(None).unwrap()[1].id;
    s.apply(first, Transition::Acknowledge, "ana", None, None)
        .unwrap();
    s.note(first, "ana", "asked the seller for photos of the returns")
        .unwrap();
    s.apply(first, Transition::Investigate, "ana", None, None)
        .unwrap();
    s.assign(second, "ana", "bo").unwrap();
    s.apply(second, Transition::Escalate, "bo", Some("fraud team"), None)
        .unwrap();
    let later = returnrisk_tui::cases::Evaluation {
        key: format!("{}#2", e.key),
        ..e
    };
    s.reconcile(&later, RECOVER_AFTER).unwrap();
    let mut w = s.worklist().unwrap();
    w.path = "data/.returnrisk/cases.sqlite".into();
    for d in &mut w.cases {
        for h in &mut d.history {
            h.at = "2026-07-01T09:00:00Z".into();
        }
        for n in &mut d.notes {
            n.at = "2026-07-01T09:00:00Z".into();
        }
    }
    w
}

pub(crate) fn on_monitoring(w: Worklist) -> App {
    let mut a = app();
    a.update(Action::CasesLoaded(Box::new(Ok(w))));
    a.update(Action::Command(Command::GoTab(Tab::Monitoring)));
    a
}

#[test]
fn snapshot_the_monitoring_tab() {
    let a = app();
    let w = worked_worklist(&a);
    let a = on_monitoring(w);
    insta::assert_snapshot!("monitoring_120x40", render(&a, 120, 40));
    insta::assert_snapshot!("monitoring_80x24", render(&a, 80, 24));
    let mut a = a;
    a.update(Action::Command(Command::Down));
    insta::assert_snapshot!("monitoring_escalated_120x40", render(&a, 120, 40));
}

#[test]
fn the_cases_filter_matches_the_state_and_severity_the_rows_show() {
    let a = app();
    let w = worked_worklist(&a);
    let n = w.counts(None);
    let critical = w
        .cases
        .iter()
        .filter(|d| d.case.severity == returnrisk_tui::engine::Severity::Critical)
        .count();
    let mut a = on_monitoring(w);
    for (typed, want) in [
        ("new", n.new),
        ("escalated", n.escalated),
        ("CRIT", critical),
    ] {
        a.update(Action::Command(Command::Filter));
        common::dashboard::type_text(&mut a, typed);
        assert_eq!(a.pages.monitoring.rows(&a).len(), want, "/{typed}");
        a.update(Action::Command(Command::Back));
    }
}

#[test]
fn the_counts_and_the_worklist_order_come_from_the_cases() {
    let a = app();
    let w = worked_worklist(&a);
    let n = w.counts(None);
    let alerts = a.snap.alerts.len();
    assert_eq!(n.new + n.working + n.escalated, alerts);
    assert_eq!((n.working, n.escalated, n.snoozed), (1, 1, 0));
    // Open first, then the most severe, then the oldest.
    let ranks: Vec<_> = w
        .cases
        .iter()
        .map(|d| (!d.case.state.is_open(), std::cmp::Reverse(d.case.severity)))
        .collect();
    assert!(ranks.windows(2).all(|p| p[0] <= p[1]), "{ranks:?}");
    let a = on_monitoring(w.clone());
    let screen = render(&a, 120, 40);
    assert!(screen.contains(&format!("{} new", n.new)), "{screen}");
    assert!(screen.contains("1 escalated"), "{screen}");
    // Two evaluations: the selected case's numbers at both.
    let d = &w.cases[0];
    assert_eq!(d.observations.len(), 2);
    assert_eq!(d.case.state, CaseState::Investigating);
}

#[test]
fn case_keys_ask_for_changes_and_the_palette_finishes_them() {
    let a = app();
    let w = worked_worklist(&a);
    let mut a = on_monitoring(w);
    let id = a.selected_case().unwrap();
    let fx = a.update(Action::Command(Command::MoveCase(Transition::Acknowledge)));
    assert_eq!(
        fx,
        vec![Effect::ChangeCase(CaseChange {
            id,
            action: CaseAction::Move {
                transition: Transition::Acknowledge,
                note: None,
            },
        })]
    );
    // A note: the palette opens with the command, the text is typed, Enter sends it.
    assert!(a.update(Action::Command(Command::NoteCase)).is_empty());
    assert_eq!(
        a.overlays.palette.as_ref().unwrap().line.text(),
        format!("note {id} ")
    );
    common::dashboard::type_text(&mut a, "photos");
    let fx = a.update(Action::Command(Command::EditDone));
    let text = "photos".to_string();
    let action = CaseAction::Note(text);
    assert_eq!(fx, vec![Effect::ChangeCase(CaseChange { id, action })]);
    // A snooze: 7 days unless changed.
    a.update(Action::Command(Command::MoveCase(Transition::Snooze)));
    assert_eq!(
        a.overlays.palette.as_ref().unwrap().line.text(),
        format!("snooze {id} 7")
    );
    let fx = a.update(Action::Command(Command::EditDone));
    assert!(matches!(
        &fx[..],
        [Effect::ChangeCase(CaseChange {
            action: CaseAction::Snooze {
                until: SnoozeUntil::Days(7),
                ..
            },
            ..
        })]
    ));
    // Resolving asks for a note: Esc resolves nothing, Enter resolves with what was typed.
    assert!(
        a.update(Action::Command(Command::MoveCase(Transition::Resolve)))
            .is_empty()
    );
    assert_eq!(
        a.overlays.palette.as_ref().unwrap().line.text(),
        format!("resolve {id} ")
    );
    assert!(a.update(Action::Command(Command::EditCancel)).is_empty());
    assert!(a.overlays.palette.is_none());
    a.update(Action::Command(Command::MoveCase(Transition::Resolve)));
    common::dashboard::type_text(&mut a, "refunded");
    let fx = a.update(Action::Command(Command::EditDone));
    assert_eq!(
        fx,
        vec![Effect::ChangeCase(CaseChange {
            id,
            action: CaseAction::Move {
                transition: Transition::Resolve,
                note: Some("refunded".into()),
            },
        })]
    );
    // Reopening a resolved case is a key, at once (nothing is lost: it becomes new).
    let fx = a.update(Action::Command(Command::MoveCase(Transition::Reopen)));
    assert_eq!(
        fx,
        vec![Effect::ChangeCase(CaseChange {
            id,
            action: CaseAction::Move {
                transition: Transition::Reopen,
                note: None,
            },
        })]
    );
    // A bad number says so and sends nothing.
    a.update(Action::Command(Command::Palette));
    common::dashboard::type_text(&mut a, "snooze x1 3");
    assert!(a.update(Action::Command(Command::EditDone)).is_empty());
    assert_eq!(
        a.status.message.as_deref(),
        Some("snooze: \"x1\" is not a case number")
    );
    // The same words as the command line and the API for a snooze past ten years.
    a.update(Action::Command(Command::Palette));
    common::dashboard::type_text(&mut a, &format!("snooze {id} 3651"));
    assert!(a.update(Action::Command(Command::EditDone)).is_empty());
    assert_eq!(
        a.status.message.as_deref(),
        Some(
            "snooze: 3651 days is more than 3650 (ten years): give a date (YYYY-MM-DD) or resolve the case"
        )
    );
    // Enter opens the case's target.
    a.overlays.palette = None;
    a.update(Action::Command(Command::Open));
    assert_ne!(a.nav.tab, Tab::Monitoring);
}

#[test]
fn a_read_only_worklist_refuses_changes_with_its_path() {
    let a = app();
    let mut w = worked_worklist(&a);
    w.read_only = true;
    let mut a = on_monitoring(w);
    let fx = a.update(Action::Command(Command::MoveCase(Transition::Resolve)));
    assert!(fx.is_empty());
    assert_eq!(
        a.status.message.as_deref(),
        Some(
            "data/.returnrisk/cases.sqlite: the data directory is read-only, so cases can be read but not changed"
        )
    );
    assert!(render(&a, 120, 40).contains("read-only"));
    // A later read that fails keeps the worklist and says why it is not fresher.
    let why = "cases.sqlite: the case database is damaged".to_string();
    a.update(Action::CasesLoaded(Box::new(Err(why))));
    assert!(a.cases.worklist.is_some());
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains("not re-read: cases.sqlite: the case"),
        "{screen}"
    );
}

/// Runs `effects`, then applies what they send until the worklist arrives.
fn run_until_worklist(a: &mut App, rt: &tokio::runtime::Runtime, effects: Vec<Effect>) {
    let (tx, mut rx) = unbounded_channel();
    rt.block_on(async {
        for e in effects {
            jobs::run(a, e, &tx);
        }
        loop {
            let got = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("the job answers")
                .expect("an action");
            let done = matches!(got, Action::CasesLoaded(_));
            a.update(got);
            if done {
                break;
            }
        }
    });
}

#[test]
fn the_dashboard_evaluates_and_sees_another_processs_change() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut a = app();
    let dir = data_copy().clone();
    let e = evaluation_of(&a.engine, Window::Days(30));
    run_until_worklist(&mut a, &rt, vec![Effect::ReconcileCases(Box::new(e))]);
    let w = a.cases.worklist.clone().unwrap();
    assert_eq!(w.cases.len(), a.snap.alerts.len());
    assert!(
        a.status
            .message
            .as_deref()
            .unwrap()
            .starts_with("cases: 25 opened")
    );
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    let first = &a.pages.alerts.rows(&a)[0].clone();
    let id = w.case_of(first.rule, &first.target).unwrap().case.id;
    assert!(render(&a, 120, 40).contains(&format!("#{id} new")));

    // Another process acknowledges it; the watcher notices, the worklist is read again.
    let (tx, mut rx) = unbounded_channel();
    let seen = rt.block_on(async {
        jobs::spawn_watcher(&dir, None, tx);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let out = common::run_on(
            dir.to_str().unwrap(),
            &["cases", "ack", &id.to_string(), "--note", "mine"],
        );
        assert!(out.status.success(), "{}", common::stderr(&out));
        loop {
            let got = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .expect("the watcher reports the change")
                .unwrap();
            if matches!(got, Action::FilesChanged { cases: true, .. }) {
                break got;
            }
        }
    });
    let fx = a.update(seen);
    assert_eq!(fx, vec![Effect::LoadCases]);
    run_until_worklist(&mut a, &rt, fx);
    let w = a.cases.worklist.as_ref().unwrap();
    assert_eq!(w.get(id).unwrap().case.state, CaseState::Acknowledged);
    assert!(render(&a, 120, 40).contains(&format!("#{id} acknowledged")));

    // This dashboard resolves it with a note, through its job.
    a.update(Action::Command(Command::GoTab(Tab::Monitoring)));
    let fx = vec![Effect::ChangeCase(CaseChange {
        id,
        action: CaseAction::Move {
            transition: Transition::Resolve,
            note: Some("refunded".into()),
        },
    })];
    run_until_worklist(&mut a, &rt, fx);
    let d = a.cases.worklist.as_ref().unwrap().get(id).unwrap().clone();
    assert_eq!(d.case.state, CaseState::Resolved);
    let last = d.history.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.detail.as_deref()),
        ("resolve", Some("refunded"))
    );
    // An invalid move is refused naming the state, and changes nothing.
    let fx = vec![Effect::ChangeCase(CaseChange {
        id,
        action: CaseAction::Move {
            transition: Transition::Escalate,
            note: None,
        },
    })];
    run_until_worklist(&mut a, &rt, fx);
    assert_eq!(
        a.status.message.as_deref(),
        Some("case unchanged: cannot escalate a case that is resolved")
    );
}

#[test]
fn the_palette_finds_a_case_by_number_or_by_what_it_is_about() {
    let a = app();
    let w = worked_worklist(&a);
    let mut a = on_monitoring(w.clone());
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    let palette = |a: &mut App, line: &str| {
        a.update(Action::Command(Command::Palette));
        common::dashboard::type_text(a, line);
        a.update(Action::Command(Command::EditDone));
    };
    let last = w.cases.last().unwrap().case.id;
    palette(&mut a, &format!("case {last}"));
    assert_eq!(a.nav.tab, Tab::Monitoring);
    assert_eq!(a.selected_case(), Some(last));
    // By the seller's name: the one case about it.
    let seller_case = w
        .cases
        .iter()
        .find_map(|d| match &d.case.target {
            returnrisk_tui::engine::Target::Seller(id) => Some((d.case.id, id.clone())),
            _ => None,
        })
        .unwrap();
    let ds = &a.engine.data;
    let name = ds.sellers[ds.seller_index(&seller_case.1).unwrap()]
        .name
        .clone();
    let about = w
        .cases
        .iter()
        .filter(|d| matches!(&d.case.target, returnrisk_tui::engine::Target::Seller(id) if *id == seller_case.1))
        .count();
    palette(&mut a, &format!("case {name}"));
    if about == 1 {
        assert_eq!(a.selected_case(), Some(seller_case.0));
    } else {
        let said = a.status.message.clone().unwrap_or_default();
        assert!(said.contains(&format!("could be {about} cases")), "{said}");
    }
}

#[test]
fn marked_cases_are_acted_on_together() {
    let a = app();
    let w = worked_worklist(&a);
    let mut a = on_monitoring(w.clone());
    let rows: Vec<i64> = a
        .pages
        .monitoring
        .rows(&a)
        .iter()
        .map(|d| d.case.id)
        .collect();
    // Space marks the selected case and moves down; twice more: three marked.
    for _ in 0..3 {
        a.update(Action::Command(Command::MarkCase));
    }
    assert_eq!(
        a.pages
            .monitoring
            .marked
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        {
            let mut m = rows[..3].to_vec();
            m.sort_unstable();
            m
        }
    );
    assert_eq!(a.selected_case(), Some(rows[3]));
    // Space on a marked case unmarks it.
    a.update(Action::Command(Command::Up));
    a.update(Action::Command(Command::MarkCase));
    assert_eq!(a.pages.monitoring.marked.len(), 2);
    a.update(Action::Command(Command::Up));
    a.update(Action::Command(Command::MarkCase));
    let marked: Vec<i64> = a.pages.monitoring.marked.iter().copied().collect();
    assert_eq!(marked.len(), 3);
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains("3 marked: the case keys act on them"),
        "{screen}"
    );
    insta::assert_snapshot!("monitoring_marked_80x24", render(&a, 80, 24));
    insta::assert_snapshot!("monitoring_marked_120x40", screen);
    insta::assert_snapshot!("monitoring_marked_200x60", render(&a, 200, 60));
    // A transition acts on each marked case, then the marks clear.
    let fx = a.update(Action::Command(Command::MoveCase(Transition::Escalate)));
    let ids: Vec<i64> = fx
        .iter()
        .map(|e| match e {
            Effect::ChangeCase(c) => {
                assert_eq!(
                    c.action,
                    CaseAction::Move {
                        transition: Transition::Escalate,
                        note: None
                    }
                );
                c.id
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, marked);
    assert!(a.pages.monitoring.marked.is_empty());
    // Marked again, a prompt names them all and sends one change per case.
    a.update(Action::Command(Command::Top));
    a.update(Action::Command(Command::MarkCase));
    a.update(Action::Command(Command::MarkCase));
    a.update(Action::Command(Command::NoteCase));
    let line = a.overlays.palette.as_ref().unwrap().line.text().to_string();
    let (first, second) = (rows[0].min(rows[1]), rows[0].max(rows[1]));
    assert_eq!(line, format!("note {first},{second} "));
    common::dashboard::type_text(&mut a, "called both");
    let fx = a.update(Action::Command(Command::EditDone));
    assert_eq!(fx.len(), 2);
    assert!(fx.iter().all(|e| matches!(e,
        Effect::ChangeCase(c) if c.action == CaseAction::Note("called both".into()))));
}
