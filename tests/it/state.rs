//! Damaged or missing state is reported, never silently replaced: unreadable active models,
//! deleted run directories, interrupted writers, a state directory that cannot be written.
//! The real binary on real files.

use crate::common;
use common::*;
use std::path::{Path, PathBuf};

/// A one-order JSON body for `predict --order`.
const ORDER: &str = r#"{"Product_Category":"Clothing","Product_Price":120,"Discount_Applied":40,"Delivery_Time_Days":9,"Customer_Type":"New","Payment_Method":"COD","Customer_Return_Rate":0.5,"Product_Rating":1.5}"#;

fn runs_dir(d: &Path) -> PathBuf {
    d.join(".returnrisk/runs")
}

/// Run directories, hidden ones included, sorted.
fn run_entries(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(runs_dir(d))
        .map(|it| {
            it.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The run of the active global version.
fn active_global_run(d: &Path) -> String {
    let reg = json(&["models", "list", "--format", "json", "--data", p(d)]);
    let g = &reg["models"]["global"];
    let active = g["active"].as_u64().unwrap();
    g["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"].as_u64() == Some(active))
        .unwrap()["run_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn trained_data() -> tempfile::TempDir {
    let d = small_data();
    let out = run(&["train", "--data", p(d.path())]);
    assert!(out.status.success(), "{}", stderr(&out));
    d
}

/// The one-line error every model-using command gives for an unreadable active model.
fn unreadable_line(file: &Path, why: &str) -> String {
    format!(
        "error: active model global v1: {}: {why}; `returnrisk-tui models rollback global` returns to its previous version, `returnrisk-tui train` trains a new one",
        file.display()
    )
}

#[test]
fn unreadable_active_models_are_an_error_naming_model_version_file_and_remedy() {
    let d = trained_data();
    let data = p(d.path());
    let run_id = active_global_run(d.path());
    let models = runs_dir(d.path()).join(&run_id).join("models.bin");
    std::fs::write(&models, "garbage").unwrap();
    let before = run_entries(d.path());
    for args in [
        vec!["report"],
        vec!["predict", "--order", ORDER],
        vec!["seller", "S001"],
        vec!["predict", "--out", "-"],
    ] {
        let out = run_on(data, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            stderr(&out).trim(),
            unreadable_line(
                &models,
                "not a returnrisk-tui model file (no RRMODELS header)"
            ),
            "{args:?}"
        );
        assert!(out.stdout.is_empty());
    }
    // Nothing was trained or registered meanwhile.
    assert_eq!(run_entries(d.path()), before);

    // A deleted run directory: the same, naming the missing file.
    std::fs::remove_dir_all(runs_dir(d.path()).join(&run_id)).unwrap();
    let out = run(&["report", "--data", data]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        unreadable_line(&models, "No such file or directory (os error 2)")
    );
    // `train` is the user asking: a new run replaces the unreadable version.
    let out = run(&["train", "--format", "json", "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    let trained: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let global = trained["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "global")
        .unwrap();
    assert_eq!(global["active"], true);
    assert!(
        global["decision"]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{global}"
    );
    assert!(run(&["report", "--data", data]).status.success());
}

#[test]
fn promote_and_rollback_refuse_versions_that_cannot_be_read() {
    let d = trained_data();
    let data = p(d.path());
    let first = active_global_run(d.path());
    // A second version: a training on other data (the same data registers nothing new).
    common::drop_first_order(d.path());
    let out = run(&["train", "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    let reg_file = d.path().join(".returnrisk/registry.json");
    // Make v2 active whatever the rule decided, then damage v1's artifacts.
    let out = run(&["models", "promote", "global", "2", "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    let models = runs_dir(d.path()).join(&first).join("models.bin");
    let bytes = std::fs::read(&models).unwrap();
    std::fs::write(&models, &bytes[..bytes.len() / 2]).unwrap();
    let registry_before = std::fs::read(&reg_file).unwrap();
    for args in [
        vec!["models", "promote", "global", "1"],
        vec!["models", "rollback", "global"],
    ] {
        let out = run_on(data, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!(
                "error: refused: global v1: {}: ",
                models.display()
            )),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read(&reg_file).unwrap(), registry_before);
    }
}

#[test]
fn pipeline_checks_the_artifacts_it_relies_on_before_saying_up_to_date() {
    let d = trained_data();
    let data = p(d.path());
    let first = json(&["pipeline", "--format", "json", "--data", data]);
    assert_eq!(first["up_to_date"], false);
    let again = json(&["pipeline", "--format", "json", "--data", data]);
    assert_eq!(again["up_to_date"], true);
    let run_id = active_global_run(d.path());
    std::fs::remove_dir_all(runs_dir(d.path()).join(&run_id)).unwrap();
    let after = json(&["pipeline", "--format", "json", "--data", data]);
    assert_eq!(after["up_to_date"], false, "{after}");
    let new_run = after["run_id"].as_str().expect("a new run");
    assert_ne!(new_run, run_id);
    assert_eq!(active_global_run(d.path()), new_run);
}

/// Runs the binary with `args`, stopped at crash point `point` as `kill -9` would.
fn crash_at(point: &str, args: &[&str]) {
    let out = bin()
        .args(args)
        .env("RETURNRISK_CRASH_AT", point)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(returnrisk_tui::util::CRASH_EXIT_CODE),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_interrupted_writer_leaves_nothing_to_train_twice_or_to_clean_by_hand() {
    let d = small_data();
    let data = p(d.path());
    // Killed after storing its run, before registering it.
    crash_at("before-register", &["report", "--data", data]);
    let stored = run_entries(d.path());
    assert_eq!(stored.len(), 1, "{stored:?}");
    // `runs list` reports it.
    let listed = run(&["runs", "list", "--data", data]);
    assert!(
        stdout(&listed).contains("unregistered"),
        "{}",
        stdout(&listed)
    );
    assert!(
        stderr(&listed).contains(&format!(
            "note: run {} was stored but never registered",
            stored[0]
        )),
        "{}",
        stderr(&listed)
    );
    // The next command registers that run instead of training a duplicate.
    let out = run(&["report", "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(run_entries(d.path()), stored);
    assert_eq!(active_global_run(d.path()), stored[0]);

    // Killed between writing a run's files and the rename that makes it a run: a hidden
    // temporary directory stays until the next writer, which removes it.
    crash_at("before-run-rename", &["train", "--data", data]);
    let temps = |d: &Path| {
        run_entries(d)
            .into_iter()
            .filter(|n| n.starts_with(".tmp-"))
            .count()
    };
    assert_eq!(temps(d.path()), 1);
    let out = run(&["runs", "prune", "--keep", "5", "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(its writer is gone)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(temps(d.path()), 0);
    // And a training removes them too.
    crash_at("before-run-rename", &["train", "--data", data]);
    assert_eq!(temps(d.path()), 1);
    assert!(run(&["train", "--data", data]).status.success());
    assert_eq!(temps(d.path()), 0);
}

/// Runs the binary as an unprivileged user (root ignores file permissions), or as is when
/// not root. `None` when that is not possible here.
fn run_unprivileged(args: &[&str]) -> Option<std::process::Output> {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_returnrisk-tui"));
        c
    } else {
        bin()
    };
    cmd.args(args).env_remove("RETURNRISK_DATA").output().ok()
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_state_directory_that_cannot_be_written_makes_no_orphan_runs() {
    let d = small_data();
    let data = p(d.path());
    // The state directory read-only, its runs directory and lock file writable: storing a
    // run would work, registering it would not.
    let state = d.path().join(".returnrisk");
    std::fs::create_dir_all(state.join("runs")).unwrap();
    std::fs::write(state.join("lock"), "").unwrap();
    chmod(d.path(), 0o755);
    for f in ["orders.csv", "sellers.csv"] {
        chmod(&d.path().join(f), 0o644);
    }
    chmod(&state.join("lock"), 0o666);
    chmod(&state.join("runs"), 0o777);
    chmod(&state, 0o555);
    let Some(probe) = run_unprivileged(&["--version"]) else {
        eprintln!("skipping: cannot run as another user");
        return;
    };
    if !probe.status.success() {
        eprintln!("skipping: cannot run as another user: {}", stderr(&probe));
        return;
    }
    // `train` and `pipeline` asked to save: they fail before training.
    for args in [vec!["train"], vec!["pipeline"]] {
        let full = with_data(&args, data);
        let out = run_unprivileged(&full).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "cannot save models in {}: Permission denied",
                state.display()
            )),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A report trains for itself, says so, and leaves no run behind, however often.
    for _ in 0..3 {
        let out = run_unprivileged(&["report", "--data", data]).unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("warning: models trained but not saved (cannot save models in"),
            "{}",
            stderr(&out)
        );
    }
    assert!(
        run_entries(d.path()).is_empty(),
        "{:?}",
        run_entries(d.path())
    );
    chmod(&state, 0o755);
}

#[test]
fn a_read_only_data_directory_makes_the_cases_read_only_with_a_clear_message() {
    use returnrisk_tui::cases::{CaseStore, Evaluation, Firing};
    use returnrisk_tui::engine::{Alert, AlertRule, Severity, Target};
    let d = small_data();
    let data = p(d.path());
    {
        let mut s = CaseStore::open(d.path()).unwrap();
        let alert = Alert {
            severity: Severity::Critical,
            rule: AlertRule::RisingRisk,
            target: Target::Seller("S1".into()),
            message: "First Seller (S1): mean risk rising".into(),
            magnitude: 0.2,
            evidence: None,
        };
        let e = Evaluation {
            key: "k".into(),
            as_of: "2026-03-03".into(),
            firing: vec![Firing {
                alert,
                marketplace: Some("M1".into()),
            }],
        };
        assert_eq!(s.reconcile(&e, 7).unwrap().opened, 1);
    }
    let state = d.path().join(".returnrisk");
    for f in std::fs::read_dir(&state).unwrap() {
        chmod(&f.unwrap().path(), 0o644);
    }
    chmod(&state, 0o555);
    chmod(d.path(), 0o755);
    let Some(probe) = run_unprivileged(&["--version"]) else {
        eprintln!("skipping: cannot run as another user");
        return;
    };
    if !probe.status.success() {
        eprintln!("skipping: cannot run as another user: {}", stderr(&probe));
        return;
    }
    // Reading works; a change is one line naming the file, exit 1.
    let out = run_unprivileged(&["cases", "list", "--format", "json", "--data", data]).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cases: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cases[0]["state"], "new");
    let out = run_unprivileged(&["cases", "ack", "1", "--data", data]).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let db = state.join("cases.sqlite");
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "error: {}: the data directory is read-only, so cases can be read but not changed",
            db.display()
        )
    );
    chmod(&state, 0o755);

    // A database of an older schema there cannot be upgraded: said, with what to do.
    let old = small_data();
    let old_state = old.path().join(".returnrisk");
    std::fs::create_dir_all(&old_state).unwrap();
    CaseStore::open_at_version(&old_state.join("cases.sqlite"), 1).unwrap();
    chmod(&old_state.join("cases.sqlite"), 0o644);
    chmod(&old_state, 0o555);
    chmod(old.path(), 0o755);
    let out = run_unprivileged(&["cases", "list", "--data", p(old.path())]).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("schema version 1, this build needs 3, and the data directory is read-only"),
        "{}",
        stderr(&out)
    );
    chmod(&old_state, 0o755);
}
