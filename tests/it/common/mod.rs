//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod dashboard;
pub mod server;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Leaves the first (oldest, labelled) order out of `dir`'s orders.csv: data that trains
/// other forests, for tests that need a second model version (the same data trained again
/// registers nothing new).
pub fn drop_first_order(dir: &Path) {
    let orders = dir.join("orders.csv");
    let text = std::fs::read_to_string(&orders).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(1);
    std::fs::write(&orders, lines.join("\n") + "\n").unwrap();
}

/// The global model's entry in `train --format json`'s answer.
pub fn trained_global(train: &serde_json::Value) -> serde_json::Value {
    let models = train["models"].as_array().expect("models");
    models
        .iter()
        .find(|m| m["model"] == "global")
        .expect("global")
        .clone()
}

/// The built binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
}

/// Runs the binary with `args`.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

/// `args` followed by `--data DATA` (a global flag: valid after any subcommand).
pub fn with_data<'a>(args: &[&'a str], data: &'a str) -> Vec<&'a str> {
    let mut full = args.to_vec();
    full.extend(["--data", data]);
    full
}

/// Runs the binary with `args` on data directory `data`.
pub fn run_on(data: &str, args: &[&str]) -> Output {
    run(&with_data(args, data))
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Header of a valid orders.csv.
pub const ORDERS_HEADER: &str = "Order_ID,Product_Category,Product_Price,Discount_Applied,Delivery_Time_Days,Customer_Type,Payment_Method,Customer_Return_Rate,Product_Rating,Returned,seller_id,marketplace_id,order_timestamp";

/// Three valid order rows (lines 2-4 of the file).
pub const VALID_ROWS: [&str; 3] = [
    "O1,Clothing,40.00,10,3,New,COD,0.100,4.1,1,S1,M1,2026-03-01",
    "O2,Books,12.50,0,2,Returning,UPI,0.050,4.8,0,S1,M1,2026-03-02T10:00:00",
    "O3,Home,80.00,0,5,returning,card,0.200,3.2,,S2,M2,2026-03-03",
];

/// A valid sellers.csv.
pub const SELLERS: &str =
    "seller_id,seller_name,marketplace_id\nS1,First Seller,M1\nS2,Second Seller,M2\n";

/// Writes a dataset directory with `orders` text and the standard sellers.
pub fn write_dataset(dir: &Path, orders: &str) -> PathBuf {
    std::fs::write(dir.join("sellers.csv"), SELLERS).expect("write sellers");
    std::fs::write(dir.join("orders.csv"), orders).expect("write orders");
    dir.to_path_buf()
}

/// The valid orders with one extra row appended (as line 5).
pub fn orders_with(extra: &str) -> String {
    format!("{ORDERS_HEADER}\n{}\n{extra}\n", VALID_ROWS.join("\n"))
}

/// A small generated dataset (6,000 orders, 8 sellers, 100 days, seed 3) in a fresh temp dir.
pub fn small_data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(&[
        "generate",
        "--out",
        p(dir.path()),
        "--orders",
        "6000",
        "--sellers",
        "8",
        "--days",
        "100",
        "--seed",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// Runs the binary, asserts success, parses stdout as JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

/// A path as &str.
pub fn p(dir: &Path) -> &str {
    dir.to_str().expect("utf-8 path")
}

/// Copies the run store and registry (`.returnrisk/`) of data directory `from` into `to`.
pub fn copy_state(from: &Path, to: &Path) {
    let out = Command::new("cp")
        .arg("-r")
        .arg(from.join(".returnrisk"))
        .arg(to)
        .output()
        .expect("cp runs");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The demo data with its models trained and registered once per test binary.
pub fn trained_demo() -> &'static PathBuf {
    static BASE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        use returnrisk_tui::data::{LoadOptions, load_dir};
        use returnrisk_tui::model::TrainConfig;
        let dir = tempfile::tempdir().unwrap().keep();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        for f in ["orders.csv", "sellers.csv"] {
            std::fs::copy(src.join(f), dir.join(f)).unwrap();
        }
        let (ds, _) = load_dir(&dir, &LoadOptions::default()).unwrap();
        returnrisk_tui::model::store::load_or_train(&ds, &TrainConfig::default(), false, &|_| {})
            .unwrap();
        dir
    })
}

/// A private copy of [`trained_demo`]: data, runs and registry.
pub fn trained_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["orders.csv", "sellers.csv"] {
        std::fs::copy(trained_demo().join(f), dir.path().join(f)).unwrap();
    }
    copy_state(trained_demo(), dir.path());
    dir
}

/// Checks each seller's trend margin is Student's t with days - 2 degrees of freedom times
/// the standard error (never below two), and none with orders on fewer than
/// `TREND_MIN_DAYS` days; returns how many sellers have a margin and how many have a slope
/// but too few days for one.
pub fn check_trend_margins(s: &returnrisk_tui::engine::Snapshot) -> (usize, usize) {
    use returnrisk_tui::engine::stats::{TREND_MIN_DAYS, t95};
    let (mut shown, mut too_few) = (0, 0);
    for seller in &s.sellers {
        let g = &seller.stats;
        let expected = g
            .risk_slope_se
            .filter(|_| seller.active_days >= TREND_MIN_DAYS)
            .map(|se| t95(seller.active_days - 2) * se);
        match (g.risk_slope_margin, expected) {
            (Some(m), Some(e)) => {
                assert!(
                    (m - e).abs() <= 1e-12 * e.max(1e-12),
                    "{}",
                    seller.seller_id
                );
                assert!(m >= 2.0 * g.risk_slope_se.unwrap_or(f64::NAN));
                shown += 1;
            }
            (None, None) => too_few += usize::from(g.risk_slope_se.is_some()),
            other => panic!("{}: {other:?}", seller.seller_id),
        }
    }
    (shown, too_few)
}
