//! Moving through the dashboard, driven by the actions the keys produce: the back stack,
//! the palette, scrolling inside a stable viewport, context chips, filter editing, the mouse
//! and copying; with snapshots of the screens these add.

use crate::common;

use common::dashboard::{app, render};
use returnrisk_tui::engine::{Target, Window};
use returnrisk_tui::tui::action::{Action, Command, Effect};
use returnrisk_tui::tui::app::App;
use returnrisk_tui::tui::line_edit::Edit;
use returnrisk_tui::tui::tab::Tab;
use returnrisk_tui::tui::tabs::sellers::SellerSort;
use std::time::{Duration, Instant};

fn press(a: &mut App, c: Command) -> Vec<Effect> {
    a.update(Action::Command(c))
}

/// The id of the seller open in the drill-down.
fn open_seller(a: &App) -> Option<&str> {
    a.pages.seller.as_ref().map(|v| v.detail.seller_id.as_str())
}

#[test]
fn esc_returns_where_you_came_from() {
    let mut a = app();
    // Alerts -> Enter on a seller alert -> Esc: back on Alerts, same row selected.
    press(&mut a, Command::GoTab(Tab::Alerts));
    let at = a
        .pages
        .alerts
        .rows(&a)
        .iter()
        .position(|x| matches!(x.target, Target::Seller(_)))
        .unwrap();
    for _ in 0..at {
        press(&mut a, Command::Down);
    }
    let alert = a.pages.alerts.rows(&a)[at].clone();
    press(&mut a, Command::Open);
    let Target::Seller(id) = &alert.target else {
        unreachable!()
    };
    assert_eq!(open_seller(&a), Some(id.as_str()));
    // The alert that led there is in the Why panel.
    assert_eq!(
        a.pages.seller.as_ref().unwrap().alert.as_ref(),
        Some(&alert.message)
    );
    let screen = render(&a, 120, 40);
    assert!(screen.contains("alert: "), "{screen}");
    insta::assert_snapshot!("drilldown_from_an_alert_120x40", screen);
    press(&mut a, Command::Back);
    assert_eq!((a.nav.tab, open_seller(&a)), (Tab::Alerts, None));
    assert_eq!(a.pages.alerts.view.cursor.selected, at);

    // Categories -> its sellers -> a seller -> Esc -> Esc: Categories again.
    press(&mut a, Command::GoTab(Tab::Categories));
    press(&mut a, Command::Down);
    let cat = a.pages.categories.rows(&a)[1].0.category.clone();
    press(&mut a, Command::Open);
    assert_eq!(a.nav.tab, Tab::Sellers);
    let scope = a.pages.sellers.scope.as_ref().map(|(c, _)| *c).unwrap();
    assert_eq!(a.engine.data.categories[scope as usize], cat);
    press(&mut a, Command::Open);
    let v = a.pages.seller.as_ref().unwrap();
    // The category carries into the drill-down: its orders only, a chip in the title.
    assert_eq!(v.filter.category.as_ref(), Some(&cat));
    assert!(v.rows().iter().all(|o| o.category == cat) && !v.rows().is_empty());
    let screen = render(&a, 120, 40);
    assert!(screen.contains(&format!("[category {cat} ✕]")), "{screen}");
    insta::assert_snapshot!("drilldown_from_a_category_120x40", screen);
    press(&mut a, Command::Back);
    assert_eq!((a.nav.tab, open_seller(&a).is_none()), (Tab::Sellers, true));
    assert!(
        a.pages.sellers.scope.is_some(),
        "back to the category's sellers"
    );
    press(&mut a, Command::Back);
    assert_eq!(a.nav.tab, Tab::Categories);
    assert!(a.pages.sellers.scope.is_none());
    assert_eq!(
        a.pages.categories.rows(&a)[a.pages.categories.view.cursor.selected]
            .0
            .category,
        cat
    );
    // Nothing left to go back to: Esc stays.
    press(&mut a, Command::Back);
    assert_eq!(a.nav.tab, Tab::Categories);
}

#[test]
fn tab_jumps_keep_the_trail_and_chips_can_be_removed() {
    let mut a = app();
    press(&mut a, Command::GoTab(Tab::Categories));
    press(&mut a, Command::Open);
    press(&mut a, Command::Open);
    assert!(a.pages.seller.as_ref().unwrap().filter.category.is_some());
    // x removes the chips: every order of the seller again.
    press(&mut a, Command::ClearChips);
    let v = a.pages.seller.as_ref().unwrap();
    assert_eq!(v.rows().len(), v.detail.orders.len());
    // A jump to another tab closes the drill-down; Esc then walks the trail back.
    press(&mut a, Command::GoTab(Tab::Models));
    assert!(a.pages.seller.is_none());
    press(&mut a, Command::Back);
    assert_eq!(a.nav.tab, Tab::Sellers);
    assert!(a.pages.sellers.scope.is_some());
}

#[test]
fn the_selection_moves_inside_a_stable_viewport() {
    let mut a = app();
    a.open_seller("S035"); // 755 orders in the 30-day window
    render(&a, 120, 40);
    let page = a.pages.seller.as_ref().unwrap().view.cursor.page.get();
    assert!(page > 5, "{page}");
    let cursor = |a: &App| {
        let c = &a.pages.seller.as_ref().unwrap().view.cursor;
        (c.selected, c.offset.get())
    };
    // Down to the bottom edge, then one more: the rows scroll by one, not more.
    for _ in 0..page {
        press(&mut a, Command::Down);
        render(&a, 120, 40);
    }
    assert_eq!(cursor(&a), (page, 1));
    // Up moves the selection inside the viewport; the rows stay where they are.
    for _ in 0..3 {
        press(&mut a, Command::Up);
        render(&a, 120, 40);
    }
    assert_eq!(cursor(&a), (page - 3, 1));
    // PgDn moves viewport and selection together: the selection keeps its screen row.
    press(&mut a, Command::PageDown);
    render(&a, 120, 40);
    assert_eq!(cursor(&a), (2 * page - 3, 1 + page));
    // G: the last row on the last page; k: one up, the viewport unchanged.
    press(&mut a, Command::Bottom);
    render(&a, 120, 40);
    let n = a.pages.seller.as_ref().unwrap().rows().len();
    assert_eq!(cursor(&a), (n - 1, n - page));
    press(&mut a, Command::Up);
    render(&a, 120, 40);
    assert_eq!(cursor(&a), (n - 2, n - page));
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains(&format!("Orders {}/{n}", n - 1)),
        "{screen}"
    );
    assert!(screen.contains('█'), "a scrollbar: {screen}");
}

#[test]
fn the_palette_goes_anywhere_and_says_why_not() {
    let mut a = app();
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, "sel s02");
    press(&mut a, Command::Complete);
    assert_eq!(a.overlays.palette.as_ref().unwrap().line.text(), "sel S02");
    let screen = render(&a, 80, 24);
    insta::assert_snapshot!("palette_80x24", screen);
    common::dashboard::type_text(&mut a, "3");
    press(&mut a, Command::EditDone);
    assert!(a.overlays.palette.is_none());
    assert_eq!((a.nav.tab, open_seller(&a)), (Tab::Sellers, Some("S023")));
    // Esc goes back to where the palette was opened.
    press(&mut a, Command::Back);
    assert_eq!((a.nav.tab, open_seller(&a)), (Tab::Marketplace, None));

    // :window, :market, :category.
    for (line, check) in [
        (
            "window 7",
            (|a: &App| a.window == Window::Days(7)) as fn(&App) -> bool,
        ),
        ("market M002", |a: &App| a.marketplace_id() == Some("M002")),
        ("market all", |a: &App| a.marketplace.is_none()),
        ("category foot", |a: &App| {
            a.nav.tab == Tab::Sellers
                && a.pages.sellers.scope.as_ref().map(|s| s.0)
                    == Some(
                        a.engine
                            .data
                            .categories
                            .iter()
                            .position(|c| c == "Footwear")
                            .unwrap() as u16,
                    )
        }),
    ] {
        press(&mut a, Command::Palette);
        common::dashboard::type_text(&mut a, line);
        press(&mut a, Command::EditDone);
        assert!(check(&a), "{line}");
    }
    // An order older than the window: the window widens to all time and says so.
    let first = a.engine.data.orders.id[0].to_string();
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, &format!("order {first}"));
    press(&mut a, Command::EditDone);
    assert_eq!(a.window, Window::All);
    let v = a.pages.seller.as_ref().unwrap();
    assert_eq!(v.rows()[v.view.cursor.selected].order_id, first);
    assert!(
        a.status
            .message
            .as_deref()
            .unwrap()
            .contains("showing all time")
    );
    // A mistake keeps the line and says why.
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, "seller nobody");
    press(&mut a, Command::EditDone);
    assert_eq!(
        a.overlays.palette.as_ref().unwrap().line.text(),
        "seller nobody"
    );
    assert_eq!(
        a.status.message.as_deref(),
        Some("no seller matches \"nobody\"")
    );
    press(&mut a, Command::EditCancel);
    assert!(a.overlays.palette.is_none());
}

#[test]
fn the_filter_edits_like_a_shell_line_and_says_no_matches() {
    let mut a = app();
    press(&mut a, Command::GoTab(Tab::Sellers));
    press(&mut a, Command::Filter);
    common::dashboard::type_text(&mut a, "s00x");
    assert!(a.pages.sellers.rows(&a).is_empty());
    let screen = render(&a, 80, 24);
    insta::assert_snapshot!("no_matches_80x24", screen);
    assert!(screen.contains("Sellers 0 (0 of 40)"), "{screen}");
    assert!(screen.contains("no matches"), "{screen}");
    press(&mut a, Command::Edit(Edit::Backspace));
    assert_eq!(a.pages.sellers.rows(&a).len(), 9, "S001..S009");
    press(&mut a, Command::Edit(Edit::Left));
    press(&mut a, Command::Edit(Edit::Left));
    common::dashboard::type_text(&mut a, "3");
    assert_eq!(a.pages.sellers.view.filter(), "s300");
    press(&mut a, Command::Edit(Edit::KillToStart));
    assert_eq!(a.pages.sellers.view.filter(), "00");
    press(&mut a, Command::Edit(Edit::KillWord));
    press(&mut a, Command::Edit(Edit::End));
    press(&mut a, Command::Edit(Edit::KillWord));
    assert_eq!(a.pages.sellers.view.filter(), "");
    // Words of the band column match too: "medium" lists the Medium-risk sellers.
    common::dashboard::type_text(&mut a, "medium");
    press(&mut a, Command::EditDone);
    let bands = a.engine.bands;
    let in_band = |r: f64| r >= bands.medium && r < bands.high;
    let rows = a.pages.sellers.rows(&a);
    let medium = a
        .snap
        .sellers
        .iter()
        .filter(|s| in_band(s.stats.mean_risk.unwrap()))
        .count();
    assert!(
        medium > 0 && rows.len() == medium,
        "{} vs {medium}",
        rows.len()
    );
    // Esc clears the kept filter first, then goes back.
    press(&mut a, Command::Back);
    assert_eq!(a.pages.sellers.rows(&a).len(), 40);
    // b: the band filter (High, then Medium), a chip in the title.
    press(&mut a, Command::Band);
    let none_high = a
        .snap
        .sellers
        .iter()
        .all(|s| s.stats.mean_risk.unwrap() < bands.high);
    assert_eq!(a.pages.sellers.rows(&a).is_empty(), none_high);
    let screen = render(&a, 120, 40);
    assert!(screen.contains("[High risk ✕ b]"));
    // An empty band says why, not just "no matches".
    assert!(none_high, "the demo data has no High seller");
    assert!(
        screen.contains("no seller's shrunk mean risk (Risk EB) is High here; b: next band"),
        "{screen}"
    );
    press(&mut a, Command::Band);
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains(&format!("Sellers 1/{medium} (")),
        "{screen}"
    );
    assert!(screen.contains("[Medium risk ✕ b]"));
}

#[test]
fn a_click_selects_a_row_and_a_double_click_opens_it() {
    let mut a = app();
    press(&mut a, Command::GoTab(Tab::Sellers));
    let screen = render(&a, 120, 40);
    let y = screen.lines().position(|l| l.contains("S008")).unwrap() as u16;
    let t0 = Instant::now();
    a.update(Action::Click(10, y, t0));
    let rows = a.pages.sellers.rows(&a);
    assert_eq!(
        rows[a.pages.sellers.view.cursor.selected].0.seller_id,
        "S008"
    );
    assert!(a.pages.seller.is_none());
    // Too slow for a double click: still a selection.
    a.update(Action::Click(10, y, t0 + Duration::from_secs(2)));
    assert!(a.pages.seller.is_none());
    a.update(Action::Click(10, y, t0 + Duration::from_millis(2300)));
    assert_eq!(open_seller(&a), Some("S008"));
}

#[test]
fn y_copies_the_selected_id_and_messages_expire() {
    let mut a = app();
    press(&mut a, Command::GoTab(Tab::Sellers));
    let first = a.pages.sellers.rows(&a)[0].0.seller_id.clone();
    assert_eq!(
        press(&mut a, Command::Copy),
        vec![Effect::Copy(first.clone())]
    );
    assert!(
        a.status
            .message
            .as_deref()
            .unwrap()
            .starts_with(&format!("copied {first}"))
    );
    // The next key clears the message.
    press(&mut a, Command::Down);
    assert_eq!(a.status.message, None);
    // A Tick after the message's time is up clears it too.
    press(&mut a, Command::Copy);
    a.status.message_at = Some(Instant::now() - Duration::from_secs(60));
    a.update(Action::Tick);
    assert_eq!(a.status.message, None);
    // In the drill-down, y copies the order id.
    a.open_seller("S006");
    // The drill-down asks for its drivers by contribution on the next action.
    assert!(matches!(
        a.update(Action::Tick).as_slice(),
        [Effect::SellerDrivers { .. }]
    ));
    let v = a.pages.seller.as_ref().unwrap();
    let order = v.rows()[0].order_id.clone();
    assert_eq!(press(&mut a, Command::Copy), vec![Effect::Copy(order)]);
}

#[test]
fn small_sellers_rank_last_on_raw_shares_until_the_guard_is_lifted() {
    let mut a = app();
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, "category Footwear");
    press(&mut a, Command::EditDone);
    // Risk ranks by how far a seller's mean risk is surely above its marketplace's: its
    // evidence is in the key, so no guard moves small sellers.
    let above: Vec<f64> = a
        .pages
        .sellers
        .rows(&a)
        .iter()
        .map(|s| s.0.stats.mean_risk_above.unwrap())
        .collect();
    assert!(above.windows(2).all(|w| w[0] >= w[1]), "{above:?}");
    // A raw share keeps the guard: sellers under 20 orders rank last.
    while a.pages.sellers.view.sort != SellerSort::by("high_risk_share").unwrap() {
        press(&mut a, Command::Sort);
    }
    let orders: Vec<u64> = a
        .pages
        .sellers
        .rows(&a)
        .iter()
        .map(|s| s.0.stats.orders)
        .collect();
    let first_small = orders.iter().position(|&n| n < 20).unwrap();
    assert!(
        first_small > 0 && orders[first_small..].iter().all(|&n| n < 20),
        "{orders:?}"
    );
    // :minorders 0 ranks by the share alone; expected returns rank by weight, not by mean.
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, "mi 0");
    press(&mut a, Command::EditDone);
    let shares: Vec<f64> = a
        .pages
        .sellers
        .rows(&a)
        .iter()
        .map(|s| s.0.stats.high_risk_share.unwrap())
        .collect();
    assert!(shares.windows(2).all(|w| w[0] >= w[1]), "{shares:?}");
    assert!(
        a.pages.sellers.rows(&a)[..first_small]
            .iter()
            .any(|s| s.0.stats.orders < 20)
    );
    while a.pages.sellers.view.sort != SellerSort::by("expected_returns").unwrap() {
        press(&mut a, Command::Sort);
    }
    let expected: Vec<f64> = a
        .pages
        .sellers
        .rows(&a)
        .iter()
        .map(|s| s.0.stats.expected_returns.unwrap())
        .collect();
    assert!(expected.windows(2).all(|w| w[0] >= w[1]), "{expected:?}");
    // The biggest contributor of expected returns is the seller with the largest risk sum,
    // checked against the orders themselves.
    let top = a.pages.sellers.rows(&a)[0].0.seller_id.clone();
    let ds = &a.engine.data;
    let scores = a.engine.scores.as_ref().unwrap();
    let cat = ds.categories.iter().position(|c| c == "Footwear").unwrap() as u16;
    let start = Window::Days(30).start_day(a.engine.cube.last_day, a.engine.cube.first_day);
    let sum_for = |id: &str| -> f64 {
        let s = ds.seller_index(id).unwrap() as u32;
        (0..ds.orders.len())
            .filter(|&i| ds.orders.seller[i] == s && ds.orders.category[i] == cat)
            .filter(|&i| ds.orders.day[i] >= start)
            .map(|i| scores.risk[i])
            .sum()
    };
    let top_sum = sum_for(&top);
    assert!(
        (top_sum - expected[0]).abs() < 1e-6,
        "{top_sum} vs {}",
        expected[0]
    );
    for s in &ds.sellers {
        assert!(sum_for(&s.id) <= top_sum + 1e-9, "{} beats {top}", s.id);
    }
}

#[test]
fn the_change_column_is_this_window_minus_the_one_before_from_the_raw_orders() {
    let mut a = app();
    press(&mut a, Command::GoTab(Tab::Sellers));
    while a.pages.sellers.view.sort != SellerSort::by("mean_risk_change").unwrap() {
        press(&mut a, Command::Sort);
    }
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, "mi 0");
    press(&mut a, Command::EditDone);
    let ds = &a.engine.data;
    let scores = a.engine.scores.as_ref().unwrap();
    let last = a.engine.cube.last_day;
    let mean = |s: u32, from: i32, to: i32| {
        let r: Vec<f64> = (0..ds.orders.len())
            .filter(|&i| {
                ds.orders.seller[i] == s && ds.orders.day[i] >= from && ds.orders.day[i] <= to
            })
            .map(|i| scores.risk[i])
            .collect();
        r.iter().sum::<f64>() / r.len() as f64
    };
    let rows = a.pages.sellers.rows(&a);
    let top = rows[0];
    let s = ds.seller_index(&top.0.seller_id).unwrap() as u32;
    let want = mean(s, last - 29, last) - mean(s, last - 59, last - 30);
    let got = top.1.risk_change.unwrap();
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    // Largest rise first, and the deteriorating sellers the generator makes rise most.
    let changes: Vec<f64> = rows.iter().filter_map(|r| r.1.risk_change).collect();
    assert!(changes.windows(2).all(|w| w[0] >= w[1]), "{changes:?}");
    let top4: Vec<&str> = rows[..4].iter().map(|r| r.0.seller_id.as_str()).collect();
    assert!(top4.contains(&"S026"), "{top4:?}");
    // All time has no window before: n/a.
    press(&mut a, Command::GoTab(Tab::Sellers));
    a.update(Action::Command(Command::PrevWindow));
    a.update(Action::Command(Command::PrevWindow));
    assert_eq!(a.window, Window::All);
    assert!(
        a.pages
            .sellers
            .rows(&a)
            .iter()
            .all(|r| r.1.risk_change.is_none())
    );
}

#[test]
fn esc_and_a_key_in_one_read_are_esc_then_the_key() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use returnrisk_tui::tui::keymap::{Mode, unbundle_escape};
    use returnrisk_tui::tui::map_event;
    let mut a = app();
    press(&mut a, Command::GoTab(Tab::Sellers));
    press(&mut a, Command::Filter);
    common::dashboard::type_text(&mut a, "S0");
    assert_eq!(a.screen().mode, Mode::Filter);
    // Esc then 4 as one read: the terminal decodes it as Alt+4.
    let bundled = Event::Key(KeyEvent::new(KeyCode::Char('4'), KeyModifiers::ALT));
    for ev in unbundle_escape(bundled) {
        if let Some(action) = map_event(&a, ev) {
            a.update(action);
        }
    }
    // Esc left the filter, 4 went to Alerts (as typed one at a time).
    assert_eq!(a.screen().mode, Mode::Normal);
    assert_eq!(a.nav.tab, Tab::Alerts);
    // A key without Alt is itself.
    let plain = Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert_eq!(unbundle_escape(plain.clone()), vec![plain]);
}

#[test]
fn going_back_restores_the_window_the_marketplace_and_the_table_as_they_were() {
    let mut a = app();
    // The Alerts tab narrowed and moved: a drift alert leads to M002's Drift tab.
    press(&mut a, Command::GoTab(Tab::Alerts));
    press(&mut a, Command::Filter);
    common::dashboard::type_text(&mut a, "rule:drift");
    press(&mut a, Command::EditDone);
    let rows = a.pages.alerts.rows(&a);
    assert_eq!(rows.len(), 1);
    press(&mut a, Command::Open);
    assert_eq!((a.nav.tab, a.marketplace_id()), (Tab::Drift, Some("M002")));
    // The jump said what it changed.
    assert_eq!(
        a.status.message.as_deref(),
        Some("marketplace: M002 (was all; Esc goes back)")
    );
    press(&mut a, Command::Back);
    assert_eq!((a.nav.tab, a.marketplace_id()), (Tab::Alerts, None));
    assert_eq!(a.pages.alerts.view.filter(), "rule:drift");
    assert_eq!(a.snap, a.engine.snapshot(a.window, None).unwrap());

    // The Sellers tab on 7 days, filtered, third row: :order of the first order widens the
    // window to all time; Esc comes back to 7 days and the same row of the same filter.
    press(&mut a, Command::Back); // clears the Alerts filter
    press(&mut a, Command::GoTab(Tab::Sellers));
    press(&mut a, Command::PrevWindow);
    assert_eq!(a.window, Window::Days(7));
    press(&mut a, Command::Filter);
    common::dashboard::type_text(&mut a, "S0");
    press(&mut a, Command::EditDone);
    press(&mut a, Command::Down);
    press(&mut a, Command::Down);
    render(&a, 120, 40);
    let before = a.pages.sellers.view.clone();
    let first = a.engine.data.orders.id[0].to_string();
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, &format!("order {first}"));
    press(&mut a, Command::EditDone);
    assert_eq!(a.window, Window::All);
    assert!(a.pages.seller.is_some());
    press(&mut a, Command::Back);
    assert_eq!((a.nav.tab, a.window), (Tab::Sellers, Window::Days(7)));
    assert!(a.pages.seller.is_none());
    assert_eq!(a.pages.sellers.view.filter(), "S0");
    assert_eq!(a.pages.sellers.view.cursor.selected, before.cursor.selected);
    assert_eq!(a.snap, a.engine.snapshot(Window::Days(7), None).unwrap());
}

#[test]
fn going_back_to_a_drill_down_keeps_its_chips_and_row() {
    let mut a = app();
    press(&mut a, Command::GoTab(Tab::Sellers));
    press(&mut a, Command::Open);
    press(&mut a, Command::OrderStatus);
    press(&mut a, Command::Down);
    let v = a.pages.seller.as_ref().unwrap();
    let (chips, selected) = (v.filter.chips(), v.view.cursor.selected);
    assert!(!chips.is_empty() && selected == 1);
    // From the drill-down to a category's sellers (the palette) and back.
    press(&mut a, Command::Palette);
    common::dashboard::type_text(&mut a, "category foot");
    press(&mut a, Command::EditDone);
    assert!(a.pages.seller.is_none());
    press(&mut a, Command::Back);
    let v = a.pages.seller.as_ref().expect("the drill-down again");
    assert_eq!(
        (v.filter.chips(), v.view.cursor.selected),
        (chips, selected)
    );
}
