//! Why an order is risky: exact contributions on the demo models (they add up to every
//! order's risk), the order pane and its what-if in the dashboard, and the same numbers from
//! `predict --order --explain`.

use crate::common;

use common::dashboard::{app, data_copy, render};
use returnrisk_tui::data::OrderValue;
use returnrisk_tui::engine::order::order_features;
use returnrisk_tui::tui::action::{Action, Command};
use returnrisk_tui::tui::app::App;
use returnrisk_tui::tui::keymap::Mode;

fn press(a: &mut App, c: Command) {
    a.update(Action::Command(c));
}

fn sum(x: &returnrisk_tui::model::shap::Explanation) -> f64 {
    x.expected + x.contributions.iter().map(|c| c.contribution).sum::<f64>()
}

#[test]
fn contributions_and_the_expected_value_add_up_to_every_order_risk_of_a_seller() {
    let a = app();
    let e = &a.engine;
    let ds = &e.data;
    let scores = e.scores.as_ref().unwrap();
    let models = e.models.as_ref().unwrap();
    // A seller scored by the global model, and one with its own forest when there is one.
    let own = models
        .sellers
        .iter()
        .find(|(_, m)| m.active)
        .map(|(k, _)| k.clone());
    for seller in [Some("S023".to_string()), own].into_iter().flatten() {
        let si = ds.seller_index(&seller).unwrap();
        let orders: Vec<usize> = (0..ds.orders.len())
            .filter(|&i| ds.orders.seller[i] as usize == si)
            .collect();
        assert!(orders.len() > 50, "{seller}: {} orders", orders.len());
        for &i in &orders {
            let x = e.explain_order(i, None).unwrap();
            assert_eq!(x.model, models.model_for(&seller).1);
            let why = x.explanation.unwrap();
            assert!(
                (sum(&why) - scores.risk[i]).abs() < 1e-9,
                "{seller} order {i}: {} vs {}",
                sum(&why),
                scores.risk[i]
            );
            assert_eq!(why.contributions.len(), ds.orders.features.len());
        }
    }
}

#[test]
fn a_what_if_scores_the_changed_order_like_the_model_would_and_changes_no_data() {
    let a = app();
    let e = &a.engine;
    let i = 7;
    let mut values = order_features(&e.data, i);
    values
        .values
        .insert("payment_method".into(), OrderValue::Text("COD".into()));
    values
        .values
        .insert("delivery_days".into(), OrderValue::Number(12.0));
    let x = e.explain_order(i, Some(values.clone())).unwrap();
    let seller = &e.data.sellers[e.data.orders.seller[i] as usize].id;
    let (model, _) = e.models.as_ref().unwrap().model_for(seller);
    let why = x.explanation.unwrap();
    assert!((why.risk - model.score(&values)).abs() < 1e-12);
    assert!((sum(&why) - why.risk).abs() < 1e-9);
    // The order itself still scores as before.
    let again = e.explain_order(i, None).unwrap().explanation.unwrap();
    assert!((again.risk - e.scores.as_ref().unwrap().risk[i]).abs() < 1e-12);
}

#[test]
fn enter_on_an_order_opens_its_pane_and_x_starts_a_what_if() {
    let mut a = app();
    a.open_seller("S023");
    for _ in 0..2 {
        press(&mut a, Command::Down);
    }
    let selected = a.pages.seller.as_ref().unwrap().view.cursor.selected;
    let id = a.pages.seller.as_ref().unwrap().rows()[selected]
        .order_id
        .clone();
    press(&mut a, Command::Open);
    let pane = a.pages.seller.as_ref().unwrap().pane.as_ref().unwrap();
    assert_eq!(pane.order_id, id);
    let screen = render(&a, 120, 40);
    assert!(screen.contains(&format!("Order {id}")), "{screen}");
    assert!(screen.contains("what-if"), "{screen}");
    insta::assert_snapshot!("order_pane_120x40", screen);

    // x: what-if mode; → changes the top feature; the risk beside the old one moves.
    press(&mut a, Command::WhatIf);
    assert_eq!(a.screen().mode, Mode::WhatIf);
    let before = pane_risks(&a);
    press(&mut a, Command::WhatIfMore);
    press(&mut a, Command::WhatIfMore);
    let after = pane_risks(&a);
    assert_eq!(before.0, after.0, "the order as it is does not change");
    assert_ne!(after.0, after.1, "the what-if's risk moved");
    let screen = render(&a, 120, 40);
    assert!(screen.contains("What-if:"), "{screen}");
    insta::assert_snapshot!("order_what_if_120x40", screen);

    // x ends the what-if, Esc closes the pane, the drill-down keeps its selection.
    press(&mut a, Command::WhatIf);
    assert_eq!(a.screen().mode, Mode::Normal);
    press(&mut a, Command::Back);
    let v = a.pages.seller.as_ref().unwrap();
    assert!(v.pane.is_none());
    assert_eq!(v.view.cursor.selected, selected);
}

/// The pane's risk as it is and in the what-if (the same without one).
fn pane_risks(a: &App) -> (f64, f64) {
    let p = a.pages.seller.as_ref().unwrap().pane.as_ref().unwrap();
    let base = p.base.explanation.as_ref().unwrap().risk;
    let edited = p
        .what_if
        .as_ref()
        .and_then(|w| w.edited.explanation.as_ref())
        .map_or(base, |x| x.risk);
    (base, edited)
}

#[test]
fn predict_explain_returns_contributions_that_add_up_to_the_risk() {
    let _ = app(); // the models are trained and registered in the data copy
    let dir = data_copy().to_str().unwrap();
    let order = r#"{"Product_Category":"Footwear","Product_Price":41.38,"Discount_Applied":10,"Delivery_Time_Days":9,"Customer_Type":"New","Payment_Method":"COD","Customer_Return_Rate":0.4,"Product_Rating":2.1}"#;
    let out = common::run_on(
        dir,
        &["predict", "--order", order, "--seller", "S023", "--explain"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let risk = v["risk_score"].as_f64().unwrap();
    let x = &v["explanation"];
    let total = x["expected"].as_f64().unwrap()
        + x["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["contribution"].as_f64().unwrap())
            .sum::<f64>();
    assert!((total - risk).abs() < 1e-9, "{total} vs {risk}");
    assert_eq!(x["risk"].as_f64(), Some(risk));
    // Largest magnitude first.
    let mags: Vec<f64> = x["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contribution"].as_f64().unwrap().abs())
        .collect();
    assert!(mags.windows(2).all(|w| w[0] >= w[1]), "{mags:?}");
    // --explain needs --order.
    let out = common::run_on(dir, &["predict", "--explain", "--out", "-"]);
    assert!(!out.status.success());
}

#[test]
fn seller_drivers_are_mean_contributions_against_the_marketplace() {
    use returnrisk_tui::engine::contrib::{contribution_drivers, samples};
    let a = app();
    let e = &a.engine;
    let ds = &e.data;
    let models = e.models.as_ref().unwrap();
    let risk = &e.scores.as_ref().unwrap().risk;
    let si = ds.seller_index("S023").unwrap();
    let last = e.cube.last_day;
    let (own, market) = samples(ds, si, last - 29, last);
    assert!(own.len() <= 60 && market.len() <= 120 && !own.is_empty());
    assert!(own.iter().all(|&i| ds.orders.seller[i] as usize == si));
    let d = contribution_drivers(ds, models, si, &own, &market).unwrap();
    assert_eq!(d.marketplace_id, "M002");
    // Per feature, the seller's mean of its orders' contributions, computed one by one.
    for x in &d.drivers {
        let mean = |orders: &[usize]| {
            orders
                .iter()
                .map(|&i| {
                    let why = e.explain_order(i, None).unwrap().explanation.unwrap();
                    why.contributions
                        .iter()
                        .find(|c| c.feature == x.feature)
                        .unwrap()
                        .contribution
                })
                .sum::<f64>()
                / orders.len() as f64
        };
        assert!((x.value - mean(&own)).abs() < 1e-12, "{}", x.feature);
        assert!((x.difference - (x.value - x.reference)).abs() < 1e-15);
    }
    // The features' means add up to the mean risk above the expected value.
    let expected = e
        .explain_order(own[0], None)
        .unwrap()
        .explanation
        .unwrap()
        .expected;
    let mean_risk = own.iter().map(|&i| risk[i]).sum::<f64>() / own.len() as f64;
    let total: f64 = d.drivers.iter().map(|x| x.value).sum();
    assert!((total - (mean_risk - expected)).abs() < 1e-9);
    // The drivers and the models' baselines add up to the gap between the seller's mean risk
    // and its marketplace's, both recomputed from the scores.
    let market_risk = market.iter().map(|&i| risk[i]).sum::<f64>() / market.len() as f64;
    assert!((d.gap - (mean_risk - market_risk)).abs() < 1e-12);
    let parts: f64 = d.drivers.iter().map(|x| x.difference).sum();
    assert!((d.baseline + parts - d.gap).abs() < 1e-9, "{d:?}");
    // Largest difference first.
    assert!(
        d.drivers
            .windows(2)
            .all(|w| w[0].difference.abs() >= w[1].difference.abs())
    );
}

#[test]
fn the_drill_down_asks_for_its_drivers_once_and_shows_them_in_the_why_panel() {
    use returnrisk_tui::engine::Window;
    use returnrisk_tui::engine::contrib::{contribution_drivers, samples};
    use returnrisk_tui::tui::action::Effect;
    let mut a = app();
    let fx = a.update(Action::Command(Command::GoTab(
        returnrisk_tui::tui::tab::Tab::Sellers,
    )));
    assert!(fx.is_empty());
    a.open_seller("S023");
    let fx = a.update(Action::Tick);
    let asked = Effect::SellerDrivers {
        seller: "S023".into(),
        window: Window::Days(30),
        rising: false,
    };
    assert_eq!(fx, vec![asked]);
    // Asked once: the next action asks nothing more.
    assert!(a.update(Action::Tick).is_empty());
    // While they are computed, the panel says so (and shows no other drivers in the meantime).
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains("computing what explains the gap"),
        "{screen}"
    );
    assert!(!screen.contains("drivers: "), "{screen}");
    // The job's answer replaces the model's drivers with the seller's against M002.
    let e = &a.engine;
    let si = e.data.seller_index("S023").unwrap();
    let last = e.cube.last_day;
    let (own, market) = samples(&e.data, si, last - 29, last);
    let d = contribution_drivers(&e.data, e.models.as_ref().unwrap(), si, &own, &market);
    let top = d.as_ref().unwrap().drivers[0].clone();
    a.update(Action::SellerDrivers(
        "S023".into(),
        Window::Days(30),
        d.map(Box::new),
    ));
    let screen = render(&a, 120, 40);
    let words = format!(
        "{} {}",
        returnrisk_tui::text::signed(100.0 * top.difference, 1),
        top.feature
    );
    assert!(screen.contains("vs M002: gap "), "{screen}");
    assert!(screen.contains(&words), "{words}\n{screen}");
    assert!(screen.contains("the other "), "{screen}");
    // Another window asks again; an answer for a window no longer shown is dropped.
    let fx = a.update(Action::Command(Command::Window));
    assert!(matches!(
        fx.as_slice(),
        [Effect::SellerDrivers {
            window: Window::Days(90),
            ..
        }]
    ));
    a.update(Action::SellerDrivers("S023".into(), Window::Days(30), None));
    assert!(render(&a, 120, 40).contains("computing what explains the gap"));
}

#[test]
fn a_rising_sellers_change_is_explained_by_drivers_that_add_up_to_it() {
    use returnrisk_tui::engine::contrib::{change_samples, halves, risk_change};
    let a = app();
    let e = &a.engine;
    let ds = &e.data;
    let risk = &e.scores.as_ref().unwrap().risk;
    let si = ds.seller_index("S026").unwrap();
    let last = e.cube.last_day;
    let (start, end) = (last - 29, last);
    let (earlier, recent) = change_samples(ds, si, start, end);
    let ((a0, a1), (b0, b1)) = halves(start, end);
    assert_eq!((a1 + 1, b1 - b0 + 1, a1 - a0 + 1), (b0, 15, 15));
    assert!(!earlier.is_empty() && !recent.is_empty());
    let day = |i: usize| ds.orders.day[i];
    assert!(
        earlier
            .iter()
            .all(|&i| ds.orders.seller[i] as usize == si && (a0..=a1).contains(&day(i)))
    );
    assert!(
        recent
            .iter()
            .all(|&i| ds.orders.seller[i] as usize == si && (b0..=b1).contains(&day(i)))
    );
    let c = risk_change(
        ds,
        e.models.as_ref().unwrap(),
        (start, end),
        &earlier,
        &recent,
    )
    .unwrap();
    // The change is the recent mean risk minus the earlier one, recomputed from the scores,
    // and the drivers with the baselines add up to it.
    let mean = |v: &[usize]| v.iter().map(|&i| risk[i]).sum::<f64>() / v.len() as f64;
    assert!(
        (c.change - (mean(&recent) - mean(&earlier))).abs() < 1e-12,
        "{c:?}"
    );
    let parts: f64 = c.drivers.iter().map(|x| x.difference).sum();
    assert!((c.baseline + parts - c.change).abs() < 1e-9, "{c:?}");
    // S026's risk rose over the window (its alert says +26.9 points per 30 days).
    assert!(c.change > 0.05, "{c:?}");
    assert_eq!(c.recent.0, returnrisk_tui::data::day_string(b0));
}

#[test]
fn the_why_panel_of_a_rising_seller_explains_its_change() {
    use returnrisk_tui::engine::Window;
    use returnrisk_tui::engine::contrib::{
        change_samples, contribution_drivers, risk_change, samples,
    };
    use returnrisk_tui::tui::action::Effect;
    let mut a = app();
    a.open_seller("S026");
    let fx = a.update(Action::Tick);
    let asked = Effect::SellerDrivers {
        seller: "S026".into(),
        window: Window::Days(30),
        rising: true,
    };
    assert_eq!(fx, vec![asked]);
    let e = &a.engine;
    let (ds, models) = (&e.data, e.models.as_ref().unwrap());
    let si = ds.seller_index("S026").unwrap();
    let last = e.cube.last_day;
    let (own, market) = samples(ds, si, last - 29, last);
    let mut d = contribution_drivers(ds, models, si, &own, &market).unwrap();
    let (earlier, recent) = change_samples(ds, si, last - 29, last);
    d.change = risk_change(ds, models, (last - 29, last), &earlier, &recent);
    let top = d.change.as_ref().unwrap().drivers[0].clone();
    a.update(Action::SellerDrivers(
        "S026".into(),
        Window::Days(30),
        Some(Box::new(d)),
    ));
    // In full at 120x40; at 80x24 the rules that do not fire share a line and the change's
    // headline still shows.
    let screen = render(&a, 120, 40);
    let words = format!(
        "{} {}",
        returnrisk_tui::text::signed(100.0 * top.difference, 1),
        top.feature
    );
    assert!(screen.contains("change: +"), "{screen}");
    assert!(screen.contains(&words), "{words}\n{screen}");
    let screen = render(&a, 80, 24);
    assert!(screen.contains("change: +"), "{screen}");
    assert!(
        screen.contains("not fired: COD share, Rating, Mean risk"),
        "{screen}"
    );
}

#[test]
fn the_what_if_keeps_every_number_within_the_values_the_data_holds() {
    use returnrisk_tui::engine::order::Stepper;
    let mut a = app();
    a.open_seller("S023");
    press(&mut a, Command::Open);
    press(&mut a, Command::WhatIf);
    let features = {
        let p = a.pages.seller.as_ref().unwrap().pane.as_ref().unwrap();
        p.what_if.as_ref().unwrap().features.clone()
    };
    let ds = a.engine.data.clone();
    for (k, feature) in features.iter().enumerate() {
        if k > 0 {
            press(&mut a, Command::WhatIfNext);
        }
        let Stepper::Number { min, max, .. } = feature.stepper else {
            continue;
        };
        // The range is the column's own, found by a scan here.
        let f = ds.feature_index(&feature.name).unwrap();
        let values: Vec<f64> = (0..ds.orders.len())
            .filter_map(|i| ds.number(f, i))
            .collect();
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((min, max), (lo, hi), "{}", feature.name);
        // Far past both ends: the value stops there and the status line says why.
        for (dir, end) in [(Command::WhatIfMore, hi), (Command::WhatIfLess, lo)] {
            let value = |a: &App| {
                let p = a.pages.seller.as_ref().unwrap().pane.as_ref().unwrap();
                let w = p.what_if.as_ref().unwrap();
                w.edited.values.values.get(&feature.name).cloned()
            };
            for _ in 0..5000 {
                let before = value(&a);
                press(&mut a, dir);
                if value(&a) == before {
                    break;
                }
            }
            let p = a.pages.seller.as_ref().unwrap().pane.as_ref().unwrap();
            let w = p.what_if.as_ref().unwrap();
            assert_eq!(w.field, k);
            assert_eq!(
                w.edited.values.values.get(&feature.name),
                Some(&OrderValue::Number(end)),
                "{}",
                feature.name
            );
            let said = a.status.message.clone().unwrap_or_default();
            assert!(
                said.starts_with(&format!(
                    "{} stays within the values the data holds",
                    feature.name
                )),
                "{said}"
            );
        }
    }
}

#[test]
fn the_order_pane_says_whether_the_model_trained_on_the_order() {
    use returnrisk_tui::engine::order::ModelSide;
    let a = app();
    let e = &a.engine;
    let models = e.models.as_ref().unwrap();
    // A seller scored by its own model: the orders the pane calls "in the training set" are
    // as many as the trainer says it trained on, and the holdout ones as many as it tested.
    let (seller, own) = models
        .sellers
        .iter()
        .find(|(_, m)| m.active)
        .expect("the demo data has a seller model that scores");
    let s = e.data.seller_index(seller).unwrap() as u32;
    let (mut trained, mut held, mut unlabelled) = (0, 0, 0);
    let mut example = None;
    for i in (0..e.data.orders.len()).filter(|&i| e.data.orders.seller[i] == s) {
        match e.explain_order(i, None).unwrap().side {
            ModelSide::Training { exact } => {
                assert!(exact, "the models were trained on this data");
                trained += 1;
                example.get_or_insert(i);
            }
            ModelSide::Holdout => held += 1,
            ModelSide::Unlabelled => unlabelled += 1,
        }
    }
    assert_eq!(
        (trained, held),
        (own.metrics.n_train, own.metrics.n_test),
        "{seller}"
    );
    assert!(unlabelled > 0, "the demo data has pending orders");
    // The pane shows it.
    let mut a = a;
    let id = a.engine.data.orders.id[example.unwrap()].to_string();
    a.update(Action::Command(Command::Palette));
    common::dashboard::type_text(&mut a, &format!("order {id}"));
    a.update(Action::Command(Command::EditDone));
    press(&mut a, Command::Open);
    let screen = render(&a, 120, 40);
    assert!(
        screen.contains("in the training set: this risk is in-sample"),
        "{screen}"
    );
}
