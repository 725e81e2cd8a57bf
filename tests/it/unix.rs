//! Unix manners of the headless commands, on real files: a closed pipe ends every command
//! quietly, `--out` targets (devices, FIFOs, symlinks, `-`, the input data), global flags
//! before or after the subcommand, `predict --order` from a file or stdin, arguments
//! checked before any work.

use crate::common;
use common::*;
use std::path::Path;
use std::process::{Output, Stdio};

/// A one-order JSON body for `predict --order`.
const ORDER: &str = r#"{"Product_Category":"Clothing","Product_Price":120,"Discount_Applied":40,"Delivery_Time_Days":9,"Customer_Type":"New","Payment_Method":"COD","Customer_Return_Rate":0.5,"Product_Rating":1.5}"#;

/// Runs the binary with stdout connected to a pipe whose reader is already gone, so the
/// first write fails with EPIPE (deterministic, unlike racing `| head`).
fn run_into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    bin()
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("binary runs")
}

/// A small dataset with trained, registered models.
fn trained_data() -> tempfile::TempDir {
    let d = small_data();
    let out = run(&["train", "--data", p(d.path())]);
    assert!(out.status.success(), "{}", stderr(&out));
    d
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let d = trained_data();
    let data = p(d.path());
    let gen_dir = d.path().join("gen");
    let commands: Vec<Vec<&str>> = vec![
        vec!["report", "--format", "json"],
        vec!["report", "--format", "table"],
        vec!["report", "--format", "csv", "--window", "30"],
        vec!["seller", "S001"],
        vec!["seller", "S001", "--format", "json"],
        vec!["predict", "--order", ORDER],
        vec!["predict", "--out", "-"],
        vec!["drift"],
        vec!["drift", "--format", "html"],
        vec!["runs", "list"],
        vec!["runs", "show", "latest"],
        vec!["runs", "compare", "latest", "latest"],
        vec!["models", "list"],
        vec!["models", "rule"],
        vec!["pipeline", "--format", "json"],
        vec!["bench", "--iterations", "5"],
        vec!["train", "--format", "json"],
        vec!["generate", "--out", p(&gen_dir), "--orders", "500"],
    ];
    for args in commands {
        let full = with_data(&args, data);
        let out = run_into_closed_pipe(&full);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        for word in ["panic", "error", "Broken pipe", "RUST_BACKTRACE"] {
            assert!(!err.contains(word), "{args:?} said {word}: {err}");
        }
    }
}

#[test]
fn out_targets_are_written_like_a_unix_tool_writes_them() {
    let d = trained_data();
    let data = p(d.path());
    let predict_to = |target: &str| run(&["predict", "--data", data, "--out", target]);

    // A device is written through, never replaced: /dev/full reports the full disk.
    let full = predict_to("/dev/full");
    assert_eq!(full.status.code(), Some(1));
    assert_eq!(
        stderr(&full).trim(),
        "error: cannot write /dev/full: No space left on device (os error 28)"
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // `-` is stdout.
    let stdout_csv = predict_to("-");
    assert!(stdout_csv.status.success(), "{}", stderr(&stdout_csv));
    let csv = stdout(&stdout_csv);
    assert!(csv.starts_with("Order_ID,seller_id,"), "{}", &csv[..80]);
    assert_eq!(csv.lines().count(), 6001);

    // A FIFO's reader gets the whole file; the FIFO stays a FIFO.
    let fifo = d.path().join("scores.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = predict_to(p(&fifo));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(reader.join().unwrap(), csv);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());

    // A symlink is followed: its target is written, the link stays.
    let real = d.path().join("real.csv");
    let link = d.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    let out = predict_to(p(&link));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), csv);

    // The input data is refused, by name or through a link; it stays as it was.
    let orders = d.path().join("orders.csv");
    let before = std::fs::read(&orders).unwrap();
    let to_input = d.path().join("to-input.csv");
    std::os::unix::fs::symlink(&orders, &to_input).unwrap();
    for target in [p(&orders).to_string(), p(&to_input).to_string()] {
        for args in [
            vec!["predict", "--out", &target],
            vec!["drift", "--out", &target],
        ] {
            let out = run_on(data, &args);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert_eq!(
                stderr(&out).trim(),
                format!(
                    "error: refusing to write {target}: it is the input file orders.csv of the data directory (choose another --out)"
                )
            );
        }
    }
    assert_eq!(std::fs::read(&orders).unwrap(), before);

    // A failed replace leaves no temporary file behind.
    let busy = d.path().join("busy");
    std::fs::create_dir_all(busy.join("inside")).unwrap();
    let out = predict_to(p(&busy));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(temp_files(d.path()), Vec::<String>::new());
}

/// Names of the temporary files (`*.tmp-*`) in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

/// Runs the binary in `cwd` with `args`.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(cwd)
        .args(args)
        .env_remove("RETURNRISK_DATA")
        .output()
        .unwrap()
}

#[test]
fn global_flags_mean_the_same_before_and_after_the_subcommand() {
    let d = trained_data();
    let data = p(d.path());
    let cwd = tempfile::tempdir().unwrap();
    let before = run_in(
        cwd.path(),
        &[
            "--data", data, "--bands", "original", "report", "--format", "json",
        ],
    );
    let after = run_in(
        cwd.path(),
        &[
            "report", "--format", "json", "--bands", "original", "--data", data,
        ],
    );
    assert!(before.status.success(), "{}", stderr(&before));
    assert_eq!(before.stdout, after.stdout);
    // No demo dataset appeared in the working directory.
    assert!(!cwd.path().join("data").exists());
    let default_bands = run_in(cwd.path(), &["report", "--format", "json", "--data", data]);
    assert_ne!(default_bands.stdout, before.stdout, "--bands had no effect");
    // The config file's bands count for report as for the dashboard, in either position;
    // --bands wins over them.
    let cfg = cwd.path().join("bands.toml");
    std::fs::write(&cfg, "[risk]\nbands = \"original\"\n").unwrap();
    let report = ["report", "--format", "json", "--data", data];
    let with_config = ["--config", p(&cfg)];
    for args in [
        [&with_config[..], &report[..]].concat(),
        [&report[..], &with_config[..]].concat(),
    ] {
        let out = run_in(cwd.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(out.stdout, before.stdout, "{args:?}");
    }
    let overridden = run_in(
        cwd.path(),
        &[&report[..], &with_config[..], &["--bands", "default"]].concat(),
    );
    assert_eq!(overridden.stdout, default_bands.stdout);

    // --strict: one bad row is an error in either position.
    let bad = tempfile::tempdir().unwrap();
    write_dataset(
        bad.path(),
        &orders_with("O9,Books,oops,0,2,New,COD,0.1,4,0,S1,M1,2026-03-04"),
    );
    for args in [
        vec!["--strict", "--data", p(bad.path()), "report"],
        vec!["report", "--data", p(bad.path()), "--strict"],
    ] {
        let out = run_in(cwd.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains("orders.csv:5"), "{}", stderr(&out));
    }

    // --log and --config: accepted in either position; the log is written.
    let cfg = cwd.path().join("config.toml");
    std::fs::write(&cfg, "[view]\nwindow = \"30\"\n").unwrap();
    for (i, before) in [true, false].into_iter().enumerate() {
        let log = cwd.path().join(format!("run{i}.log"));
        let flags = ["--log", p(&log), "--config", p(&cfg), "--data", data];
        let mut args: Vec<&str> = Vec::new();
        if before {
            args.extend(flags);
            args.extend(["models", "list"]);
        } else {
            args.extend(["models", "list"]);
            args.extend(flags);
        }
        let out = run_in(cwd.path(), &args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(logged.contains("started"), "{logged}");
    }
}

#[test]
fn predict_order_reads_a_file_or_stdin_and_seller_errors_are_short() {
    let d = trained_data();
    let data = p(d.path());
    let inline = json(&["predict", "--data", data, "--order", ORDER]);
    let file = d.path().join("order.json");
    std::fs::write(&file, ORDER).unwrap();
    let at = format!("@{}", p(&file));
    assert_eq!(json(&["predict", "--data", data, "--order", &at]), inline);
    let mut child = bin()
        .args(["predict", "--data", data, "--order", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ORDER.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let from_stdin: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_stdin, inline);

    let missing = run(&["predict", "--data", data, "--order", "@/no/such/order.json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing)
            .starts_with("error: cannot read the --order JSON from /no/such/order.json"),
        "{}",
        stderr(&missing)
    );

    // An unknown seller is named briefly, however long the argument.
    let huge = "S".repeat(120_000);
    for args in [
        vec!["predict", "--order", ORDER, "--seller", &huge],
        vec!["seller", &huge],
    ] {
        let out = run_on(data, &args);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.len() < 300, "{} bytes", err.len());
        assert!(err.contains("(120000 characters)"), "{err}");
    }
    for args in [
        vec!["predict", "--order", ORDER, "--seller", ""],
        vec!["seller", ""],
    ] {
        let out = run_on(data, &args);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out).trim(),
            "error: the seller id is empty: expected an id such as S001 (see `report`)"
        );
    }
}

#[test]
fn arguments_are_checked_before_any_work() {
    let d = small_data();
    let out = run(&["train", "--format", "csv", "--data", p(d.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'csv'"),
        "{}",
        stderr(&out)
    );
    // Nothing was trained or registered (the dataset cache may be written: it is written once
    // the data files are more than 2 seconds old, which on a loaded machine they may be).
    let trained = || {
        let state = d.path().join(".returnrisk");
        state.join("runs").exists() || state.join("registry.json").exists()
    };
    assert!(!trained());
    // Ids checked against the data as soon as it is loaded, before any training.
    for args in [
        vec!["report", "--window", "14"],
        vec!["report", "--marketplace", "M999"],
        vec!["drift", "--marketplace", "M999"],
        vec!["seller", "S999"],
        vec!["predict", "--order", ORDER, "--seller", "S999"],
    ] {
        let out = run_on(p(d.path()), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(!trained(), "{args:?} trained");
    }
}

#[test]
fn generate_never_overwrites_data_unless_forced_and_leaves_no_temp_files() {
    let d = small_data();
    let out_dir = p(d.path());
    let before = std::fs::read(d.path().join("orders.csv")).unwrap();
    let gen_args = |force: bool| {
        let mut a = vec![
            "generate", "--out", out_dir, "--orders", "300", "--seed", "8",
        ];
        if force {
            a.push("--force");
        }
        a
    };
    let out = run(&gen_args(false));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "error: refusing to overwrite {out_dir}/orders.csv: {out_dir} already holds data (--force replaces it)"
        )
    );
    assert_eq!(std::fs::read(d.path().join("orders.csv")).unwrap(), before);
    let out = run(&gen_args(true));
    assert!(out.status.success(), "{}", stderr(&out));
    let orders = std::fs::read_to_string(d.path().join("orders.csv")).unwrap();
    assert_eq!(orders.lines().count(), 301);

    // A failure at the end (a directory where ground_truth.csv goes) leaves no temp file.
    let blocked = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(blocked.path().join("ground_truth.csv/x")).unwrap();
    let out = run(&[
        "generate",
        "--out",
        p(blocked.path()),
        "--orders",
        "300",
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(temp_files(blocked.path()), Vec::<String>::new());
}
