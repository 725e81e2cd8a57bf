//! The dashboard rendered with ratatui's TestBackend on the committed demo data: snapshots of
//! every screen at 80x24 and 120x40, and state tests that keys do what they say.

use crate::common;

use common::dashboard::{app, app_without_models, render};
use returnrisk_tui::config_file::{ColorMode, Config};
use returnrisk_tui::engine::{Target, Window};
use returnrisk_tui::tui::action::{Action, Command, Effect};
use returnrisk_tui::tui::app::App;
use returnrisk_tui::tui::keymap::KeyMap;
use returnrisk_tui::tui::tab::Tab;
use returnrisk_tui::tui::tabs::sellers::SellerSort;
use returnrisk_tui::tui::theme::Theme;

/// Snapshots of `app` at the smallest supported size, a common one and a large one.
fn snap_sizes(name: &str, app: &App) {
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

#[test]
fn snapshot_every_tab() {
    let mut a = app();
    for (i, name) in [
        "marketplace",
        "sellers",
        "categories",
        "alerts",
        "models",
        "drift",
    ]
    .iter()
    .enumerate()
    {
        a.update(Action::Command(Command::GoTab(Tab::ALL[i])));
        snap_sizes(name, &a);
    }
}

#[test]
fn snapshot_seller_drilldown() {
    let mut a = app();
    a.open_seller("S006");
    snap_sizes("seller_detail", &a);
}

#[test]
fn snapshot_help_overlay() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    a.update(Action::Command(Command::Help));
    snap_sizes("help_sellers", &a);
    // Scrolled to the end, at every size: the glossary's last entry in full, the title saying
    // where the view is; the table's keys do not move the table underneath.
    let selected = a.pages.sellers.view.cursor.selected;
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 60)] {
        render(&a, w, h);
        a.update(Action::Command(Command::Bottom));
        let screen = render(&a, w, h);
        assert!(
            screen.contains("mean product rating of the orders")
                || screen.contains("(noise ±x) when the change cannot be told from noise"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("help_sellers_end_{w}x{h}"), screen);
        a.update(Action::Command(Command::Top));
        assert!(render(&a, w, h).contains("Help: lines 1-"));
    }
    a.update(Action::Command(Command::Down));
    assert_eq!(a.overlays.help_scroll, 1);
    assert_eq!(a.pages.sellers.view.cursor.selected, selected);
    a.update(Action::Command(Command::Back));
    assert!(!a.overlays.help);
}

#[test]
fn snapshot_alert_jump() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    a.update(Action::Command(Command::Open));
    snap_sizes("alert_jump", &a);
}

#[test]
fn snapshot_while_training_and_too_small() {
    let mut a = app_without_models();
    a.update(Action::TrainProgress(12, 41));
    insta::assert_snapshot!("training_80x24", render(&a, 80, 24));
    let text = render(&a, 50, 10);
    assert!(
        text.contains("terminal too small: 50x10 (need 60x16)"),
        "{text}"
    );
}

#[test]
fn snapshot_ascii_mono() {
    let mut a = app();
    a.theme = Theme::new(ColorMode::Auto, true, true);
    insta::assert_snapshot!("marketplace_ascii_80x24", render(&a, 80, 24));
}

#[test]
fn window_key_switches_every_number_to_the_engines_answer() {
    let mut a = app();
    assert_eq!(a.window, Window::Days(30));
    a.update(Action::Command(Command::Window));
    assert_eq!(a.window, Window::Days(90));
    let expected = a.engine.snapshot(Window::Days(90), None).unwrap();
    assert_eq!(a.snap, expected);
    let screen = render(&a, 120, 40);
    assert!(screen.contains("90d"));
    assert!(
        screen.contains(&format!(
            "Orders {}",
            returnrisk_tui::tui::widgets::int(expected.total_orders)
        )),
        "{screen}"
    );
    a.update(Action::Command(Command::Marketplace));
    assert_eq!(
        a.snap,
        a.engine.snapshot(Window::Days(90), Some("M001")).unwrap()
    );
}

#[test]
fn filter_narrows_the_table_and_esc_clears_it() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    let all = a.pages.sellers.rows(&a).len();
    a.update(Action::Command(Command::Filter));
    common::dashboard::type_text(&mut a, "s006");
    let rows = a.pages.sellers.rows(&a);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0.seller_id, "S006");
    assert!(render(&a, 80, 24).contains("filter: s006"));
    a.update(Action::Command(Command::Back));
    assert_eq!(a.pages.sellers.rows(&a).len(), all);
}

#[test]
fn the_alerts_filter_matches_what_the_rows_show() {
    use returnrisk_tui::engine::Severity;
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    common::dashboard::expand_all_alerts(&mut a);
    let count = |s: Severity| a.snap.alerts.iter().filter(|x| x.severity == s).count();
    let (critical, warning) = (count(Severity::Critical), count(Severity::Warning));
    assert!(critical > 0 && warning > 0);
    // The severity word the table shows, its full word, any case: each keeps those rows.
    for (typed, want) in [
        ("CRIT", critical),
        ("critical", critical),
        ("warn", warning),
    ] {
        a.update(Action::Command(Command::Filter));
        common::dashboard::type_text(&mut a, typed);
        let rows = a.pages.alerts.rows(&a);
        assert_eq!(rows.len(), want, "/{typed}");
        a.update(Action::Command(Command::Back));
    }
    // The rule's name as the Rule column shows it.
    let rule = a.snap.alerts[0].rule.to_string();
    a.update(Action::Command(Command::Filter));
    common::dashboard::type_text(&mut a, &rule);
    let rows = a.pages.alerts.rows(&a);
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|x| x.rule.to_string() == rule || x.message.contains(&rule))
    );
}

#[test]
fn a_category_alert_selects_its_category_under_any_sort() {
    use returnrisk_tui::engine::Target;
    use returnrisk_tui::tui::tabs::categories::CategorySort;
    let mut a = app();
    // Sorted by the change since the window before, a figure from outside the row.
    a.pages.categories.view.sort = CategorySort::by("mean_risk_change").unwrap();
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    let rows = a.pages.alerts.rows(&a);
    let (at, name) = rows
        .iter()
        .enumerate()
        .find_map(|(i, x)| match &x.target {
            Target::Category(c) => Some((i, c.clone())),
            _ => None,
        })
        .expect("a category alert on the demo data");
    a.pages.alerts.view.cursor.selected = at;
    a.update(Action::Command(Command::Open));
    assert_eq!(a.nav.tab, Tab::Categories);
    let rows = a.pages.categories.rows(&a);
    assert_eq!(
        rows[a.pages.categories.view.cursor.selected].0.category,
        name
    );
}

#[test]
fn enter_on_an_alert_opens_its_target() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    let alerts = a.snap.alerts.clone();
    let seller_at = alerts
        .iter()
        .position(|x| matches!(x.target, Target::Seller(_)))
        .unwrap();
    for _ in 0..seller_at {
        a.update(Action::Command(Command::Down));
    }
    a.update(Action::Command(Command::Open));
    let Target::Seller(id) = &alerts[seller_at].target else {
        unreachable!()
    };
    assert_eq!(&a.pages.seller.as_ref().unwrap().detail.seller_id, id);
    a.update(Action::Command(Command::Back));
    assert!(a.pages.seller.is_none());

    if let Some(cat_at) = alerts
        .iter()
        .position(|x| matches!(x.target, Target::Category(_)))
    {
        a.update(Action::Command(Command::GoTab(Tab::Alerts)));
        a.update(Action::Command(Command::Top));
        for _ in 0..cat_at {
            a.update(Action::Command(Command::Down));
        }
        a.update(Action::Command(Command::Open));
        let Target::Category(name) = &alerts[cat_at].target else {
            unreachable!()
        };
        assert_eq!(a.nav.tab, Tab::Categories);
        let rows = a.pages.categories.rows(&a);
        assert_eq!(
            &rows[a.pages.categories.view.cursor.selected].0.category,
            name
        );
    }
}

#[test]
fn sort_keys_order_the_rows() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    let risks: Vec<f64> = a
        .pages
        .sellers
        .rows(&a)
        .iter()
        .map(|s| s.0.stats.mean_risk_above.unwrap())
        .collect();
    assert!(
        risks.windows(2).all(|w| w[0] >= w[1]),
        "default: how far the mean risk is surely above the marketplace's, descending"
    );
    while a.pages.sellers.view.sort != SellerSort::by("orders").unwrap() {
        a.update(Action::Command(Command::Sort));
    }
    let orders: Vec<u64> = a
        .pages
        .sellers
        .rows(&a)
        .iter()
        .map(|s| s.0.stats.orders)
        .collect();
    assert!(orders.windows(2).all(|w| w[0] >= w[1]));
    assert!(render(&a, 120, 40).contains("Orders▼"));
    a.update(Action::Command(Command::ReverseSort));
    let orders: Vec<u64> = a
        .pages
        .sellers
        .rows(&a)
        .iter()
        .map(|s| s.0.stats.orders)
        .collect();
    assert!(orders.windows(2).all(|w| w[0] <= w[1]));
    assert!(render(&a, 120, 40).contains("Orders▲"));
}

#[test]
fn enter_on_a_category_lists_its_sellers() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Categories)));
    let cat = a.pages.categories.rows(&a)[0].0.category.clone();
    a.update(Action::Command(Command::Open));
    assert_eq!(a.nav.tab, Tab::Sellers);
    let scoped = a.pages.sellers.source(&a);
    let total: u64 = scoped.iter().map(|s| s.stats.orders).sum();
    let cat_orders = a
        .snap
        .categories
        .iter()
        .find(|c| c.category == cat)
        .unwrap()
        .stats
        .orders;
    assert_eq!(
        total, cat_orders,
        "sellers' orders in the category add up to the category"
    );
    assert!(render(&a, 120, 40).contains(&format!("category {cat}")));
    a.update(Action::Command(Command::Back));
    assert!(a.pages.sellers.scope.is_none());
}

#[test]
fn drilldown_filters_orders() {
    let mut a = app();
    a.open_seller("S006");
    let all = a.pages.seller.as_ref().unwrap().detail.orders.len();
    a.update(Action::Command(Command::OrderStatus));
    let d = a.pages.seller.as_ref().unwrap();
    let rows = d.rows();
    assert!(rows.len() < all && rows.iter().all(|o| o.status.as_str() == "returned"));
    a.update(Action::Command(Command::OrderPayment));
    let d = a.pages.seller.as_ref().unwrap();
    assert!(
        d.rows()
            .iter()
            .all(|o| o.payment_method.as_deref() == Some("COD"))
    );
}

#[test]
fn the_categories_export_is_the_tables_columns_in_the_tables_order() {
    use returnrisk_tui::engine::category_columns::CategoryTable;
    use returnrisk_tui::engine::columns::Table;
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Categories)));
    let fx = a.update(Action::Command(Command::Export));
    let [Effect::Export(table)] = fx.as_slice() else {
        panic!("one export effect, got {fx:?}")
    };
    // The scope first, then every column by its id.
    let ids: Vec<&str> = CategoryTable::COLUMNS.iter().map(|c| c.id).collect();
    assert_eq!(table.header[..2], ["window", "marketplace"]);
    assert_eq!(table.header[2..], ids);
    assert_eq!(table.rows.len(), a.snap.categories.len());
    // Rows as the tab sorts them (surely-above mean risk, largest first), each the
    // snapshot's own figures at full precision.
    let at = |id: &str| table.header.iter().position(|i| *i == id).unwrap();
    let above: Vec<f64> = table
        .rows
        .iter()
        .map(|r| r[at("mean_risk_above")].parse().unwrap())
        .collect();
    assert!(above.windows(2).all(|w| w[0] >= w[1]), "{above:?}");
    for row in &table.rows {
        let c = a
            .snap
            .categories
            .iter()
            .find(|c| c.category == row[at("category")])
            .unwrap();
        assert_eq!(row[at("orders")], c.stats.orders.to_string());
        assert_eq!(row[at("returned")], c.stats.returned.to_string());
        assert_eq!(
            row[at("return_rate_shrunk")],
            c.stats.return_rate_shrunk.unwrap().to_string()
        );
    }
}

#[test]
fn export_writes_the_visible_table_named_by_what_it_holds() {
    let mut a = app();
    let dir = tempfile::tempdir().unwrap();
    a.export_dir = dir.path().to_path_buf();
    // Run an export the way the event loop does: update asks, the effect writes.
    let export = |a: &mut App| -> String {
        let fx = a.update(Action::Command(Command::Export));
        let [Effect::Export(table)] = fx.as_slice() else {
            panic!("one export effect, got {fx:?}")
        };
        returnrisk_tui::tui::export::write(&a.export_dir, table, &a.snap.label_noun)
    };
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    let msg = export(&mut a);
    assert!(
        msg.starts_with("exported 40 rows to ")
            && msg.ends_with("returnrisk-sellers-30d-all-markets.csv"),
        "{msg}"
    );
    let text =
        std::fs::read_to_string(dir.path().join("returnrisk-sellers-30d-all-markets.csv")).unwrap();
    assert_eq!(text.lines().count(), 41);
    assert!(
        text.starts_with("window,marketplace,category,seller_id,"),
        "{text}"
    );
    // Two sellers' orders go to two files, each row saying whose order it is.
    for id in ["S006", "S023"] {
        a.open_seller(id);
        // The drill-down asks for its drivers on the next action (run by the event loop).
        a.update(Action::Tick);
        let msg = export(&mut a);
        let name = format!("returnrisk-orders-{id}-30d-all-markets.csv");
        assert!(msg.ends_with(&name), "{msg}");
        let text = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert!(!rows.is_empty());
        assert!(
            rows.iter()
                .all(|r| r.starts_with(&format!("30d,all,{id},"))),
            "{text}"
        );
    }
    // The same export again keeps the first file and says so.
    let msg = export(&mut a);
    assert!(
        msg.contains("returnrisk-orders-S023-30d-all-markets-2.csv (returnrisk-orders-S023-30d-all-markets.csv exists and was kept)"),
        "{msg}"
    );
    // Where there is no table (the order pane), `e` says so and writes nothing.
    a.update(Action::Command(Command::Open));
    assert!(a.pages.seller.as_ref().unwrap().pane.is_some());
    let fx = a.update(Action::Command(Command::Export));
    assert!(fx.is_empty());
    assert!(
        a.status
            .message
            .as_deref()
            .unwrap()
            .starts_with("nothing to export on this screen")
    );
}

#[test]
fn help_and_footer_come_from_one_key_map() {
    let cfg = Config::defaults();
    let km = KeyMap::new(&cfg.keys).unwrap();
    use returnrisk_tui::tui::keymap::{Mode, Screen};
    let table = Screen {
        table: true,
        opens: true,
        banded: true,
        sorts: true,
        ..Screen::default()
    };
    let screens = [
        Screen::default(),
        table,
        Screen {
            detail: true,
            opens: false,
            ..table
        },
        Screen {
            models: true,
            opens: false,
            banded: false,
            ..table
        },
        Screen {
            mode: Mode::Filter,
            ..table
        },
        Screen {
            mode: Mode::Confirm,
            ..table
        },
    ];
    for screen in screens {
        let help = km.help(screen);
        for (key, _) in km.footer(screen) {
            assert!(
                help.iter()
                    .any(|(keys, _)| keys.split(' ').any(|k| k == key)),
                "{key} in help"
            );
        }
    }
    // Enter open only where rows open something; export only where there is a table.
    let has = |s: Screen, label: &str| km.footer(s).iter().any(|(_, l)| *l == label);
    assert!(has(table, "open") && has(table, "export"));
    // Sort only on tables that sort (the briefing keeps the engine's order).
    assert!(has(table, "sort"));
    assert!(!has(
        Screen {
            sorts: false,
            ..table
        },
        "sort"
    ));
    let models = screens[3];
    assert!(!has(models, "open") && has(models, "promote"));
    assert!(!has(Screen::default(), "export") && !has(Screen::default(), "open"));
    assert_eq!(
        km.footer(screens[5]),
        vec![("y".to_string(), "yes"), ("n".to_string(), "no")]
    );
    // Help leads every footer that moves around.
    for screen in [screens[0], screens[1], screens[2], screens[3]] {
        assert_eq!(km.footer(screen)[0], ("?".to_string(), "help"));
    }
}

#[test]
fn the_footer_shows_whole_hints_by_priority_and_always_help() {
    use returnrisk_tui::tui::keymap::hint_width;
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    a.update(Action::Command(Command::Open));
    assert!(a.pages.seller.is_some());
    for width in [80u16, 120, 200] {
        let screen = render(&a, width, 24);
        let footer = screen
            .lines()
            .last()
            .unwrap()
            .trim_matches('"')
            .trim_end()
            .to_string();
        let all = a.keymap.footer(a.screen());
        let shown = a.keymap.footer_fitting(a.screen(), usize::from(width));
        // Help first, then the drill-down's own keys before the global ones.
        assert_eq!(shown[0], ("?".to_string(), "help"), "{footer}");
        assert_eq!(shown[1].1, "cat", "{footer}");
        // What is drawn is exactly the hints that fit, each whole: the next would not fit.
        let drawn: String = shown.iter().map(|(k, l)| format!("{k} {l}  ")).collect();
        assert_eq!(footer, format!(" {drawn}").trim_end(), "{width}");
        let used: usize = 1 + shown.iter().map(|(k, l)| hint_width(k, l)).sum::<usize>();
        if let Some((k, l)) = all.get(shown.len()) {
            assert!(
                used + hint_width(k, l) > usize::from(width),
                "{width}: {k} {l} fits"
            );
        }
    }
    // At 200 columns everything fits; at 80 the global keys give way first.
    assert_eq!(
        a.keymap.footer_fitting(a.screen(), 200).len(),
        a.keymap.footer(a.screen()).len()
    );
    let narrow = a.keymap.footer_fitting(a.screen(), 80);
    assert!(narrow.iter().any(|(_, l)| *l == "status"), "{narrow:?}");
    assert!(!narrow.iter().any(|(_, l)| *l == "market"), "{narrow:?}");
}

#[test]
fn a_key_bound_twice_on_one_screen_is_an_error_naming_both() {
    let cfg = Config::parse_with_defaults("[keys]\nsort = \"q\"\n", "my.toml").unwrap();
    let e = KeyMap::new(&cfg.keys).unwrap_err();
    assert_eq!(
        e,
        "keys: q is bound twice on one screen: \"quit\" and \"cycle the sort column\""
    );
    // Keys of screens that never show together may share a key (y copies; y answers yes).
    let cfg = Config::parse_with_defaults("[keys]\norder_status = \"b\"\n", "my.toml").unwrap();
    let e = KeyMap::new(&cfg.keys).unwrap_err();
    assert!(e.contains("\"only High, Medium or Low risk\""), "{e}");
    let cfg = Config::parse_with_defaults("[keys]\nquit = \"ctrl-banana\"\n", "my.toml").unwrap();
    assert!(
        KeyMap::new(&cfg.keys)
            .unwrap_err()
            .starts_with("keys.quit: unknown key")
    );
}

#[test]
fn retrain_key_asks_then_starts_background_training_once() {
    let mut a = app();
    // `r` asks first, like promote and rollback; `n` leaves everything as it was.
    let fx = a.update(Action::Command(Command::Retrain));
    assert_eq!(
        a.overlays.confirm.as_ref().unwrap().prompt,
        "Train a new run and register its models?"
    );
    assert!(fx.is_empty());
    let fx = a.update(Action::Command(Command::No));
    assert!(a.overlays.confirm.is_none() && fx.is_empty());
    assert_eq!(a.status.message.as_deref(), Some("cancelled"));
    a.update(Action::Command(Command::Retrain));
    let fx = a.update(Action::Command(Command::Yes));
    assert_eq!(fx, vec![Effect::LoadModels { retrain: true }]);
    assert_eq!(
        a.status.training,
        returnrisk_tui::tui::app::Training::Running(0, 0)
    );
    // A second press while training does not queue another run.
    let fx = a.update(Action::Command(Command::Retrain));
    assert!(fx.is_empty() && a.overlays.confirm.is_none());
    // Scores stay on screen while retraining.
    assert!(a.snap.mean_risk.is_some());
}

#[test]
fn mouse_click_on_a_tab_title_switches_tab() {
    let mut a = app();
    let screen = render(&a, 120, 40);
    let tab_row = screen.lines().nth(1).unwrap();
    // Column of "Alerts" on the rendered tab row (the snapshot's text, minus its quote).
    let col = tab_row.find("4 Alerts").unwrap() as u16 - 1;
    a.update(Action::Click(col, 1, std::time::Instant::now()));
    assert_eq!(a.nav.tab, Tab::Alerts);
    a.update(Action::Click(col, 5, std::time::Instant::now()));
    assert_eq!(
        a.nav.tab,
        Tab::Alerts,
        "clicks off the tab row do not switch"
    );
}

#[test]
fn every_screen_renders_at_every_size_without_panicking() {
    let mut a = app();
    let sizes = [
        (1, 1),
        (20, 5),
        (59, 15),
        (60, 16),
        (61, 17),
        (80, 24),
        (100, 30),
        (120, 40),
        (200, 60),
    ];
    let screens: [fn(&mut App); 7] = [
        |a| {
            a.update(Action::Command(Command::GoTab(Tab::Marketplace)));
        },
        |a| {
            a.update(Action::Command(Command::GoTab(Tab::Sellers)));
        },
        |a| {
            a.update(Action::Command(Command::GoTab(Tab::Categories)));
        },
        |a| {
            a.update(Action::Command(Command::GoTab(Tab::Alerts)));
        },
        |a| a.open_seller("S001"),
        |a| {
            a.update(Action::Command(Command::Help));
        },
        |a| {
            a.update(Action::Command(Command::Help));
            a.update(Action::Command(Command::Palette));
            common::dashboard::type_text(a, "sel");
        },
    ];
    for (i, go) in screens.iter().enumerate() {
        go(&mut a);
        for _ in 0..4 {
            a.update(Action::Command(Command::Window));
            for &(cols, rows) in &sizes {
                let text = render(&a, cols, rows);
                assert!(!text.trim().is_empty(), "screen {i} at {cols}x{rows}");
            }
        }
        if a.overlays.help {
            a.update(Action::Command(Command::Help));
        }
    }
}

#[test]
fn drift_alert_jumps_to_its_marketplace() {
    let mut a = app();
    let alerts = a.snap.alerts.clone();
    let at = alerts
        .iter()
        .position(|x| x.rule.as_str() == "data_drift")
        .expect("the demo data's injected shift raises a drift alert");
    assert_eq!(alerts[at].target, Target::Marketplace("M002".into()));
    assert!(
        alerts
            .iter()
            .filter(|x| x.rule.as_str() == "data_drift")
            .count()
            == 1,
        "only M002 drifts"
    );
    a.update(Action::Command(Command::GoTab(Tab::Alerts)));
    let at = a
        .pages
        .alerts
        .rows(&a)
        .iter()
        .position(|x| x.rule.as_str() == "data_drift")
        .unwrap();
    for _ in 0..at {
        a.update(Action::Command(Command::Down));
    }
    a.update(Action::Command(Command::Open));
    assert_eq!((a.nav.tab, a.marketplace_id()), (Tab::Drift, Some("M002")));
    assert_eq!(a.snap, a.engine.snapshot(a.window, Some("M002")).unwrap());
}

#[test]
fn windows_and_marketplaces_cycle_both_ways() {
    let mut a = app();
    assert_eq!(a.window, Window::Days(30));
    a.update(Action::Command(Command::PrevWindow));
    assert_eq!(a.window, Window::Days(7));
    a.update(Action::Command(Command::PrevWindow));
    assert_eq!(a.window, Window::All);
    a.update(Action::Command(Command::Window));
    assert_eq!(a.window, Window::Days(7));
    // all -> the last marketplace -> the one before; forward from there goes back.
    let n = a.engine.data.marketplaces.len() as u16;
    a.update(Action::Command(Command::PrevMarketplace));
    assert_eq!(a.marketplace, Some(n - 1));
    a.update(Action::Command(Command::PrevMarketplace));
    assert_eq!(a.marketplace, Some(n - 2));
    a.update(Action::Command(Command::Marketplace));
    assert_eq!(a.marketplace, Some(n - 1));
    a.update(Action::Command(Command::Marketplace));
    assert_eq!(a.marketplace, None);
    assert_eq!(a.snap.marketplace, "all");
}

#[test]
fn pending_returns_sum_the_risks_of_the_orders_without_an_outcome() {
    let a = app();
    let ds = &a.engine.data;
    let scores = a.engine.scores.as_ref().unwrap();
    for (mp, snap) in [
        (None, a.engine.snapshot_at(Window::Days(7), None)),
        (Some(1u16), a.engine.snapshot_at(Window::All, Some(1))),
    ] {
        let pending: Vec<usize> = (0..ds.orders.len())
            .filter(|&i| ds.orders.returned[i].is_none())
            .filter(|&i| mp.is_none_or(|m| ds.order_marketplace(i) == m))
            .collect();
        let p = snap.pending_returns.unwrap();
        assert_eq!(p.orders, pending.len() as u64);
        let expected: f64 = pending.iter().map(|&i| scores.risk[i]).sum();
        assert!(
            (p.expected - expected).abs() < 1e-6,
            "{} vs {expected}",
            p.expected
        );
        assert!(p.low as f64 <= p.expected && p.expected <= p.high as f64);
    }
}

#[test]
fn the_sellers_help_explains_the_band_column_and_the_others_do_not_list_it() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    a.update(Action::Command(Command::Help));
    let text = render(&a, 200, 60);
    assert!(text.contains("risk band of the shrunk mean risk"), "{text}");
    a.update(Action::Command(Command::Help));
    a.update(Action::Command(Command::GoTab(Tab::Categories)));
    a.update(Action::Command(Command::Help));
    assert!(!render(&a, 200, 60).contains("risk band of the shrunk mean risk"));
}

#[test]
fn a_sellers_trend_has_students_t_margin() {
    let a = app();
    let shown: usize = [Window::Days(7), Window::Days(30), Window::All]
        .into_iter()
        .map(|w| common::check_trend_margins(&a.engine.snapshot_at(w, None)).0)
        .sum();
    assert!(shown > 50, "{shown}");
}

#[test]
fn health_never_reads_good_beside_a_critical_alert_or_a_significant_rise() {
    use returnrisk_tui::engine::{HealthBand, HealthHold, Severity};
    let a = app();
    let markets = a.engine.data.marketplaces.len() as u16;
    let mut held = 0;
    for w in [
        Window::Days(7),
        Window::Days(30),
        Window::Days(90),
        Window::All,
    ] {
        for m in std::iter::once(None).chain((0..markets).map(Some)) {
            let s = a.engine.snapshot_at(w, m);
            let critical = s
                .alerts
                .iter()
                .filter(|x| x.severity == Severity::Critical)
                .count();
            let rising = s
                .risk_slope
                .zip(s.risk_slope_margin)
                .is_some_and(|(b, m)| b > 0.0 && b.abs() >= m);
            let (Some(score), Some(band)) = (s.health_score, s.health.band) else {
                continue;
            };
            if critical > 0 || rising {
                assert_ne!(band, HealthBand::Good, "{w} {m:?}: {critical} critical");
            }
            if !s.health.held.is_empty() {
                held += 1;
                assert!(score > 80.0 && band == HealthBand::Warning, "{w} {m:?}");
                assert_eq!(
                    s.health
                        .held
                        .contains(&HealthHold::CriticalAlerts(critical)),
                    critical > 0
                );
            }
        }
    }
    assert!(held > 0, "the demo data has a good score held at warning");
    // The panel says why.
    let mut a = a;
    a.update(Action::Command(Command::Window));
    a.update(Action::Command(Command::Window));
    assert_eq!(a.window, Window::All);
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains("86/100  warning") && screen.contains("│5 critical alerts"),
        "{screen}"
    );
}

#[test]
fn the_documented_glossary_is_the_text_help_shows() {
    use returnrisk_tui::tui::glossary;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/dashboard.md")).unwrap();
    let (start, end) = (
        "<!-- glossary: generated from the help -->\n",
        "<!-- /glossary -->",
    );
    let want = glossary::markdown();
    let got = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(inside, _)| inside);
    if got != Some(want.as_str()) {
        let out = std::env::temp_dir().join("returnrisk-glossary.md");
        std::fs::write(&out, &want).unwrap();
        panic!(
            "docs/dashboard.md's glossary differs from the help's: the help's text is in {}",
            out.display()
        );
    }
}

#[test]
fn at_80x24_drift_keeps_its_verdict_and_the_drill_down_its_drivers() {
    let mut a = app();
    a.update(Action::Command(Command::GoTab(Tab::Drift)));
    let drift = render(&a, 80, 24);
    assert!(
        drift.contains("Drift  What moved") && drift.contains(" DRIFT "),
        "{drift}"
    );
    a.update(Action::Command(Command::GoTab(Tab::Sellers)));
    a.update(Action::Command(Command::Open));
    // The model's drivers (shown until the drivers by contribution arrive from their job).
    a.pages.seller.as_mut().unwrap().contrib = None;
    let screen = render(&a, 80, 24);
    let d = &a.pages.seller.as_ref().unwrap().detail;
    assert!(!d.drivers.is_empty());
    for x in &d.drivers {
        let line = format!("{}: {}", x.feature, x.direction.words());
        assert!(screen.contains(&line), "{line}\n{screen}");
    }
}
