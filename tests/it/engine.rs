//! Engine cross-checks: every number of a snapshot equals a brute-force scan of the raw
//! orders, on random windows, marketplace filters and scores; plus alert and explanation
//! behaviour on hand-built data.

use crate::common;
use common::*;
use proptest::prelude::*;
use returnrisk_tui::config::RiskBands;
use returnrisk_tui::data::generate::{GenerateOptions, generate};
use returnrisk_tui::data::{Dataset, LoadOptions, load_dir};

/// Order `i`'s value of numeric feature `name`, read straight from its column.
fn number(ds: &Dataset, name: &str, i: usize) -> f64 {
    ds.number(ds.feature_index(name).unwrap(), i).unwrap()
}
use returnrisk_tui::engine::cube::Cube;
use returnrisk_tui::engine::{Snapshot, Target, Window, snapshot};
use returnrisk_tui::model::Scores;
use std::sync::OnceLock;

fn small_dataset() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let opts = GenerateOptions {
            orders: 4000,
            sellers: 9,
            marketplaces: 3,
            days: 120,
            seed: 5,
            ..Default::default()
        };
        generate(&dir, &opts, &mut |_| {}).unwrap();
        load_dir(&dir, &LoadOptions::strict()).unwrap().0
    })
}

/// Deterministic pseudo-random scores in [0, 1).
fn fake_scores(n: usize, seed: u64) -> Scores {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let risk: Vec<f64> = (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    Scores {
        risk: risk.into(),
        own_model: vec![false; n].into(),
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs())),
        (None, None) => true,
        _ => false,
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// Least-squares slope over (x, y) points, computed directly.
fn naive_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Recomputes the snapshot's numbers by scanning every order.
fn brute_force_check(
    ds: &Dataset,
    scores: &Scores,
    bands: RiskBands,
    window: Window,
    mp: Option<u16>,
    snap: &Snapshot,
) {
    let o = &ds.orders;
    let last = *o.day.iter().max().unwrap();
    let first = *o.day.iter().min().unwrap();
    let start = match window {
        Window::Days(n) => (last - n as i32 + 1).max(first),
        Window::All => first,
    };
    let rows: Vec<usize> = (0..o.len())
        .filter(|&i| o.day[i] >= start && mp.is_none_or(|m| ds.order_marketplace(i) == m))
        .collect();
    let n = rows.len() as f64;
    let labelled: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&i| o.returned[i].is_some())
        .collect();
    let returned = labelled
        .iter()
        .filter(|&&i| o.returned[i] == Some(true))
        .count();
    let risk_sum: f64 = rows.iter().map(|&i| scores.risk[i]).sum();
    let high = rows
        .iter()
        .filter(|&&i| scores.risk[i] >= bands.high)
        .count();
    assert_eq!(snap.total_orders as usize, rows.len());
    assert_eq!(snap.labelled_orders as usize, labelled.len());
    assert_eq!(snap.returned_orders as usize, returned);
    assert_eq!(snap.pending_orders as usize, rows.len() - labelled.len());
    assert!(close(
        snap.return_rate,
        ratio(returned as f64, labelled.len() as f64)
    ));
    assert!(close(snap.mean_risk, ratio(risk_sum, n)));
    assert_eq!(snap.high_risk_orders, Some(high as u64));
    assert!(close(
        snap.peak_risk,
        rows.iter().map(|&i| scores.risk[i]).reduce(f64::max)
    ));
    assert!(close(
        snap.revenue_at_risk,
        Some(rows.iter().map(|&i| scores.risk[i] * o.price[i]).sum())
    ));
    let cod = rows
        .iter()
        .filter(|&&i| ds.level_name(ds.feature_index("payment_method").unwrap(), i) == Some("COD"))
        .count();
    assert!(close(snap.cod_share, ratio(cod as f64, n)));

    // Trend: one point per day, gaps as zero orders with null risk.
    assert_eq!(snap.trend.len(), (last - start + 1) as usize);
    let mut daily = Vec::new();
    for (d, p) in snap.trend.iter().enumerate() {
        let day_rows: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| o.day[i] == start + d as i32)
            .collect();
        assert_eq!(p.orders as usize, day_rows.len());
        let m = ratio(
            day_rows.iter().map(|&i| scores.risk[i]).sum(),
            day_rows.len() as f64,
        );
        assert!(close(p.mean_risk, m));
        if let Some(m) = m {
            daily.push((d as f64, m));
        }
    }
    assert!(close(snap.risk_slope, naive_slope(&daily)));

    // Sellers: those with orders in the window, each number recomputed.
    let mut seller_ids: Vec<u32> = rows.iter().map(|&i| o.seller[i]).collect();
    seller_ids.sort();
    seller_ids.dedup();
    assert_eq!(snap.total_sellers, seller_ids.len());
    for s in &snap.sellers {
        let si = ds.seller_index(&s.seller_id).unwrap() as u32;
        let sr: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| o.seller[i] == si)
            .collect();
        let sl = sr.iter().filter(|&&i| o.returned[i].is_some()).count();
        let sret = sr.iter().filter(|&&i| o.returned[i] == Some(true)).count();
        assert_eq!(s.stats.orders as usize, sr.len());
        assert!(close(s.stats.return_rate, ratio(sret as f64, sl as f64)));
        assert!(close(
            s.stats.mean_risk,
            ratio(sr.iter().map(|&i| scores.risk[i]).sum(), sr.len() as f64)
        ));
        assert!(close(
            s.mean_rating,
            ratio(
                sr.iter().map(|&i| number(ds, "rating", i)).sum(),
                sr.len() as f64
            )
        ));
        assert!(close(
            s.mean_delivery_days,
            ratio(
                sr.iter().map(|&i| number(ds, "delivery_days", i)).sum(),
                sr.len() as f64
            )
        ));
        let high = sr.iter().filter(|&&i| scores.risk[i] >= bands.high).count();
        assert_eq!(s.stats.high_risk_orders, Some(high as u64));
        let mut pts = Vec::new();
        for d in 0..=(last - start) {
            let dr: Vec<usize> = sr
                .iter()
                .copied()
                .filter(|&i| o.day[i] == start + d)
                .collect();
            if let Some(m) = ratio(dr.iter().map(|&i| scores.risk[i]).sum(), dr.len() as f64) {
                pts.push((f64::from(d), m));
            }
        }
        assert!(
            close(s.stats.risk_slope, naive_slope(&pts)),
            "{} {:?} {:?}",
            s.seller_id,
            s.stats.risk_slope,
            naive_slope(&pts)
        );
    }
    // Categories.
    for c in &snap.categories {
        let ci = ds.categories.iter().position(|x| *x == c.category).unwrap() as u16;
        let cr: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| o.category[i] == ci)
            .collect();
        assert_eq!(c.stats.orders as usize, cr.len());
        let high = cr.iter().filter(|&&i| scores.risk[i] >= bands.high).count();
        assert!(close(
            c.stats.high_risk_share,
            ratio(high as f64, cr.len() as f64)
        ));
        assert!(close(
            c.stats.mean_risk,
            ratio(cr.iter().map(|&i| scores.risk[i]).sum(), cr.len() as f64)
        ));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]
    #[test]
    fn cube_answers_equal_brute_force(days in prop::option::of(1u32..150), mp in prop::option::of(0u16..3), seed in 0u64..1000) {
        let ds = small_dataset();
        let scores = fake_scores(ds.orders.len(), seed);
        let bands = RiskBands::DEFAULT;
        let cube = Cube::build(ds, Some(&scores), bands);
        let window = days.map_or(Window::All, Window::Days);
        let snap = snapshot(ds, &cube, None, window, mp, Default::default());
        brute_force_check(ds, &scores, bands, window, mp, &snap);
    }
}

#[test]
fn windows_change_every_number_not_only_the_trend() {
    let ds = small_dataset();
    let scores = fake_scores(ds.orders.len(), 1);
    let cube = Cube::build(ds, Some(&scores), RiskBands::DEFAULT);
    let w7 = snapshot(ds, &cube, None, Window::Days(7), None, Default::default());
    let all = snapshot(ds, &cube, None, Window::All, None, Default::default());
    assert!(w7.total_orders < all.total_orders);
    assert_ne!(w7.mean_risk, all.mean_risk);
    assert_eq!(w7.trend.len(), 7);
    // The last 14 days are pending in generated data: a 7-day window has no known outcome.
    assert_eq!(w7.labelled_orders, 0);
    assert_eq!(w7.return_rate, None);
    assert!(
        w7.health_score.is_some(),
        "health renormalises without the return rate"
    );
}

#[test]
fn unscored_cube_reports_risk_as_na() {
    let ds = small_dataset();
    let cube = Cube::build(ds, None, RiskBands::DEFAULT);
    let s = snapshot(ds, &cube, None, Window::All, None, Default::default());
    assert_eq!(
        (
            s.mean_risk,
            s.high_risk_orders,
            s.peak_risk,
            s.revenue_at_risk
        ),
        (None, None, None, None)
    );
    assert!(s.return_rate.is_some());
    assert!(s.sellers.iter().all(|x| x.stats.mean_risk.is_none()));
}

/// Hand-built data: seller S1 returns 60 of 100, S2 12 of 100 (marketplace M1: 36%).
fn two_seller_dataset(s1_cod: usize) -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{ORDERS_HEADER}\n");
    for i in 0..200 {
        let (seller, returned, pay) = if i < 100 {
            ("S1", i < 60, if i < s1_cod { "COD" } else { "Card" })
        } else {
            ("S3", i < 112, "Card")
        };
        let day = 1 + i % 28;
        text.push_str(&format!(
            "O{i},Books,10,0,3,New,{pay},0.1,4.5,{},{seller},M1,2026-02-{day:02}\n",
            u8::from(returned)
        ));
    }
    std::fs::write(dir.path().join("orders.csv"), text).unwrap();
    std::fs::write(
        dir.path().join("sellers.csv"),
        "seller_id,seller_name,marketplace_id\nS1,Risky,M1\nS3,Calm,M1\n",
    )
    .unwrap();
    let ds = load_dir(dir.path(), &LoadOptions::strict()).unwrap().0;
    (dir, ds)
}

#[test]
fn return_rate_alert_fires_for_the_outlier_only() {
    let (_dir, ds) = two_seller_dataset(0);
    let scores = Scores {
        risk: vec![0.2; ds.orders.len()].into(),
        own_model: vec![false; ds.orders.len()].into(),
    };
    let cube = Cube::build(&ds, Some(&scores), RiskBands::DEFAULT);
    let s = snapshot(&ds, &cube, None, Window::All, None, Default::default());
    let rate_alerts: Vec<_> = s
        .alerts
        .iter()
        .filter(|a| a.rule.as_str() == "return_rate_above_marketplace")
        .collect();
    assert_eq!(rate_alerts.len(), 1, "{:?}", s.alerts);
    assert_eq!(rate_alerts[0].target, Target::Seller("S1".into()));
    // scipy.stats.binom.sf(59, 100, 0.36) = 9.0757e-07; three tests (S1, S3 and Books
    // against its total), so Benjamini-Hochberg's q of the smallest p is 3p = 2.7227e-06.
    assert_eq!(
        rate_alerts[0].message,
        "Risky (S1): return rate 60.0% (60/100 labelled, 100 orders) vs 36.0% in M1; \
         p < 0.0001, q < 0.0001 (3 tests, FDR 10%)"
    );
    let e = rate_alerts[0].evidence.as_ref().unwrap();
    assert!((e.p_value.unwrap() / 9.075655555543737e-07 - 1.0).abs() < 1e-8);
    assert!((e.q_value.unwrap() / 2.722696666663121e-06 - 1.0).abs() < 1e-8);
    assert_eq!((e.orders, e.labelled, e.tests), (100, 100, Some(3)));
    // Flat scores: no risk alerts, no high-risk alerts, no rising risk.
    assert!(
        s.alerts
            .iter()
            .all(|a| a.rule.as_str() == "return_rate_above_marketplace")
    );
}

#[test]
fn original_high_risk_rule_and_severity_order() {
    let (_dir, ds) = two_seller_dataset(0);
    // S1's first 30 orders are High risk (30%): rule 1 fires as a warning.
    let risk: Vec<f64> = (0..ds.orders.len())
        .map(|i| {
            if ds.orders.seller[i] == 0 && i < 30 {
                0.9
            } else {
                0.1
            }
        })
        .collect();
    let scores = Scores {
        own_model: vec![false; risk.len()].into(),
        risk: risk.into(),
    };
    let cube = Cube::build(&ds, Some(&scores), RiskBands::DEFAULT);
    let s = snapshot(&ds, &cube, None, Window::All, None, Default::default());
    let high: Vec<_> = s
        .alerts
        .iter()
        .filter(|a| a.rule.as_str() == "seller_high_risk")
        .collect();
    assert_eq!(high.len(), 1);
    assert_eq!(
        high[0].message,
        "Risky (S1): 30 high-risk orders, 30.0% of 100 orders"
    );
    assert!(s.alerts.windows(2).all(|w| w[0].severity >= w[1].severity));
}

#[test]
fn explanations_compare_with_the_marketplace() {
    let (_dir, ds) = two_seller_dataset(62);
    let scores = Scores {
        risk: vec![0.2; ds.orders.len()].into(),
        own_model: vec![false; ds.orders.len()].into(),
    };
    let mut engine =
        returnrisk_tui::engine::Engine::new(ds, Default::default(), RiskBands::DEFAULT);
    engine.scores = Some(std::sync::Arc::new(scores.clone()));
    engine.cube = std::sync::Arc::new(Cube::build(&engine.data, Some(&scores), RiskBands::DEFAULT));
    let d = engine.seller_detail("S1", Window::All).unwrap();
    let cod = d
        .explanations
        .iter()
        .find(|e| e.rule.as_str() == "cod_share")
        .unwrap();
    assert!(cod.triggered);
    assert_eq!(
        cod.message,
        "COD 62.0% of orders vs 31.0% in M1 (rule: above 50%)"
    );
    let rr = d
        .explanations
        .iter()
        .find(|e| e.rule.as_str() == "return_rate")
        .unwrap();
    assert!(rr.triggered);
    let rating = d
        .explanations
        .iter()
        .find(|e| e.rule.as_str() == "rating")
        .unwrap();
    assert!(!rating.triggered);
    assert_eq!(
        rating.message,
        "Mean product rating 4.50 vs 4.50 in M1 (rule: below 3.0)"
    );
    // Orders newest first.
    assert!(d.orders.windows(2).all(|w| w[0].date >= w[1].date));
    assert_eq!(d.orders.len(), 100);
}

#[test]
fn the_previous_window_is_counted_from_the_raw_orders() {
    use returnrisk_tui::drift::stats::proportions_z_test;
    let ds = small_dataset();
    let scores = fake_scores(ds.orders.len(), 7);
    let bands = RiskBands::DEFAULT;
    let cube = Cube::build(ds, Some(&scores), bands);
    let o = &ds.orders;
    for window in [Window::Days(7), Window::Days(30)] {
        for mp in [None, Some(0u16), Some(2)] {
            let snap = snapshot(ds, &cube, None, window, mp, Default::default());
            let p = snap
                .previous
                .as_ref()
                .expect("120 days reach back a whole window");
            let Window::Days(n) = window else {
                unreachable!()
            };
            let end = cube.last_day - n as i32;
            let start = end - n as i32 + 1;
            assert_eq!(p.end, returnrisk_tui::data::day_string(end));
            assert_eq!(p.start, returnrisk_tui::data::day_string(start));
            let rows: Vec<usize> = (0..o.len())
                .filter(|&i| o.day[i] >= start && o.day[i] <= end)
                .filter(|&i| mp.is_none_or(|m| ds.order_marketplace(i) == m))
                .collect();
            let labelled = rows.iter().filter(|&&i| o.returned[i].is_some()).count() as u64;
            let returned = rows
                .iter()
                .filter(|&&i| o.returned[i] == Some(true))
                .count() as u64;
            let high = rows
                .iter()
                .filter(|&&i| scores.risk[i] >= bands.high)
                .count() as u64;
            let risk_sum: f64 = rows.iter().map(|&i| scores.risk[i]).sum();
            assert_eq!(p.total_orders, rows.len() as u64);
            assert_eq!((p.labelled_orders, p.returned_orders), (labelled, returned));
            assert_eq!(p.high_risk_orders, Some(high));
            assert!(close(p.mean_risk, ratio(risk_sum, rows.len() as f64)));
            // The p-value is the two-proportion z-test of now vs before.
            let want = proportions_z_test(
                snap.returned_orders as f64,
                snap.labelled_orders as f64,
                returned as f64,
                labelled as f64,
            )
            .map(|t| t.p_value);
            assert!(close(p.return_rate_p, want), "{window:?} {mp:?}");
        }
    }
    // No previous window for all time, nor where the data does not reach back far enough.
    assert!(
        snapshot(ds, &cube, None, Window::All, None, Default::default())
            .previous
            .is_none()
    );
    assert!(
        snapshot(ds, &cube, None, Window::Days(90), None, Default::default())
            .previous
            .is_none()
    );
}
