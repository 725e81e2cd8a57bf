//! The live filter's field terms on the demo data (`sev:crit`, `state:new`, `seller:`,
//! `cat:`, `band:`, `market:`): each checked against a brute-force pass over the engine's own
//! rows, combined terms, a field the table lacks, and the chips on screen at three sizes.

use crate::common;
use crate::monitoring::{on_monitoring, worked_worklist};

use common::dashboard::{app, render};
use returnrisk_tui::engine::{Severity, Target};
use returnrisk_tui::tui::action::{Action, Command};
use returnrisk_tui::tui::app::App;
use returnrisk_tui::tui::line_edit::Edit;
use returnrisk_tui::tui::tab::Tab;

/// Which alerts a filter should keep, by brute force.
type Keep<'a> = Box<dyn Fn(&returnrisk_tui::engine::Alert) -> bool + 'a>;

/// Types `text` as the live filter (replacing any) and keeps it.
fn filter(a: &mut App, text: &str) {
    a.update(Action::Command(Command::Filter));
    a.update(Action::Command(Command::Edit(Edit::End)));
    a.update(Action::Command(Command::Edit(Edit::KillToStart)));
    common::dashboard::type_text(a, text);
    a.update(Action::Command(Command::EditDone));
}

#[test]
fn alert_fields_keep_exactly_the_alerts_they_name() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    common::dashboard::expand_all_alerts(&mut a);
    let all = a.snap.alerts.clone();
    let ds = a.engine.data.clone();
    let name_of = |id: &str| ds.sellers[ds.seller_index(id).unwrap()].name.clone();
    // A seller with a critical alert, found by part of its name.
    let (seller, name) = all
        .iter()
        .find_map(|x| match &x.target {
            Target::Seller(id) if x.severity == Severity::Critical => {
                Some((id.clone(), name_of(id)))
            }
            _ => None,
        })
        .expect("the demo data has a critical seller alert");
    let part: String = name.split_whitespace().next().unwrap().to_lowercase();
    let critical = |x: &&returnrisk_tui::engine::Alert| x.severity == Severity::Critical;
    let cases: [(String, Keep); 4] = [
        ("sev:crit".into(), Box::new(|x| critical(&x))),
        (
            format!("sev:critical seller:{part}"),
            Box::new(|x| {
                critical(&x)
                    && matches!(&x.target, Target::Seller(id) if name_of(id).to_lowercase().contains(&part))
            }),
        ),
        (
            format!("SELLER:{seller}"),
            Box::new(|x| matches!(&x.target, Target::Seller(id) if id.contains(&seller))),
        ),
        (
            "cat:o".into(),
            Box::new(
                |x| matches!(&x.target, Target::Category(c) if c.to_lowercase().contains('o')),
            ),
        ),
    ];
    for (typed, keep) in cases {
        filter(&mut a, &typed);
        let shown: Vec<String> = a
            .pages
            .alerts
            .rows(&a)
            .iter()
            .map(|x| x.message.clone())
            .collect();
        let want: Vec<String> = all
            .iter()
            .filter(|x| keep(x))
            .map(|x| x.message.clone())
            .collect();
        assert!(!want.is_empty(), "/{typed} should keep something");
        // The same alerts (the tab shows each target's together).
        let (mut shown, mut want) = (shown, want);
        shown.sort();
        want.sort();
        assert_eq!(shown, want, "/{typed}");
    }
    // A word and a term together: both must hold.
    filter(&mut a, &format!("sev:warn {seller}"));
    assert!(a.pages.alerts.rows(&a).iter().all(|x| {
        x.severity == Severity::Warning
            && (x.message.contains(&seller)
                || matches!(&x.target, Target::Seller(id) if *id == seller))
    }));
}

#[test]
fn case_fields_combine_state_and_severity() {
    let a = app();
    let w = worked_worklist(&a);
    let mut a = on_monitoring(w.clone());
    for (typed, state) in [("state:new", "new"), ("state:invest", "investigating")] {
        filter(&mut a, typed);
        let ids: Vec<i64> = a
            .pages
            .monitoring
            .rows(&a)
            .iter()
            .map(|d| d.case.id)
            .collect();
        let want: Vec<i64> = w
            .cases
            .iter()
            .filter(|d| d.case.state.to_string() == state)
            .map(|d| d.case.id)
            .collect();
        assert!(!want.is_empty(), "{typed}");
        assert_eq!(ids, want, "/{typed}");
    }
    filter(&mut a, "state:new sev:warn");
    let rows = a.pages.monitoring.rows(&a);
    let want = w
        .cases
        .iter()
        .filter(|d| d.case.state.to_string() == "new" && d.case.severity == Severity::Warning)
        .count();
    assert_eq!(rows.len(), want);
    assert!(want > 0);
}

#[test]
fn seller_fields_and_a_field_the_table_lacks() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    let all = a.pages.sellers.rows(&a);
    let count = |band: &str| {
        all.iter()
            .filter(|(_, x)| x.band.is_some_and(|b| b.as_str() == band))
            .count()
    };
    let (low, medium) = (count("Low"), count("Medium"));
    let in_m002 = all
        .iter()
        .filter(|(s, _)| s.marketplace_id == "M002")
        .count();
    drop(all);
    for (typed, want) in [
        ("band:low", low),
        ("band:med", medium),
        ("market:m002", in_m002),
    ] {
        filter(&mut a, typed);
        assert_eq!(a.pages.sellers.rows(&a).len(), want, "/{typed}");
        assert!(want > 0, "{typed}");
    }
    // The Sellers table has no state: the table says which fields it has.
    filter(&mut a, "state:new");
    assert!(a.pages.sellers.rows(&a).is_empty());
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains("this table has no state: field; its fields are seller: market: band:"),
        "{screen}"
    );
    // The chip on the tab row.
    assert!(screen.contains("filter: [state:new]"), "{screen}");
}

#[test]
fn snapshot_alerts_with_field_filters() {
    let a = app();
    let w = worked_worklist(&a);
    let mut a = on_monitoring(w);
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    filter(&mut a, "sev:crit state:new");
    assert!(!a.pages.alerts.rows(&a).is_empty());
    insta::assert_snapshot!("alerts_filtered_80x24", render(&a, 80, 24));
    insta::assert_snapshot!("alerts_filtered_120x40", render(&a, 120, 40));
    insta::assert_snapshot!("alerts_filtered_200x60", render(&a, 200, 60));
}

#[test]
fn alerts_of_one_target_are_one_row_that_space_expands() {
    use returnrisk_tui::tui::tabs::alerts::target_key;
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    let all = a.snap.alerts.clone();
    let keys: Vec<String> = all.iter().map(|x| target_key(&x.target)).collect();
    let mut targets = keys.clone();
    targets.sort();
    targets.dedup();
    // One row per target.
    assert_eq!(a.pages.alerts.rows(&a).len(), targets.len());
    // A target with several alerts: its row says how many more; Space shows them under it.
    let (key, n) = targets
        .iter()
        .map(|t| (t.clone(), keys.iter().filter(|k| *k == t).count()))
        .find(|(_, n)| *n > 1)
        .expect("the demo data has a target with several alerts");
    let at = a
        .pages
        .alerts
        .rows(&a)
        .iter()
        .position(|x| target_key(&x.target) == key)
        .unwrap();
    for _ in 0..at {
        a.update(Action::Command(Command::Down));
    }
    let name = key.split_once(' ').unwrap().1.to_string();
    assert!(
        render(&a, 120, 40).contains(&format!("{name} ▸+{}", n - 1)),
        "{key}"
    );
    a.update(Action::Command(Command::ToggleGroup));
    let rows = a.pages.alerts.rows(&a);
    assert_eq!(rows.len(), targets.len() + n - 1);
    assert!(
        rows[at..at + n]
            .iter()
            .all(|x| target_key(&x.target) == key)
    );
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains(&format!("{name} ▾+{}", n - 1)) && screen.contains("└"),
        "{screen}"
    );
    // Space again hides them.
    a.update(Action::Command(Command::ToggleGroup));
    assert_eq!(a.pages.alerts.rows(&a).len(), targets.len());
}
