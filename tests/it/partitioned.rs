//! A data directory whose `orders/` is a Hive-partitioned Parquet dataset, written here with
//! polars (`day=YYYY-MM-DD/marketplace_id=M/part-0.parquet`, the marketplace only in the
//! path): it loads to exactly the orders a CSV of the same rows gives, a partition added is
//! picked up (the cache is not trusted), and a bad value is reported with its part file and row.

use polars::prelude::*;
use returnrisk_tui::data::cache::{Source, load};
use returnrisk_tui::data::load::LoadReport;
use returnrisk_tui::data::{Dataset, LoadError, LoadOptions, load_dir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The demo orders, typed as polars infers them from the CSV.
fn demo_orders() -> DataFrame {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/orders.csv");
    CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path))
        .unwrap()
        .finish()
        .unwrap()
}

/// The frame's rows grouped by (day, marketplace), in that order, each without the
/// marketplace column (it is in the path).
fn partitions(df: &DataFrame) -> BTreeMap<(String, String), DataFrame> {
    let ts = df.column("order_timestamp").unwrap().str().unwrap().clone();
    let mp = df.column("marketplace_id").unwrap().str().unwrap().clone();
    let mut keys: BTreeMap<(String, String), Vec<bool>> = BTreeMap::new();
    for (i, (t, m)) in ts.iter().zip(mp.iter()).enumerate() {
        let key = (t.unwrap()[..10].to_string(), m.unwrap().to_string());
        keys.entry(key).or_insert_with(|| vec![false; df.height()])[i] = true;
    }
    keys.into_iter()
        .map(|(k, mask)| {
            let mask = BooleanChunked::from_slice("mask".into(), &mask);
            let part = df.filter(&mask).unwrap().drop("marketplace_id").unwrap();
            (k, part)
        })
        .collect()
}

fn part_path(dir: &Path, (day, mp): &(String, String)) -> PathBuf {
    dir.join(format!(
        "orders/day={day}/marketplace_id={mp}/part-0.parquet"
    ))
}

fn write_part(dir: &Path, key: &(String, String), part: &DataFrame) {
    let path = part_path(dir, key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut part = part.clone();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut part)
        .unwrap();
    age(&path);
}

/// Dates a file an hour back, so the cache trusts its stamp.
fn age(path: &Path) {
    let then = SystemTime::now() - Duration::from_secs(3600);
    let file = std::fs::File::options().append(true).open(path).unwrap();
    file.set_modified(then).unwrap();
}

/// A directory with the demo sellers and these partitions as one `orders.csv`, in partition
/// order (the marketplace column back at the end).
fn csv_dir(parts: &[(&(String, String), &DataFrame)]) -> tempfile::TempDir {
    let d = with_sellers();
    let mut all: Option<DataFrame> = None;
    for ((_, mp), part) in parts {
        let mut part = (*part).clone();
        let col = StringChunked::full("marketplace_id".into(), mp, part.height());
        part.with_column(col.into_column()).unwrap();
        match &mut all {
            None => all = Some(part),
            Some(a) => {
                a.vstack_mut(&part).unwrap();
            }
        }
    }
    let mut all = all.unwrap();
    CsvWriter::new(std::fs::File::create(d.path().join("orders.csv")).unwrap())
        .finish(&mut all)
        .unwrap();
    d
}

fn with_sellers() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sellers.csv");
    std::fs::copy(src, d.path().join("sellers.csv")).unwrap();
    age(&d.path().join("sellers.csv"));
    d
}

/// Everything but where the data came from (directory, fingerprint of the bytes).
fn assert_same_data(got: &Dataset, want: &Dataset) {
    assert_eq!(got.orders.len(), want.orders.len());
    assert_eq!(got.orders, want.orders);
    assert_eq!(got.categories, want.categories);
    assert_eq!(got.sellers, want.sellers);
    assert_eq!(got.marketplaces, want.marketplaces);
}

#[test]
fn partitioned_parquet_loads_the_orders_a_csv_of_the_same_rows_gives() {
    let df = demo_orders();
    let parts = partitions(&df);
    assert!(parts.len() > 300, "{} partitions", parts.len());
    let d = with_sellers();
    for (key, part) in &parts {
        write_part(d.path(), key, part);
    }
    // Writers' markers and hidden files are not data.
    std::fs::write(d.path().join("orders/_SUCCESS"), "").unwrap();
    std::fs::write(d.path().join("orders/.part-0.parquet.crc"), "x").unwrap();
    let opts = LoadOptions::default();
    let (ds, report) = load_dir(d.path(), &opts).unwrap();
    let csv = csv_dir(&parts.iter().collect::<Vec<_>>());
    let (want, want_report) = load_dir(csv.path(), &opts).unwrap();
    assert_eq!(ds.orders.len(), df.height());
    assert_same_data(&ds, &want);
    assert_eq!(report.skipped_rows, want_report.skipped_rows);
    assert_ne!(
        ds.fingerprint, want.fingerprint,
        "other bytes, other fingerprint"
    );
    // The same through the cache, read back from it the second time.
    let (first, _, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Files);
    let (cached, _, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Cache);
    assert_eq!(cached, first);
    assert_eq!(first, ds);
}

#[test]
fn an_added_partition_is_picked_up_and_a_removed_one_dropped() {
    let df = demo_orders();
    let parts = partitions(&df);
    let last_day = parts.keys().last().unwrap().0.clone();
    let d = with_sellers();
    let (old, new): (Vec<_>, Vec<_>) = parts.iter().partition(|(k, _)| k.0 != last_day);
    for (key, part) in &old {
        write_part(d.path(), key, part);
    }
    let opts = LoadOptions::default();
    let (before, _, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Files);
    assert_eq!(load(d.path(), &opts).unwrap().2, Source::Cache);
    assert_same_data(&before, &load_dir(csv_dir(&old).path(), &opts).unwrap().0);
    // The last day arrives.
    for (key, part) in &new {
        write_part(d.path(), key, part);
    }
    let (after, _, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Appended, "a new partition is appended data");
    let all: Vec<_> = parts.iter().collect();
    assert_same_data(&after, &load_dir(csv_dir(&all).path(), &opts).unwrap().0);
    assert_eq!(
        after.orders.len(),
        before.orders.len() + new.iter().map(|(_, p)| p.height()).sum::<usize>()
    );
    // And is taken away again.
    std::fs::remove_dir_all(d.path().join(format!("orders/day={last_day}"))).unwrap();
    let (again, _, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Files);
    assert_same_data(&again, &before);
}

#[test]
fn problems_name_the_part_file_and_its_row() {
    let df = demo_orders();
    let parts = partitions(&df);
    let d = with_sellers();
    let mut keys = parts.keys();
    let (first, second) = (keys.next().unwrap().clone(), keys.next().unwrap().clone());
    write_part(d.path(), &first, &parts[&first]);
    // Row 2 of the second part has a price that is not a number.
    let mut bad = parts[&second].clone();
    let prices: Vec<String> = (0..bad.height())
        .map(|i| if i == 1 { "lots".into() } else { "10.5".into() })
        .collect();
    bad.with_column(Column::new("Product_Price".into(), prices))
        .unwrap();
    write_part(d.path(), &second, &bad);
    let (ds, report) = load_dir(d.path(), &LoadOptions::default()).unwrap();
    assert_eq!(report.skipped_rows, 1);
    let e = &report.errors[0];
    assert_eq!(
        e.file,
        format!(
            "orders/day={}/marketplace_id={}/part-0.parquet",
            second.0, second.1
        )
    );
    assert_eq!((e.line, e.value.as_str()), (2, "lots"));
    assert_eq!(e.column_name.as_deref(), Some("Product_Price"));
    assert_eq!(ds.orders.len(), parts[&first].height() + bad.height() - 1);

    // A part without a column its path does not give either.
    let third = keys.next().unwrap().clone();
    let lacking = parts[&third].drop("Product_Rating").unwrap();
    write_part(d.path(), &third, &lacking);
    match load_dir(d.path(), &LoadOptions::default()) {
        Err(LoadError::MissingColumns { path, columns }) => {
            assert_eq!(path, part_path(d.path(), &third));
            assert!(columns.contains("Product_Rating"), "{columns}");
        }
        other => panic!("expected a missing column, got {:?}", other.map(|_| ())),
    }
    // A partitioned directory with no parts at all.
    let empty = with_sellers();
    std::fs::create_dir_all(empty.path().join("orders/day=2026-01-01")).unwrap();
    let e = load_dir(empty.path(), &LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("no *.parquet part files"), "{e}");
}

/// `df` with `column` replaced by `f(row, value)` (as text; `None` is null).
fn edit(df: &DataFrame, column: &str, f: impl Fn(usize, &str) -> Option<String>) -> DataFrame {
    let text = df.column(column).unwrap().cast(&DataType::String).unwrap();
    let values: Vec<Option<String>> = text
        .str()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, v)| f(i, v.unwrap_or("")))
        .collect();
    let mut out = df.clone();
    out.with_column(Column::new(column.into(), values)).unwrap();
    out
}

/// The demo columns with open levels and optional features, so appended days can bring a
/// category, levels and gaps the cached days do not have.
const OPEN_SCHEMA: &str = r#"version = 1
[label]
column = "Returned"
[columns]
order_id = "Order_ID"
timestamp = "order_timestamp"
seller = "seller_id"
marketplace = "marketplace_id"
category = "Product_Category"
price = "Product_Price"
[features]
numeric = ["Product_Price", "Discount_Applied", "Delivery_Time_Days", "Customer_Return_Rate", "Product_Rating"]
categorical = ["Product_Category", "Customer_Type", "Payment_Method"]
"#;

/// Loads `dir` through the cache and checks it against a full load: the same dataset
/// (orders, codes, levels, fingerprint) and the same report.
fn load_checked(dir: &Path, opts: &LoadOptions) -> (Dataset, LoadReport, Source) {
    let (ds, report, source) = load(dir, opts).unwrap();
    let (want, want_report) = load_dir(dir, opts).unwrap();
    let (o, w) = (&ds.orders, &want.orders);
    for (name, same) in [
        ("id", o.id == w.id),
        ("category", o.category == w.category),
        ("price", o.price == w.price),
        ("returned", o.returned == w.returned),
        ("seller", o.seller == w.seller),
        ("day", o.day == w.day),
    ] {
        assert!(same, "{source:?}: orders' {name} differ");
    }
    // Debug text compares missing numbers (NaN) as equal, and f64s exactly otherwise.
    for (a, b) in o.features.iter().zip(&w.features) {
        let same = format!("{a:?}") == format!("{b:?}");
        assert!(same, "{source:?}: feature {} differs", a.spec.name);
    }
    assert_eq!(ds.categories, want.categories, "{source:?}");
    assert_eq!(ds.fingerprint, want.fingerprint, "{source:?}");
    let same = format!("{ds:?}") == format!("{want:?}");
    assert!(same, "{source:?}: the datasets differ");
    assert_eq!(report, want_report, "{source:?}");
    (ds, report, source)
}

#[test]
fn appended_days_read_only_the_new_parts_and_give_what_a_full_load_gives() {
    let parts = partitions(&demo_orders());
    let days: Vec<&String> = parts.keys().map(|k| &k.0).collect();
    let (cut, last) = (days[days.len() - 12].clone(), days[days.len() - 1].clone());
    let d = with_sellers();
    std::fs::write(d.path().join("schema.toml"), OPEN_SCHEMA).unwrap();
    age(&d.path().join("schema.toml"));
    // Every day has gaps in a categorical feature.
    let gaps = |part: &DataFrame| {
        edit(part, "Payment_Method", |i, v| {
            (i % 7 != 3).then(|| v.into())
        })
    };
    for (key, part) in parts.range(..(cut.clone(), String::new())) {
        write_part(d.path(), key, &gaps(part));
    }
    let opts = LoadOptions::default();
    let (before, _, source) = load_checked(d.path(), &opts);
    assert_eq!(source, Source::Files);
    assert!(!before.categories.contains(&"Garden".to_string()));
    // The next days bring a new category and payment level (sorting among the old ones),
    // gaps in an optional feature, a bad price and a date outside the range.
    for (key, part) in parts.range((cut.clone(), String::new())..(last.clone(), String::new())) {
        let part = edit(&gaps(part), "Product_Category", |i, v| {
            Some(if i % 3 == 0 { "Garden" } else { v }.into())
        });
        let part = edit(&part, "Payment_Method", |i, v| {
            Some(if i % 4 == 1 { "Pix" } else { v }.into())
        });
        let part = edit(&part, "Product_Rating", |i, v| {
            (i % 5 != 2).then(|| v.into())
        });
        let part = edit(&part, "Product_Price", |i, v| {
            Some(if i == 3 { "lots" } else { v }.into())
        });
        let part = edit(&part, "order_timestamp", |i, v| {
            Some(if i == 4 { "1990-01-01" } else { v }.into())
        });
        write_part(d.path(), key, &part);
    }
    let (after, report, source) = load_checked(d.path(), &opts);
    assert_eq!(source, Source::Appended);
    assert!(after.categories.contains(&"Garden".to_string()));
    let payment = after.feature_index("Payment_Method").unwrap();
    assert!(after.levels(payment).contains(&"Pix".to_string()));
    assert!(
        report
            .missing
            .iter()
            .any(|(f, n)| f == "Product_Rating" && *n > 0)
    );
    assert!(report.out_of_range > 0 && report.skipped_rows > report.out_of_range);
    let n = before.orders.len();
    let before_ids: Vec<&str> = before.orders.id.iter().collect();
    let after_ids: Vec<&str> = after.orders.id.iter().take(n).collect();
    assert_eq!(before_ids, after_ids);
    assert_ne!(before.fingerprint, after.fingerprint);
    // Read back as it is, then the last day appended to the appended cache.
    let (again, _, source) = load_checked(d.path(), &opts);
    assert_eq!(source, Source::Cache);
    assert_eq!(format!("{again:?}"), format!("{after:?}"));
    for (key, part) in parts.range((last, String::new())..) {
        write_part(d.path(), key, part);
    }
    let (all, _, source) = load_checked(d.path(), &opts);
    assert_eq!(source, Source::Appended);
    assert!(all.orders.len() > after.orders.len());
}

#[test]
fn new_parts_that_need_the_cached_rows_are_a_full_load() {
    let parts = partitions(&demo_orders());
    let mut keys = parts.keys();
    let (first, second) = (keys.next().unwrap().clone(), keys.next().unwrap().clone());
    let last = parts.keys().last().unwrap().clone();
    let d = with_sellers();
    for (key, part) in parts.iter().filter(|(k, _)| **k != first && **k != last) {
        write_part(d.path(), key, part);
    }
    let opts = LoadOptions::default();
    assert_eq!(load_checked(d.path(), &opts).2, Source::Files);
    // The last day repeats an order of the second: the message names where it was first.
    let repeated = parts[&second]
        .column("Order_ID")
        .unwrap()
        .str()
        .unwrap()
        .get(1);
    let repeated = repeated.unwrap().to_string();
    let late = edit(&parts[&last], "Order_ID", |i, v| {
        Some(if i == 0 { repeated.clone() } else { v.into() })
    });
    write_part(d.path(), &last, &late);
    let (_, report, source) = load_checked(d.path(), &opts);
    assert_eq!(source, Source::Files);
    let want = format!(
        "duplicate Order_ID (first on orders/day={}/marketplace_id={}/part-0.parquet:2)",
        second.0, second.1
    );
    assert!(report.errors.iter().any(|e| e.reason == want), "{report:?}");
    // A day that sorts before the cached ones arrives late.
    write_part(d.path(), &first, &parts[&first]);
    assert_eq!(load_checked(d.path(), &opts).2, Source::Files);
    // Orders far after the rest are cached with a warning naming them; a later day joins
    // them, so the warning must name cached rows again.
    let far = |days: i64, id: &str| {
        let date = chrono::NaiveDate::parse_from_str(&last.0, "%Y-%m-%d").unwrap()
            + chrono::Duration::days(days);
        let part = edit(&parts[&last].head(Some(2)), "order_timestamp", |_, _| {
            Some(date.to_string())
        });
        let part = edit(&part, "Order_ID", |i, _| Some(format!("{id}{i}")));
        ((date.to_string(), last.1.clone()), part)
    };
    let (key, part) = far(90, "FAR");
    write_part(d.path(), &key, &part);
    let (_, report, _) = load_checked(d.path(), &opts);
    assert!(report.warnings[0].contains("FAR0"), "{:?}", report.warnings);
    let (key, part) = far(91, "FARTHER");
    write_part(d.path(), &key, &part);
    let (_, report, source) = load_checked(d.path(), &opts);
    assert_eq!(source, Source::Files);
    assert!(report.warnings[0].contains("FAR0") && report.warnings[0].contains("FARTHER0"));
}
