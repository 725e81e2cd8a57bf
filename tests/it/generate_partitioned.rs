//! `generate --partitioned`: the same orders as `orders.csv`, written as a warehouse export
//! would (`orders/day=YYYY-MM-DD/part-0.parquet`), and `generate --force` replacing the
//! orders in one form by the other (never both, which would shadow one another).

use crate::common;
use common::*;
use returnrisk_tui::data::{LoadOptions, load_dir};
use std::path::Path;

fn generate(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "generate",
        "--out",
        p(out),
        "--orders",
        "3000",
        "--seed",
        "9",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn partitioned_orders_are_the_csv_orders_one_part_per_day() {
    let (parts, csv) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = generate(parts.path(), &["--partitioned"]);
    let b = generate(csv.path(), &[]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout, "the same summary");
    assert!(!parts.path().join("orders.csv").exists());
    let days: Vec<String> = std::fs::read_dir(parts.path().join("orders"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(days.len(), 180, "{days:?}");
    assert!(days.iter().all(|d| d.starts_with("day=2026-")), "{days:?}");
    assert!(
        parts
            .path()
            .join("orders/day=2026-06-30/part-0.parquet")
            .is_file()
    );
    let opts = LoadOptions::default();
    let (from_parts, _) = load_dir(parts.path(), &opts).unwrap();
    let (from_csv, _) = load_dir(csv.path(), &opts).unwrap();
    assert_eq!(from_parts.orders.len(), 3000);
    assert_eq!(
        format!("{:?}", from_parts.orders),
        format!("{:?}", from_csv.orders)
    );
    assert_eq!(from_parts.categories, from_csv.categories);
    assert_ne!(from_parts.fingerprint, from_csv.fingerprint);

    // A partitioned table is data: not replaced without --force.
    for f in ["sellers.csv", "ground_truth.csv"] {
        std::fs::remove_file(parts.path().join(f)).unwrap();
    }
    let refused = generate(parts.path(), &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("/orders: "),
        "{}",
        stderr(&refused)
    );
    // With it, one form replaces the other.
    assert!(generate(parts.path(), &["--force"]).status.success());
    assert!(parts.path().join("orders.csv").is_file());
    assert!(!parts.path().join("orders").exists());
    assert!(
        generate(csv.path(), &["--force", "--partitioned"])
            .status
            .success()
    );
    assert!(!csv.path().join("orders.csv").exists());
    assert!(
        generate(csv.path(), &["--force", "--partitioned", "--days", "30"])
            .status
            .success()
    );
    let days = std::fs::read_dir(csv.path().join("orders"))
        .unwrap()
        .count();
    assert_eq!(days, 30, "the old parts are gone");
    let leftovers: Vec<_> = std::fs::read_dir(csv.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".returnrisk")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
