//! Forecasts, the backtest and the briefing on the demo data, checked against the raw orders
//! and scores; and the `forecast` and `brief` commands end to end.

use crate::common;

use common::dashboard::{app, data_copy};
use returnrisk_tui::data::date_to_day;
use returnrisk_tui::engine::Window;
use returnrisk_tui::engine::brief::{FORECAST_DAYS, Opens};

fn day(s: &str) -> i32 {
    date_to_day(s.parse().unwrap())
}

#[test]
fn the_backtest_compares_with_what_the_raw_orders_did() {
    let a = app();
    let e = &a.engine;
    let ds = &e.data;
    let risk = &e.scores.as_ref().unwrap().risk;
    let b = e.backtest(7);
    assert_eq!(b.scopes.len(), 1 + ds.marketplaces.len());
    // The demo data keeps orders pending for 14 days: the latency measured from the data.
    assert_eq!(b.pending_days, 14);
    // Out of sample: the models trained on orders before the cut, and only origins whose 14
    // days of then-pending orders start on or after it are priced (4 of the 8 here).
    let cut = day(b.training_cut.as_deref().unwrap());
    let models = e.models.as_ref().unwrap();
    assert_eq!(
        Some(cut),
        models.global.metrics.test_start.as_deref().map(day)
    );
    assert!(
        b.returns_note
            .as_deref()
            .unwrap()
            .starts_with("4 of 8 origins priced")
    );
    for (k, scope) in b.scopes.iter().enumerate() {
        let in_scope = |i: usize| k == 0 || ds.order_marketplace(i) as usize == k - 1;
        assert_eq!(scope.volume.origins.len(), 8);
        assert_eq!(scope.returns.len(), 4);
        for r in &scope.returns {
            let v = scope
                .volume
                .origins
                .iter()
                .find(|v| v.origin == r.origin)
                .unwrap();
            let end = day(&v.origin);
            assert!(
                end - 14 + 1 >= cut,
                "{} prices orders the models trained on",
                r.origin
            );
            let orders_after = (0..ds.orders.len())
                .filter(|&i| in_scope(i) && ds.orders.day[i] > end && ds.orders.day[i] <= end + 7)
                .count();
            assert_eq!(
                v.actual, orders_after as f64,
                "{} {}",
                scope.scope, v.origin
            );
            let then_pending: Vec<usize> = (0..ds.orders.len())
                .filter(|&i| in_scope(i) && ds.orders.day[i] <= end && ds.orders.day[i] > end - 14)
                .filter(|&i| ds.orders.returned[i].is_some())
                .collect();
            assert_eq!(r.orders, then_pending.len() as u64);
            let predicted: f64 = then_pending.iter().map(|&i| risk[i]).sum();
            assert!((r.predicted - predicted).abs() < 1e-6);
            let actual = then_pending
                .iter()
                .filter(|&&i| ds.orders.returned[i] == Some(true))
                .count();
            assert_eq!(r.actual, actual as u64);
            assert!(r.low as f64 <= r.predicted && r.predicted <= r.high as f64);
        }
        // MASE and coverage are reported for every scope.
        assert!(scope.volume.mase.is_some() && scope.volume.coverage.is_some());
    }
}

#[test]
fn the_briefing_decomposes_the_change_in_expected_returns_exactly() {
    let a = app();
    let e = &a.engine;
    let ds = &e.data;
    let risk = &e.scores.as_ref().unwrap().risk;
    let f = e.marketplace_forecast(None, FORECAST_DAYS);
    let b = e.brief(
        &e.snapshot_at(Window::Days(30), None),
        Window::Days(30),
        None,
        None,
        &f,
    );
    assert!((1..=5).contains(&b.statements.len()), "{b:?}");
    let last = e.cube.last_day;
    let sum = |from: i32, to: i32| -> f64 {
        (0..ds.orders.len())
            .filter(|&i| ds.orders.day[i] >= from && ds.orders.day[i] <= to)
            .map(|i| risk[i])
            .sum()
    };
    let now = sum(last - 29, last);
    let before = sum(last - 59, last - 30);
    for s in [
        b.by_seller.as_ref().unwrap(),
        b.by_category.as_ref().unwrap(),
    ] {
        assert!((s.now - now).abs() < 1e-6 && (s.before - before).abs() < 1e-6);
        assert!((s.volume + s.rate - (now - before)).abs() < 1e-6);
        let parts: f64 = s.parts.iter().map(|p| p.change).sum();
        assert!((parts - (now - before)).abs() < 1e-6);
    }
    // The first statement names the seller whose expected returns moved most, and opens it.
    let top = &b.by_seller.as_ref().unwrap().parts[0];
    assert_eq!(b.statements[0].opens, Opens::Seller(top.id.clone()));
    assert!(
        b.statements[0].text.contains(&top.id),
        "{}",
        b.statements[0].text
    );
    // All time has no window before: no change statement, no decomposition.
    let all = e.brief(
        &e.snapshot_at(Window::All, None),
        Window::All,
        None,
        None,
        &f,
    );
    assert!(all.by_seller.is_none());
    assert!(
        all.statements
            .iter()
            .all(|s| !matches!(s.opens, Opens::Seller(_)))
    );
}

#[test]
fn forecast_and_brief_commands_print_the_engines_numbers() {
    let _ = app();
    let d = data_copy().to_str().unwrap();
    let report = common::json(&["report", "--format", "json", "--data", d]);
    let f = common::json(&[
        "forecast",
        "--horizon",
        "30",
        "--format",
        "json",
        "--data",
        d,
    ]);
    let all = &f["scopes"][0];
    assert_eq!(all["scope"], "all");
    assert_eq!(all["pending"], report["pending_returns"]);
    let days = all["volume"]["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[0]["date"], "2026-07-01");
    assert_eq!(days[29]["date"], "2026-07-30");
    let total: f64 = days.iter().map(|x| x["orders"].as_f64().unwrap()).sum();
    assert!((total - all["volume"]["orders"].as_f64().unwrap()).abs() < 1e-6);
    // A seller with a short history says why it has no volume forecast.
    let s = common::json(&[
        "forecast", "--seller", "S023", "--format", "json", "--data", d,
    ]);
    assert_eq!(s["scopes"][0]["scope"], "S023");
    assert!(s["scopes"][0]["pending"]["orders"].as_u64().unwrap() > 0);
    // Bad arguments are one line and a non-zero exit.
    for args in [
        vec!["forecast", "--horizon", "14"],
        vec!["forecast", "--seller", "S999"],
        vec!["forecast", "--marketplace", "M9"],
    ] {
        let out = common::run_on(d, &args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            common::stderr(&out).lines().count() <= 3,
            "{}",
            common::stderr(&out)
        );
    }
    let b = common::json(&["brief", "--window", "30", "--format", "json", "--data", d]);
    assert!(!b["statements"].as_array().unwrap().is_empty());
    let table = common::stdout(&common::run_on(d, &["brief", "--window", "30"]));
    assert!(table.starts_with("Briefing: 30 | all\n1. "), "{table}");
    let backtest = common::stdout(&common::run_on(d, &["forecast", "--backtest"]));
    assert!(backtest.contains("MASE"), "{backtest}");
}

#[test]
fn the_briefing_does_not_send_control_characters_from_the_data_to_the_terminal() {
    let dir = common::trained_copy();
    let sellers = dir.path().join("sellers.csv");
    let text = std::fs::read_to_string(&sellers).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for l in lines {
        // seller_id,seller_name,marketplace_id: the name sets the title and clears the screen.
        let f: Vec<&str> = l.splitn(3, ',').collect();
        out.push_str(&format!(
            "{},{}\u{1b}]0;PWNED\u{7}\u{1b}[2J,{}\n",
            f[0], f[1], f[2]
        ));
    }
    std::fs::write(&sellers, out).unwrap();
    let o = common::run_on(common::p(dir.path()), &["brief", "--window", "30"]);
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", common::stderr(&o));
    // The names are there, without the characters that would act on the terminal.
    assert!(printed.contains("]0;PWNED"), "{printed}");
    assert!(
        !printed.contains('\u{1b}') && !printed.contains('\u{7}'),
        "{printed:?}"
    );
}
