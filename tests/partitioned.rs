//! A data directory whose `orders/` is a Hive-partitioned Parquet dataset, written here with
//! polars (`day=YYYY-MM-DD/marketplace_id=M/part-0.parquet`, the marketplace only in the
//! path): it loads to exactly the orders a CSV of the same rows gives, a partition added is
//! picked up (the cache is not trusted), and a bad value is reported with its part file and row.

use polars::prelude::*;
use returnrisk_tui::data::cache::{Source, load};
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
    assert_eq!(source, Source::Files, "a new partition is new data");
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
