//! `import olist` on the real 3,000-order sample in ../shared/data/olist-sample (tests that
//! need it skip, saying so, when it is absent) and on small hand-made tables: the grain,
//! the label, the exclusions, causal features, file-name and encoding quirks.

use crate::common;
use common::*;
use returnrisk_tui::import::olist::build::{ImportRow, build};
use returnrisk_tui::import::olist::tables::{OlistTables, read_tables};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The shared sample, or `None` (with a note) when this checkout has no ../shared.
fn sample() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/olist-sample");
    if dir.join("olist_orders_dataset.csv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

/// Simple CSV lines of a file without quoted fields: the cells of each data row.
fn plain_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn one_row_per_order_and_seller_and_prices_add_up_to_the_items_table() {
    let Some(src) = sample() else { return };
    let t = read_tables(&src).unwrap();
    let built = build(&t);
    let rows = &built.rows;
    let mut pairs = HashSet::new();
    let mut ids = HashSet::new();
    for r in rows {
        assert!(
            pairs.insert((r.order_id.clone(), r.seller.clone())),
            "{r:?}"
        );
        assert!(ids.insert(r.id.clone()), "{}", r.id);
    }
    // Independently: the items file (no quoted fields) summed per kept order.
    let kept: HashSet<&str> = rows.iter().map(|r| r.order_id.as_str()).collect();
    let items = plain_rows(&src.join("olist_order_items_dataset.csv"));
    let expected: f64 = items
        .iter()
        .filter(|c| kept.contains(c[0].as_str()))
        .map(|c| c[5].parse::<f64>().unwrap())
        .sum();
    let got: f64 = rows.iter().map(|r| r.price).sum();
    assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
    let n_items = items
        .iter()
        .filter(|c| kept.contains(c[0].as_str()))
        .count();
    assert_eq!(
        rows.iter().map(|r| r.items as usize).sum::<usize>(),
        n_items
    );
    // Split orders show it in their ids.
    let split: Vec<&ImportRow> = rows.iter().filter(|r| r.id != r.order_id).collect();
    assert!(!split.is_empty());
    for r in &split {
        assert!(r.id.starts_with(&format!("{}-", r.order_id)), "{}", r.id);
    }
    assert_eq!(built.counts.rows, rows.len());
    assert_eq!(
        built.counts.orders_split,
        split
            .iter()
            .map(|r| &r.order_id)
            .collect::<HashSet<_>>()
            .len()
    );
}

#[test]
fn canceled_and_unavailable_orders_are_excluded_and_counted() {
    let Some(src) = sample() else { return };
    let built = build(&read_tables(&src).unwrap());
    let orders = plain_rows(&src.join("olist_orders_dataset.csv"));
    for status in ["canceled", "unavailable"] {
        let n = orders.iter().filter(|c| c[2] == status).count();
        let counted = built
            .counts
            .excluded
            .iter()
            .find(|e| e.reason == format!("order status {status}"))
            .map_or(0, |e| e.count);
        assert_eq!(counted, n, "{status}");
        assert!(n > 0, "the sample has {status} orders");
    }
    let excluded: usize = built.counts.excluded.iter().map(|e| e.count).sum();
    assert_eq!(
        built.counts.orders_kept + excluded,
        built.counts.orders_read
    );
}

#[test]
fn the_latest_review_labels_and_no_review_is_unknown() {
    let Some(src) = sample() else { return };
    let t = read_tables(&src).unwrap();
    let built = build(&t);
    // Recomputed here from the review rows: the latest by creation date, then review id.
    let mut latest: HashMap<&str, (chrono::NaiveDateTime, &str, u8)> = HashMap::new();
    for r in &t.reviews {
        let cand = (r.created, r.id.as_str(), r.score);
        let cur = latest.entry(&r.order).or_insert(cand);
        if (cand.0, cand.1) > (cur.0, cur.1) {
            *cur = cand;
        }
    }
    let mut several = 0;
    for r in &built.rows {
        let expected = latest.get(r.order_id.as_str()).map(|l| l.2 <= 2);
        assert_eq!(r.bad_review, expected, "{}", r.id);
        several += usize::from(t.reviews.iter().filter(|x| x.order == r.order_id).count() > 1);
    }
    assert!(several > 0, "the sample has orders with several reviews");
    assert!(built.rows.iter().any(|r| r.bad_review.is_none()));
    assert_eq!(built.counts.repeated_review_ids, 1);
}

/// The tables cut at `cut`: what an import run at that moment would have seen (orders
/// placed before it, reviews created before it, deliveries made before it).
fn cut_at(t: &OlistTables, cut: chrono::NaiveDateTime) -> OlistTables {
    let mut c = t.clone();
    c.orders.retain(|o| o.purchased < cut);
    for o in &mut c.orders {
        if o.delivered.is_some_and(|d| d >= cut) {
            o.delivered = None;
        }
    }
    let kept: HashSet<String> = c.orders.iter().map(|o| o.id.clone()).collect();
    c.reviews
        .retain(|r| r.created < cut && kept.contains(&r.order));
    c.items.retain(|i| kept.contains(&i.order));
    c.payments.retain(|o, _| kept.contains(o));
    c
}

#[test]
fn features_never_look_past_the_purchase() {
    let Some(src) = sample() else { return };
    let t = read_tables(&src).unwrap();
    let full = build(&t);
    let by_id: HashMap<&str, &ImportRow> = full.rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let delivered: HashMap<&str, Option<chrono::NaiveDateTime>> = t
        .orders
        .iter()
        .map(|o| (o.id.as_str(), o.delivered))
        .collect();
    let mut compared = 0;
    for cut in [
        "2017-06-01 00:00:00",
        "2018-01-01 00:00:00",
        "2018-05-15 00:00:00",
    ] {
        let cut = returnrisk_tui::import::olist::tables::parse_timestamp(cut).unwrap();
        let early = build(&cut_at(&t, cut));
        assert!(!early.rows.is_empty());
        for r in &early.rows {
            let f = &by_id[r.id.as_str()];
            assert_eq!(
                (&r.category, r.price, r.freight, r.items),
                (&f.category, f.price, f.freight, f.items)
            );
            let (mut a, mut b) = (r.features.clone(), f.features.clone());
            // A delivery after the cut was not known then: only those fields differ.
            if delivered[r.order_id.as_str()].is_some_and(|d| d >= cut) {
                (a.delivery_days, a.days_late) = (None, None);
                (b.delivery_days, b.days_late) = (None, None);
            }
            assert_eq!(a, b, "{} at {cut}", r.id);
            compared += 1;
        }
    }
    assert!(compared > 3000, "{compared}");
    // The history is real: some rows have an earlier product score.
    assert!(
        full.rows
            .iter()
            .any(|r| r.features.product_mean_score.is_some())
    );
}

/// A tiny Olist dataset: one person orders three times, reviews in between.
fn tiny(dir: &Path) {
    let files = [
        (
            "olist_orders_dataset.csv",
            "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date\n\
             o1,c1,delivered,2018-01-01 10:00:00,,,2018-01-05 10:00:00,2018-01-10 00:00:00\n\
             o2,c2,delivered,2018-02-01 10:00:00,,,2018-02-15 10:00:00,2018-02-10 10:00:00\n\
             o3,c3,shipped,2018-03-01 10:00:00,,,,2018-03-20 00:00:00\n\
             o4,c4,canceled,2018-03-02 10:00:00,,,,2018-03-20 00:00:00\n",
        ),
        (
            "olist_customers_dataset.csv",
            "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state\n\
             c1,p1,1,x,SP\nc2,p1,1,x,SP\nc3,p1,1,x,SP\nc4,p2,1,x,RJ\n",
        ),
        (
            "olist_order_items_dataset.csv",
            "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n\
             o1,1,pA,s1,,10.00,1.00\no2,1,pA,s1,,20.00,2.00\no2,2,pB,s2,,5.00,0.50\n\
             o3,1,pA,s1,,30.00,3.00\no4,1,pA,s1,,40.00,4.00\n",
        ),
        (
            "olist_order_payments_dataset.csv",
            "order_id,payment_sequential,payment_type,payment_installments,payment_value\n\
             o1,1,credit_card,3,11.00\no2,1,voucher,1,5.00\no2,2,boleto,1,22.50\no3,1,credit_card,2,33.00\n",
        ),
        (
            "olist_order_reviews_dataset.csv",
            "review_id,order_id,review_score,review_comment_title,review_comment_message,review_creation_date,review_answer_timestamp\n\
             r1,o1,1,,\"bad,\nvery bad\",2018-01-06 00:00:00,\n\
             r2,o2,5,,,2018-02-16 00:00:00,\n\
             r3,o2,2,,,2018-02-20 00:00:00,\n",
        ),
        (
            "olist_products_dataset.csv",
            "product_id,product_category_name,product_name_lenght\npA,beleza_saude,1\npB,,1\n",
        ),
        (
            "olist_sellers_dataset.csv",
            "seller_id,seller_zip_code_prefix,seller_city,seller_state\ns1,1,sao paulo,SP\ns2,1,rio,RJ\n",
        ),
        (
            "product_category_name_translation.csv",
            "\u{feff}product_category_name,product_category_name_english\nbeleza_saude,health_beauty\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn known_values_on_hand_made_tables() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path());
    let built = build(&read_tables(dir.path()).unwrap());
    let row = |id: &str| built.rows.iter().find(|r| r.id == id).unwrap().clone();
    let o1 = row("o1");
    assert!(o1.features.new_customer);
    assert_eq!(o1.features.customer_bad_review_rate, None);
    assert_eq!(o1.features.product_mean_score, None);
    assert_eq!(o1.features.delivery_days, Some(4.0));
    assert_eq!(o1.features.days_late, Some(-4.583));
    assert_eq!(o1.bad_review, Some(true));
    assert_eq!(o1.category, "health_beauty");
    // o2 splits into two rows; its largest payment is the boleto; p1's earlier review (r1,
    // bad) counts, o2's own reviews never do; the latest of them (r3, score 2) labels it.
    let (a, b) = (row("o2-1"), row("o2-2"));
    assert_eq!((a.seller.as_str(), b.seller.as_str()), ("s1", "s2"));
    assert_eq!((a.price, b.price), (20.0, 5.0));
    assert_eq!(b.category, "unknown");
    assert!(!a.features.new_customer);
    assert_eq!(a.features.payment_type, "boleto");
    assert_eq!(a.features.customer_bad_review_rate, Some(1.0));
    assert_eq!(a.features.product_mean_score, Some(1.0));
    assert_eq!(a.bad_review, Some(true));
    assert_eq!(a.features.days_late, Some(5.0));
    assert!(a.features.same_state && !b.features.same_state);
    assert_eq!((a.features.region, b.features.region), ("SE", "SE"));
    // o3: not delivered, no review (pending); reviews r1, r2, r3 all came before it.
    let o3 = row("o3");
    assert_eq!(o3.features.delivery_days, None);
    assert_eq!(o3.bad_review, None);
    assert_eq!(o3.features.customer_bad_review_rate, Some(2.0 / 3.0));
    assert_eq!(o3.features.product_mean_score, Some(8.0 / 3.0));
    // o4 is canceled.
    assert!(built.rows.iter().all(|r| r.order_id != "o4"));
    assert_eq!(built.counts.excluded[0].reason, "order status canceled");
}

#[test]
fn the_command_writes_a_data_directory_and_never_overwrites_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    tiny(&src);
    // File names without the `_dataset` suffix are found too.
    std::fs::rename(
        src.join("olist_orders_dataset.csv"),
        src.join("olist_orders.csv"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let args = ["import", "olist", p(&src), "--out", p(&out)];
    let counts = json(&args);
    assert_eq!(counts["counts"]["rows"], 4);
    assert_eq!(counts["counts"]["rows_without_review"], 1);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("import.json")).unwrap()).unwrap();
    assert_eq!(
        record["label"],
        "bad review (score <= 2), a proxy for a return"
    );
    assert_eq!(record["files"].as_array().unwrap().len(), 8);
    assert_eq!(record["files"][0]["table"], "orders");
    assert_eq!(
        record["files"][0]["bytes"],
        std::fs::metadata(src.join("olist_orders.csv"))
            .unwrap()
            .len()
    );
    let orders = std::fs::read_to_string(out.join("orders.csv")).unwrap();
    assert_eq!(orders.lines().count(), 5);
    assert!(out.join("schema.toml").is_file() && out.join("sellers.csv").is_file());
    let again = run(&args);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already holds data (--force replaces it)"));
    let parquet = run(&[
        "import",
        "olist",
        p(&src),
        "--out",
        p(&out),
        "--force",
        "--format",
        "parquet",
    ]);
    assert!(parquet.status.success(), "{}", stderr(&parquet));
    assert!(out.join("orders.parquet").is_file());
}

#[test]
fn every_command_opens_the_imported_sample_with_its_label_said() {
    let Some(src) = sample() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("olist");
    json(&["import", "olist", p(&src), "--out", p(&out)]);
    let data = p(&out);
    let report = json(&["report", "--format", "json", "--data", data]);
    assert_eq!(
        report["label_definition"],
        "bad review (score <= 2), a proxy for a return"
    );
    assert_eq!(report["as_of"], "2018-08-27");
    assert_eq!(report["total_orders"], 3007);
    assert!(report["mean_risk"].as_f64().is_some());
    // Regions are the marketplaces.
    let regions: HashSet<&str> = report["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["marketplace_id"].as_str().unwrap())
        .collect();
    assert!(
        regions
            .iter()
            .all(|r| ["N", "NE", "CO", "SE", "S"].contains(r)),
        "{regions:?}"
    );
    let table = run(&["report", "--data", data]);
    assert!(stdout(&table).contains("Label: bad review (score <= 2), a proxy for a return"));
    // The model trained on the Olist features, evaluated on a time split.
    let trained = json(&["train", "--format", "json", "--data", data]);
    let global = &trained["models"][0];
    assert_eq!(global["model"], "global");
    let auc = global["roc_auc"].as_f64().unwrap();
    assert!(auc > 0.6, "{auc}");
    let run_id = trained["run_id"].as_str().unwrap();
    let shown = json(&["runs", "show", run_id, "--format", "json", "--data", data]);
    let features: Vec<&str> = shown["run"]["params"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(features.contains(&"days_late") && features.contains(&"payment_type"));
    // Drift over the dataset's own columns; a seller's COD rule is not applicable.
    let drift = json(&["drift", "--format", "json", "--data", data]);
    let columns: Vec<&str> = drift["scopes"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["column"].as_str().unwrap())
        .collect();
    assert!(columns.contains(&"freight") && columns.contains(&"predicted_risk"));
    let seller = report["sellers"][0]["seller_id"].as_str().unwrap();
    let detail = json(&["seller", seller, "--format", "json", "--data", data]);
    let cod = detail["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rule"] == "cod_share")
        .unwrap();
    assert_eq!(cod["applicable"], false);
    assert_eq!(cod["triggered"], false);
}

#[test]
fn a_bad_schema_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let schema = returnrisk_dataset_with_schema(dir.path(), r#""Product_Price", "Returned""#);
    let out = run(&["report", "--data", p(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "error: {}: features.numeric: \"Returned\" is the label: a feature must not be the answer",
            schema.display()
        )
    );
}

#[test]
fn the_benchmark_resamples_imports_and_quantifies_the_leak() {
    let Some(src) = sample() else { return };
    let out = json(&["bench", "--olist", p(&src), "--olist-orders", "20000"]);
    // 20,000 resampled orders: about as many rows (a few orders split, a few excluded).
    let rows = out["import"]["rows"].as_u64().unwrap();
    assert!((19_000..=20_500).contains(&rows), "{rows}");
    assert!(out["import"]["seconds"].as_f64().unwrap() > 0.0);
    let e = &out["evaluation"];
    let auc = |k: &str| e[k]["roc_auc"].as_f64().unwrap();
    let (lo, hi) = (
        e["honest"]["roc_auc_95"][0].as_f64().unwrap(),
        e["honest"]["roc_auc_95"][1].as_f64().unwrap(),
    );
    assert!(lo < auc("honest") && auc("honest") < hi);
    // Copies of one order on both sides of a random split flatter the model.
    assert!(auc("leaky") > auc("honest"), "{e}");
    assert!(e["fan_out_rows"].as_u64().unwrap() > out["sample"]["rows"].as_u64().unwrap());
}

#[test]
fn a_schema_column_the_file_lacks_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let schema = returnrisk_dataset_with_schema(dir.path(), r#""Product_Price", "Freight""#);
    let out = run(&["report", "--data", p(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "error: {}: features.numeric: column \"Freight\" is not in orders.csv (its columns are read case-insensitively)",
            schema.display()
        )
    );
    // The same schema without the bad column loads the ReturnRisk file as a custom dataset.
    std::fs::write(
        &schema,
        std::fs::read_to_string(&schema)
            .unwrap()
            .replace(", \"Freight\"", ""),
    )
    .unwrap();
    let ok = run(&["report", "--format", "json", "--data", p(dir.path())]);
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn empty_feature_values_are_counted_not_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    tiny(&src);
    let out = dir.path().join("out");
    json(&["import", "olist", p(&src), "--out", p(&out)]);
    let (ds, report) = returnrisk_tui::data::load_dir(&out, &Default::default()).unwrap();
    assert_eq!(ds.orders.len(), 4);
    assert_eq!(report.skipped_rows, 0);
    let missing: HashMap<&str, usize> = report
        .missing
        .iter()
        .map(|(n, k)| (n.as_str(), *k))
        .collect();
    // o3 is not delivered; o1 has no earlier review of anything.
    assert_eq!(missing["delivery_days"], 1);
    assert_eq!(missing["days_late"], 1);
    assert_eq!(missing["customer_bad_review_rate"], 1);
    let f = ds.feature_index("delivery_days").unwrap();
    let o3 = ds.orders.id.iter().position(|id| id == "o3").unwrap();
    assert_eq!(ds.number(f, o3), None);
}

#[test]
fn a_model_trained_on_other_features_is_replaced_not_misread() {
    let Some(src) = sample() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("olist");
    json(&["import", "olist", p(&src), "--out", p(&out)]);
    let data = p(&out);
    json(&["train", "--format", "json", "--data", data]);
    let (full, _) = returnrisk_tui::data::load_dir(&out, &Default::default()).unwrap();
    // The user drops `freight` from the schema: the old encoder must not read another
    // column in its place.
    let schema = out.join("schema.toml");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(
        &schema,
        text.replace("\"price\", \"freight\",", "\"price\","),
    )
    .unwrap();
    let (less, _) = returnrisk_tui::data::load_dir(&out, &Default::default()).unwrap();
    let rows: Vec<usize> = (0..full.orders.len()).collect();
    let enc = returnrisk_tui::model::features::FeatureEncoder::fit(&full, &rows);
    assert!(enc.fits(&full) && !enc.fits(&less));
    let m = enc.encode_rows(&less, &rows);
    let j = enc
        .features
        .iter()
        .position(|f| f.name == "freight")
        .unwrap();
    let fill = match &enc.features[j].encoding {
        returnrisk_tui::model::features::Encoding::Number { fill, .. } => *fill,
        other @ returnrisk_tui::model::features::Encoding::Levels { .. } => panic!("{other:?}"),
    };
    assert!((0..m.rows()).all(|r| m.row(r)[j] == fill));
    // Training on the new schema replaces the old version, saying why.
    let trained = json(&["train", "--format", "json", "--data", data]);
    let decision = trained["models"][0]["decision"].as_str().unwrap();
    assert!(
        decision.contains("was trained on other features; replaced"),
        "{decision}"
    );
}

#[test]
fn a_numeric_feature_holding_text_names_the_schema_key() {
    let dir = tempfile::tempdir().unwrap();
    let schema = returnrisk_dataset_with_schema(dir.path(), r#""Product_Price", "Customer_Type""#);
    let out = run(&["report", "--data", p(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "error: {}: features.numeric: column \"Customer_Type\" holds no numbers (orders.csv:2: column 6 (Customer_Type): not a number: \"New\"); list it under features.categorical",
            schema.display()
        )
    );
}

/// The ReturnRisk test rows with a schema.toml whose numeric features are `numeric` (a TOML
/// list body); returns the schema's path.
fn returnrisk_dataset_with_schema(dir: &Path, numeric: &str) -> PathBuf {
    write_dataset(dir, &orders_with(common::VALID_ROWS[0]));
    let schema = dir.join("schema.toml");
    std::fs::write(
        &schema,
        format!(
            "version = 1\n[label]\ncolumn = \"Returned\"\n[columns]\norder_id = \"Order_ID\"\ntimestamp = \"order_timestamp\"\nseller = \"seller_id\"\ncategory = \"Product_Category\"\nprice = \"Product_Price\"\n[features]\nnumeric = [{numeric}]\n"
        ),
    )
    .unwrap();
    schema
}
