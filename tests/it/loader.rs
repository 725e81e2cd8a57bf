//! Loader: one fixture per bad-input case, asserting the exact message and the exit code of
//! `report --strict`, and that the default policy skips and counts the row.

use crate::common;
use common::*;
use returnrisk_tui::data::{LoadError, LoadOptions, load_dir};

/// Runs `report --strict` on `orders` and returns (exit code, stderr).
fn strict(orders: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), orders);
    let out = run(&["report", "--data", dir.path().to_str().unwrap(), "--strict"]);
    (out.status.code(), stderr(&out))
}

/// Checks a bad row both ways: strict exits 1 with `message`; lenient skips exactly one row.
fn bad_row(extra: &str, message: &str) {
    let orders = orders_with(extra);
    let (code, err) = strict(&orders);
    assert_eq!(code, Some(1), "stderr: {err}");
    assert_eq!(
        err.trim(),
        format!("error: 1 invalid row(s) (--strict); first: {message}")
    );
    assert!(!err.contains("panicked") && !err.contains("Backtrace"));

    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), &orders);
    let (ds, report) = load_dir(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(ds.orders.len(), 3);
    assert_eq!(report.skipped_rows, 1);
    assert_eq!(report.errors[0].to_string(), message);
}

#[test]
fn unparsable_number() {
    bad_row(
        "O9,Books,abc,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 3 (Product_Price): not a number: "abc""#,
    );
}

#[test]
fn unparsable_date() {
    bad_row(
        "O9,Books,1,0,2,New,UPI,0.1,4,0,S1,M1,2026-13-04",
        r#"orders.csv:5: column 13 (order_timestamp): not a date (YYYY-MM-DD or ISO date-time): "2026-13-04""#,
    );
}

#[test]
fn too_few_fields() {
    bad_row(
        "O9,Books,1,0,2,New,UPI,0.1,4,0,S1,M1",
        "orders.csv:5: expected 13 fields, found 12",
    );
}

#[test]
fn unknown_customer_type() {
    bad_row(
        "O9,Books,1,0,2,Old,UPI,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 6 (Customer_Type): unknown Customer_Type (expected New or Returning): "Old""#,
    );
}

#[test]
fn unknown_payment_method() {
    bad_row(
        "O9,Books,1,0,2,New,Cheque,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 7 (Payment_Method): unknown Payment_Method (expected COD, UPI, Card or Wallet): "Cheque""#,
    );
}

#[test]
fn negative_price() {
    bad_row(
        "O9,Books,-5,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 3 (Product_Price): negative price: "-5""#,
    );
}

#[test]
fn negative_discount() {
    bad_row(
        "O9,Books,5,-1,2,New,UPI,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 4 (Discount_Applied): negative discount: "-1""#,
    );
}

#[test]
fn rating_outside_range() {
    bad_row(
        "O9,Books,5,0,2,New,UPI,0.1,6,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 9 (Product_Rating): rating outside 1-5: "6""#,
    );
}

#[test]
fn return_rate_outside_range() {
    bad_row(
        "O9,Books,5,0,2,New,UPI,1.5,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 8 (Customer_Return_Rate): return rate outside 0-1: "1.5""#,
    );
}

#[test]
fn returned_not_binary() {
    bad_row(
        "O9,Books,5,0,2,New,UPI,0.1,4,2,S1,M1,2026-03-04",
        r#"orders.csv:5: column 10 (Returned): Returned must be 0, 1 or empty: "2""#,
    );
}

#[test]
fn duplicate_order_id() {
    bad_row(
        "O2,Books,5,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 1 (Order_ID): duplicate Order_ID (first on line 3): "O2""#,
    );
}

#[test]
fn seller_not_in_sellers_file() {
    bad_row(
        "O9,Books,5,0,2,New,UPI,0.1,4,0,S7,M1,2026-03-04",
        r#"orders.csv:5: column 11 (seller_id): seller not in sellers file: "S7""#,
    );
}

/// A file-level failure: exit 1 and exactly `message` (after "error: ").
fn bad_file(orders: &[u8], message_contains: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sellers.csv"), SELLERS).unwrap();
    std::fs::write(dir.path().join("orders.csv"), orders).unwrap();
    let out = run(&["report", "--data", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(message_contains), "{err}");
    assert!(err.contains("orders.csv"), "message names the file: {err}");
    assert!(!err.contains("panicked") && !err.contains("Backtrace"));
}

#[test]
fn missing_column() {
    let orders = orders_with("").replace(",Product_Rating", ",Rating");
    bad_file(
        orders.as_bytes(),
        "orders.csv: missing required column(s): Product_Rating",
    );
}

#[test]
fn a_quote_inside_a_field_is_an_invalid_row_naming_its_column() {
    bad_row(
        "O9,Gro\"cery,1,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 2 (Product_Category): a quote inside a field that does not start with one, or after its closing quote (a quote in a value is doubled and the value quoted): "Gro\"cery""#,
    );
    bad_row(
        "O9,\"Books\"s,1,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04",
        r#"orders.csv:5: column 2 (Product_Category): a quote inside a field that does not start with one, or after its closing quote (a quote in a value is doubled and the value quoted): "\"Books\"s""#,
    );
}

#[test]
fn a_stray_quote_is_one_short_line_naming_where_it_opened() {
    // The quote opens a field no later quote closes: whether the rest of the file is short
    // (never closed) or long (past the field limit), one line, not the rest of the file.
    let row = "O9,Books,1,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04";
    let stray = "O8,\"Books,1,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04";
    for (rest, how) in [
        (1, "is never closed"),
        (5000, "runs past 65536 bytes, to line"),
    ] {
        let tail = vec![row; rest].join("\n");
        let orders = orders_with(&format!("{stray}\n{tail}"));
        bad_file(orders.as_bytes(), how);
        let (code, err) = strict(&orders);
        assert_eq!(code, Some(1));
        assert!(
            err.contains("orders.csv: line 5, field 2 (character 4): a quote opens a field"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.len() < 400, "{} bytes", err.len());
    }
}

#[test]
fn a_field_over_the_limit_is_an_invalid_row_and_is_not_echoed() {
    for size in [70_000, 3 << 20] {
        let long = "x".repeat(size);
        bad_row(
            &format!("O9,{long},1,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04"),
            &format!(
                r#"orders.csv:5: column 2 (Product_Category): a field of {size} bytes, over the limit of 65536: "{}… ({size} characters)""#,
                "x".repeat(40)
            ),
        );
    }
}

/// The peak resident memory (VmHWM) of running `cmd`, in MiB, read from /proc while it
/// runs (the high-water mark only grows, so the last reading is the peak).
fn peak_mib(mut cmd: std::process::Command) -> (std::process::ExitStatus, f64) {
    let mut child = cmd.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0.0_f64;
    loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        }) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak_kib / 1024.0);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_256_mib_field_is_skipped_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    write_dataset(
        dir.path(),
        &orders_with("O7,Books,12.50,0,2,New,UPI,0.05,4.8,0,S1,M1,2026-03-04"),
    );
    let orders = dir.path().join("orders.csv");
    let mut f = std::io::BufWriter::new(
        std::fs::OpenOptions::new()
            .append(true)
            .open(&orders)
            .unwrap(),
    );
    // Line 6: a category of 256 MiB; line 7 a valid row after it.
    f.write_all(b"O8,").unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..256 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b",1,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04\n")
        .unwrap();
    f.write_all(b"O9,Books,12.50,0,2,New,UPI,0.05,4.8,0,S1,M1,2026-03-05\n")
        .unwrap();
    f.flush().unwrap();
    drop(f);
    let mut cmd = bin();
    cmd.args(["report", "--format", "json", "--data", p(dir.path())])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let (status, peak) = peak_mib(cmd);
    assert!(status.success());
    // Holding the field would take 256 MiB at least; the loader stays far below.
    assert!(peak > 0.0 && peak < 160.0, "peak {peak:.0} MiB");
    let out = run(&["report", "--format", "json", "--data", p(dir.path())]);
    let err = stderr(&out);
    assert!(
        err.contains("orders.csv:6: column 2 (Product_Category): a field of 268435456 bytes"),
        "{err}"
    );
    assert!(err.len() < 400, "{} bytes", err.len());
}

#[test]
fn empty_file() {
    bad_file(b"", "orders.csv: file is empty");
}

#[test]
fn header_only_file() {
    bad_file(
        format!("{ORDERS_HEADER}\n").as_bytes(),
        "orders.csv: has a header but no data rows",
    );
}

#[test]
fn not_csv_at_all() {
    bad_file(
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0",
        "orders.csv: not a CSV text file (contains NUL bytes: binary data)",
    );
    bad_file(
        b"just some prose, not a table\nreally\n",
        "orders.csv: missing required column(s)",
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sellers.csv"), SELLERS).unwrap();
    let out = run(&["report", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no orders.csv or orders.parquet"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bom_crlf_quotes_and_extra_columns_load() {
    let dir = tempfile::tempdir().unwrap();
    let header = format!("Note,{ORDERS_HEADER}");
    let rows: Vec<String> = VALID_ROWS
        .iter()
        .map(|r| format!("\"a, \"\"quoted\"\"\nnote\",{r}"))
        .collect();
    let text = format!("\u{feff}{header}\r\n{}\r\n", rows.join("\r\n"));
    write_dataset(dir.path(), &text);
    let (ds, report) = load_dir(dir.path(), &LoadOptions::strict()).unwrap();
    assert_eq!(report.skipped_rows, 0);
    assert_eq!(ds.orders.len(), 3);
    assert_eq!(ds.orders.id, vec!["O1", "O2", "O3"]);
    assert_eq!(ds.orders.price, vec![40.0, 12.5, 80.0]);
    assert_eq!(ds.orders.returned, vec![Some(true), Some(false), None]);
    assert_eq!(ds.categories, vec!["Books", "Clothing", "Home"]);
}

#[test]
fn line_numbers_count_quoted_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "Note,{ORDERS_HEADER}\n\"two\nlines\",{}\nx,O9,Books,abc,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04\n",
        VALID_ROWS[0]
    );
    write_dataset(dir.path(), &text);
    let (_, report) = load_dir(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(report.errors[0].line, 4);
    assert_eq!(report.errors[0].column, Some(4));
}

#[test]
fn blank_lines_are_skipped_silently() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(
        dir.path(),
        &format!(
            "{ORDERS_HEADER}\n{}\n\n{}\n\n\n",
            VALID_ROWS[0], VALID_ROWS[1]
        ),
    );
    let (ds, report) = load_dir(dir.path(), &LoadOptions::strict()).unwrap();
    assert_eq!((ds.orders.len(), report.skipped_rows), (2, 0));
}

#[test]
fn all_rows_invalid_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(
        dir.path(),
        &format!("{ORDERS_HEADER}\nO9,Books,x,0,2,New,UPI,0.1,4,0,S1,M1,2026-03-04\n"),
    );
    match load_dir(dir.path(), &LoadOptions::default()) {
        Err(LoadError::NoValidRows { count: 1, .. }) => {}
        other => panic!(
            "expected NoValidRows, got {:?}",
            other.map(|(d, _)| d.orders.len())
        ),
    }
}

#[test]
fn parquet_loads_like_csv() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    write_dataset(
        dir.path(),
        &format!("{ORDERS_HEADER}\n{}\n", VALID_ROWS.join("\n")),
    );
    let (from_csv, _) = load_dir(dir.path(), &LoadOptions::strict()).unwrap();
    for stem in ["orders", "sellers"] {
        let csv = dir.path().join(format!("{stem}.csv"));
        let mut df = CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(csv.clone()))
            .unwrap()
            .finish()
            .unwrap();
        let f = std::fs::File::create(dir.path().join(format!("{stem}.parquet"))).unwrap();
        ParquetWriter::new(f).finish(&mut df).unwrap();
        std::fs::remove_file(csv).unwrap();
    }
    let (from_parquet, _) = load_dir(dir.path(), &LoadOptions::strict()).unwrap();
    assert_eq!(from_parquet.orders.id, from_csv.orders.id);
    assert_eq!(from_parquet.orders.price, from_csv.orders.price);
    assert_eq!(from_parquet.orders.returned, from_csv.orders.returned);
    assert_eq!(from_parquet.orders.day, from_csv.orders.day);
    assert_eq!(from_parquet.sellers, from_csv.sellers);
}

/// The default plausible range's end: one year after today (as the binary computes it).
fn default_last_date() -> String {
    let r = returnrisk_tui::data::dates::DateRange::default();
    r.last.to_string()
}

#[test]
fn dates_outside_the_plausible_range_are_invalid_rows() {
    for date in ["0001-01-01", "1999-12-31", "9999-12-31", "2100-12-31"] {
        bad_row(
            &format!("O9,Books,1,0,2,New,UPI,0.1,4,0,S1,M1,{date}"),
            &format!(
                "orders.csv:5: column 13 (order_timestamp): date outside the plausible range 2000-01-01..{} (see --date-range): \"{date}\"",
                default_last_date()
            ),
        );
    }
    // --date-range widens (or narrows) the range, before or after the subcommand.
    let dir = tempfile::tempdir().unwrap();
    write_dataset(
        dir.path(),
        &orders_with("O9,Books,1,0,2,New,UPI,0.1,4,0,S1,M1,1990-06-01"),
    );
    let data = dir.path().to_str().unwrap();
    for args in [
        vec![
            "--date-range",
            "1980-01-01..",
            "report",
            "--strict",
            "--data",
            data,
        ],
        vec![
            "report",
            "--strict",
            "--data",
            data,
            "--date-range",
            "1980-01-01..",
        ],
    ] {
        let out = run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let out = run(&["report", "--data", data, "--date-range", "2030..2020"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: bad --date-range \"2030..2020\": \"2030\" is not a date (YYYY-MM-DD)"
    );
}

#[test]
fn far_dates_cannot_blow_up_memory_or_output() {
    // Two orders at the ends of time among 5,000: skipped, and the report stays the size
    // of the real data's span.
    let d = small_data();
    let orders = d.path().join("orders.csv");
    let baseline = run(&["report", "--format", "json", "--data", p(d.path())]);
    assert!(baseline.status.success(), "{}", stderr(&baseline));
    let mut text = std::fs::read_to_string(&orders).unwrap();
    let row = text.lines().nth(1).unwrap().to_string();
    let date = row.rsplit(',').next().unwrap().to_string();
    for (id, far) in [("X1", "0001-01-01"), ("X2", "9999-12-31")] {
        let first = row.split(',').next().unwrap();
        text.push_str(&row.replacen(first, id, 1).replace(&date, far));
        text.push('\n');
    }
    std::fs::write(&orders, text).unwrap();
    let out = run(&["report", "--format", "json", "--data", p(d.path())]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("warning: skipped 2 invalid row(s); first: orders.csv:6002:"),
        "{}",
        stderr(&out)
    );
    assert!(
        out.stdout.len() < baseline.stdout.len() * 2,
        "{} bytes vs {}",
        out.stdout.len(),
        baseline.stdout.len()
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["as_of"], "2026-06-30");
}

#[test]
fn an_isolated_late_date_is_kept_with_a_warning_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    // Orders in March 2026, then one in December 2026: 280 days later.
    write_dataset(
        dir.path(),
        &orders_with("O9,Books,1,0,2,New,UPI,0.1,4,0,S1,M1,2026-12-08"),
    );
    let (ds, report) = load_dir(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(ds.orders.len(), 4);
    assert_eq!(report.skipped_rows, 0);
    assert_eq!(
        report.warnings,
        vec![
            "1 order(s) dated more than 60 days after the rest (latest before them: 2026-03-03), which moves every window: orders.csv:5 (O9, 2026-12-08)"
                .to_string()
        ]
    );
    let out = run(&["report", "--data", dir.path().to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: 1 order(s) dated more than 60 days after the rest"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_category_beyond_65536_is_an_invalid_row_not_a_wrapped_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut orders = format!("{ORDERS_HEADER}\n");
    for i in 0..=65_536u32 {
        let row = format!("O{i},Cat{i},40.00,10,3,New,COD,0.100,4.1,1,S1,M1,2026-03-01\n");
        orders.push_str(&row);
    }
    write_dataset(dir.path(), &orders);
    let (ds, report) = load_dir(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!((ds.orders.len(), report.skipped_rows), (65_536, 1));
    assert_eq!(ds.categories.len(), 65_536);
    // Every kept order has its own category (a wrapped code would have kept O65536 as Cat0).
    let last = ds.orders.len() - 1;
    assert_eq!(&ds.orders.id[last], "O65535");
    assert_eq!(ds.categories[ds.orders.category[last] as usize], "Cat65535");
    assert_eq!(
        report.errors[0].to_string(),
        "orders.csv:65538: column 2 (Product_Category): a category beyond the 65,536 distinct \
         ones a dataset can hold: \"Cat65536\""
    );
    let strict = load_dir(dir.path(), &LoadOptions::strict());
    assert!(matches!(strict, Err(LoadError::Strict { count: 1, .. })));
}

/// Marketplaces are numbered with 16 bits: a seller of one marketplace more is an invalid
/// row naming its line and value, rather than numbered as another marketplace.
#[test]
fn more_marketplaces_than_a_dataset_holds() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), &orders_with(""));
    let mut sellers = String::from("seller_id,seller_name,marketplace_id\nS1,A,M1\nS2,B,M2\n");
    for k in 0..(1 << 16) - 1 {
        sellers.push_str(&format!("X{k},Extra,N{k:05}\n"));
    }
    std::fs::write(dir.path().join("sellers.csv"), &sellers).unwrap();
    let message = r#"sellers.csv:65538: column 3 (marketplace_id): more than 65536 distinct marketplace_id values: "N65534""#;
    let Ok((ds, report)) = load_dir(dir.path(), &LoadOptions::default()) else {
        panic!("the lenient load fails");
    };
    assert_eq!(ds.marketplaces.len(), 1 << 16);
    assert_eq!(ds.marketplaces.last().map(String::as_str), Some("N65533"));
    assert_eq!(report.skipped_rows, 1);
    assert_eq!(report.errors[0].to_string(), message);
    let Err(err) = load_dir(dir.path(), &LoadOptions::strict()) else {
        panic!("the strict load succeeds");
    };
    assert!(err.to_string().contains(message), "{err}");
}
