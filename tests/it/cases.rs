//! Alert cases on the demo data: reconciliation (one case per alert, idempotent, recovery
//! after N quiet evaluations, reopening, snoozes), the `cases` commands, and processes
//! changing one database at the same time.

use crate::common;

use common::dashboard::app;
use returnrisk_tui::cases::reconcile::RECOVER_AFTER;
use returnrisk_tui::cases::{CaseState, CaseStore, Evaluation, Transition, evaluation_of};
use returnrisk_tui::engine::Window;

/// The demo data with models trained and registered: this module's own copy, since its
/// tests change cases that the dashboard's shared fixture must not see.
fn case_data() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(common::trained_copy).path()
}

fn store() -> (tempfile::TempDir, CaseStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = CaseStore::open_file(&dir.path().join("cases.sqlite")).unwrap();
    (dir, s)
}

/// `e` under another key (a later evaluation of the same alerts).
fn again(e: &Evaluation, k: usize) -> Evaluation {
    Evaluation {
        key: format!("{}#{k}", e.key),
        ..e.clone()
    }
}

#[test]
fn one_case_per_alert_and_evaluating_the_same_data_twice_changes_nothing() {
    let a = app();
    let e = evaluation_of(&a.engine, Window::Days(30));
    let alerts = a.engine.snapshot_at(Window::Days(30), None).alerts.len();
    assert!(alerts > 10, "{alerts}");
    let (_d, mut s) = store();
    let r = s.reconcile(&e, RECOVER_AFTER).unwrap();
    assert!(r.evaluated);
    assert_eq!(r.opened as usize, alerts);
    let before = s.list(None).unwrap();
    assert_eq!(before.len(), alerts);
    assert!(before.iter().all(|c| c.state == CaseState::New));
    // The same evaluation again: nothing at all.
    let r = s.reconcile(&e, RECOVER_AFTER).unwrap();
    assert!(!r.evaluated && r.opened == 0 && r.updated == 0);
    assert_eq!(s.list(None).unwrap(), before);
    // A later evaluation seeing the same alerts updates them and opens none.
    let r = s.reconcile(&again(&e, 1), RECOVER_AFTER).unwrap();
    assert_eq!((r.opened, r.updated as usize), (0, alerts));
    // A seller's case belongs to its marketplace.
    let s023 = before
        .iter()
        .find(|c| matches!(&c.target, returnrisk_tui::engine::Target::Seller(id) if id == "S023"))
        .unwrap();
    assert_eq!(s023.marketplace.as_deref(), Some("M002"));
}

#[test]
fn quiet_alerts_recover_after_n_evaluations_and_reopen_when_they_fire_again() {
    let a = app();
    let e = evaluation_of(&a.engine, Window::Days(30));
    let n = e.firing.len() as u32;
    let (_d, mut s) = store();
    s.reconcile(&e, RECOVER_AFTER).unwrap();
    // Someone works one case; a snoozed one stays snoozed while quiet.
    s.apply(1, Transition::Acknowledge, "ana", Some("looking"), None)
        .unwrap();
    let quiet = Evaluation {
        firing: Vec::new(),
        ..e.clone()
    };
    for k in 1..RECOVER_AFTER {
        let r = s
            .reconcile(&again(&quiet, k as usize), RECOVER_AFTER)
            .unwrap();
        assert_eq!(r.recovered, 0, "evaluation {k}");
    }
    let r = s.reconcile(&again(&quiet, 99), RECOVER_AFTER).unwrap();
    assert_eq!(r.recovered, n);
    assert!(
        s.list(None)
            .unwrap()
            .iter()
            .all(|c| c.state == CaseState::Recovered)
    );
    // It fires again: every case reopens, history kept.
    let r = s.reconcile(&again(&e, 100), RECOVER_AFTER).unwrap();
    assert_eq!(r.reopened, n);
    let d = s.detail(1).unwrap();
    let actions: Vec<&str> = d.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["open", "ack", "recover", "reopen"]);
    assert_eq!(d.case.state, CaseState::New);
    assert_eq!(d.observations.len(), 2);
}

#[test]
fn a_snoozed_case_comes_back_when_its_snooze_is_over_and_it_still_fires() {
    let a = app();
    let e = evaluation_of(&a.engine, Window::Days(30));
    let (_d, mut s) = store();
    s.reconcile(&e, RECOVER_AFTER).unwrap();
    s.apply(2, Transition::Snooze, "ana", None, Some("2026-07-05"))
        .unwrap();
    // The history says which calendar the day is in.
    let history = s.detail(2).unwrap().history;
    let said = history.last().and_then(|h| h.detail.clone());
    assert_eq!(said.as_deref(), Some("until data day 2026-07-05"));
    // Still firing before the date: still snoozed.
    s.reconcile(&again(&e, 1), RECOVER_AFTER).unwrap();
    assert_eq!(s.case(2).unwrap().state, CaseState::Snoozed);
    // On the date, it wakes.
    let later = Evaluation {
        as_of: "2026-07-05".into(),
        ..again(&e, 2)
    };
    let r = s.reconcile(&later, RECOVER_AFTER).unwrap();
    assert_eq!(r.woke, 1);
    let c = s.case(2).unwrap();
    assert_eq!((c.state, c.snoozed_until), (CaseState::New, None));
    // A person cannot make an evaluation's transition happen out of turn.
    let err = s
        .apply(2, Transition::Resolve, "ana", None, None)
        .and_then(|_| s.apply(2, Transition::Escalate, "ana", None, None))
        .unwrap_err();
    assert_eq!(err.to_string(), "cannot escalate a case that is resolved");
}

#[test]
fn the_cases_commands_work_a_case_and_processes_lose_nothing() {
    let d = common::p(case_data());
    let r = common::json(&["cases", "evaluate", "--data", d]);
    // The fixture's copy may have been evaluated by an earlier run of this test binary.
    assert!(r["evaluated"].is_boolean());
    let list = common::json(&["cases", "list", "--format", "json", "--data", d]);
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let state = list[0]["state"].as_str().unwrap().to_string();
    // An invalid transition is one line naming the state, exit 1.
    if state == "new" {
        let c = common::json(&["cases", "ack", &id, "--note", "on it", "--data", d]);
        assert_eq!(c["state"], "acknowledged");
    }
    let out = common::run_on(d, &["cases", "ack", &id]);
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(err.contains("cannot acknowledge a case that is"), "{err}");
    // Eight processes add a note to the same case at once: every note is kept.
    let before = common::json(&["cases", "show", &id, "--format", "json", "--data", d]);
    let count = |v: &serde_json::Value| {
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] == "note")
            .count()
    };
    let children: Vec<_> = (0..8)
        .map(|k| {
            common::bin()
                .args(["cases", "note", &id, &format!("note {k}"), "--data", d])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let after = common::json(&["cases", "show", &id, "--format", "json", "--data", d]);
    assert_eq!(count(&after), count(&before) + 8);
    let table = common::stdout(&common::run_on(d, &["cases", "show", &id]));
    assert!(
        table.contains("History") && table.contains("note 7"),
        "{table}"
    );
}

#[test]
fn the_configured_recovery_count_is_the_one_used() {
    let a = app();
    let e = evaluation_of(&a.engine, Window::Days(30));
    let (_d, mut s) = store();
    s.reconcile(&e, 2).unwrap();
    let quiet = Evaluation {
        firing: Vec::new(),
        ..e.clone()
    };
    assert_eq!(s.reconcile(&again(&quiet, 1), 2).unwrap().recovered, 0);
    let r = s.reconcile(&again(&quiet, 2), 2).unwrap();
    assert_eq!(r.recovered, e.firing.len() as u32);
    let cfg = returnrisk_tui::config_file::Config::parse_with_defaults(
        "[cases]\nrecover_after = 2\nwindow = \"7\"\nuser = \"ana\"\n",
        "c.toml",
    )
    .unwrap();
    let p = cfg.case_policy();
    assert_eq!(
        (p.recover_after, p.window, p.user.as_str()),
        (2, Window::Days(7), "ana")
    );
    let bad = returnrisk_tui::config_file::Config::parse_with_defaults(
        "[cases]\nrecover_after = 0\n",
        "c.toml",
    )
    .unwrap_err();
    assert!(
        bad.to_string().starts_with("c.toml: cases.recover_after: "),
        "{bad}"
    );
}

#[test]
fn an_emptied_case_database_is_an_error_naming_it_not_a_new_empty_one() {
    let dir = common::small_data();
    let d = dir.path().to_path_buf();
    let file = d.join(".returnrisk").join("cases.sqlite");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"").unwrap();
    let out = common::run_on(d.to_str().unwrap(), &["cases", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = common::stderr(&out);
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("the file is empty (0 bytes)"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 0);
}

#[test]
fn snoozes_and_generated_days_are_bounded_with_one_error_not_a_panic() {
    let dir = common::small_data();
    let d = common::p(dir.path());
    for days in ["4000000000", "3651"] {
        let out = common::run_on(d, &["cases", "snooze", "1", "--days", days]);
        assert_eq!(out.status.code(), Some(1), "{days}");
        let err = common::stderr(&out);
        let says = format!(
            "error: snooze: {days} days is more than 3650 (ten years): give a date (YYYY-MM-DD) or resolve the case\n"
        );
        assert_eq!(err, says);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out = common::run(&[
        "generate",
        "--out",
        common::p(out_dir.path()),
        "--days",
        "4000000000",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("not in 1..=3653"));
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0);
}

#[test]
fn cases_show_prints_stored_text_without_terminal_controls() {
    let d = common::p(case_data());
    common::json(&["cases", "evaluate", "--data", d]);
    let list = common::json(&["cases", "list", "--format", "json", "--data", d]);
    let id = list[0]["id"].as_i64().unwrap().to_string();
    // A note and an assignee that would set the title and clear the screen of a reader.
    let hostile = "\u{1b}]0;TITLE\u{7}\u{1b}[2J\u{202e}evil";
    for args in [["note", &id, hostile], ["assign", &id, hostile]] {
        let out = common::run_on(d, &[&["cases"][..], &args[..]].concat());
        assert!(out.status.success(), "{}", common::stderr(&out));
    }
    let shown = common::stdout(&common::run_on(d, &["cases", "show", &id]));
    assert!(shown.contains("]0;TITLE[2Jevil"), "{shown}");
    let hidden = |c: char| c != '\n' && returnrisk_tui::text::is_hidden(c);
    assert!(!shown.chars().any(hidden), "{shown:?}");
    // The JSON keeps the text as written (escaped).
    let json = common::json(&["cases", "show", &id, "--format", "json", "--data", d]);
    assert!(json.to_string().contains("\\u001b]0;TITLE"), "{json}");
}

/// Fills the device holding `data`'s `.returnrisk/` (a 4 MiB tmpfs mounted over it in a
/// user and mount namespace of its own), adds a note, frees the space and adds another;
/// each step's exit code, stdout and stderr land in `out`. False when this machine does not
/// let an unprivileged namespace mount a tmpfs.
fn note_on_a_full_disk(data: &str, out: &std::path::Path) -> bool {
    const SCRIPT: &str = r#"
set -e
B="$1"; D="$2"; OUT="$3"
cp -a "$D/.returnrisk" "$OUT/saved"
mount -t tmpfs -o size=4m tmpfs "$D/.returnrisk"
cp -a "$OUT/saved/." "$D/.returnrisk/"
dd if=/dev/zero of="$D/.returnrisk/fill" bs=4k 2>/dev/null || true
set +e
step() { name=$1; shift; "$B" "$@" --data "$D" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }
step full cases note 1 "written on a full disk"
step read cases list --format json
rm "$D/.returnrisk/fill"
step after cases show 1 --format json
step again cases note 1 "written with space again"
step last cases show 1 --format json
"#;
    let probe = std::process::Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs \"$1\"",
            "sh",
        ])
        .arg(out)
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: this machine does not let a user namespace mount a tmpfs");
        return false;
    }
    let bin = env!("CARGO_BIN_EXE_returnrisk-tui");
    let run = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", SCRIPT, "sh", bin, data])
        .arg(out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", common::stderr(&run));
    true
}

#[test]
fn a_full_disk_says_so_and_loses_no_case() {
    let dir = common::small_data();
    let d = common::p(dir.path());
    common::json(&["cases", "evaluate", "--data", d]);
    let notes = |v: &serde_json::Value| v["history"].as_array().unwrap().len();
    let before = common::json(&["cases", "show", "1", "--format", "json", "--data", d]);
    let out = tempfile::tempdir().unwrap();
    if !note_on_a_full_disk(d, out.path()) {
        return;
    }
    let step = |name: &str, what: &str| {
        std::fs::read_to_string(out.path().join(format!("{name}.{what}"))).unwrap()
    };
    // One line saying what happened, naming the file, advising nothing that loses cases.
    let file = dir.path().join(".returnrisk").join("cases.sqlite");
    for name in ["full", "read"] {
        assert_eq!(step(name, "rc").trim(), "1", "{name}");
        let err = step(name, "err");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("error: {}: ", file.display())),
            "{err}"
        );
        assert!(
            err.contains("no space left on the device holding it"),
            "{err}"
        );
        assert!(err.contains("the database is intact"), "{err}");
        assert!(
            !err.contains("move it aside") && !err.contains("damaged"),
            "{err}"
        );
    }
    // With space again, every case and note is there and the next note is kept.
    assert_eq!(step("after", "rc").trim(), "0", "{}", step("after", "err"));
    let after: serde_json::Value = serde_json::from_str(&step("after", "out")).unwrap();
    assert_eq!(notes(&after), notes(&before));
    assert_eq!(step("again", "rc").trim(), "0", "{}", step("again", "err"));
    let last: serde_json::Value = serde_json::from_str(&step("last", "out")).unwrap();
    assert_eq!(notes(&last), notes(&before) + 1);
}

#[test]
fn without_user_or_logname_the_history_names_the_account() {
    // A copy of its own: other tests here change the first cases.
    let own = common::trained_copy();
    let d = common::p(own.path());
    common::json(&["cases", "evaluate", "--data", d]);
    let list = common::json(&["cases", "list", "--format", "json", "--data", d]);
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let out = common::bin()
        .args(["cases", "note", &id, "who wrote this", "--data", d])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let account = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let account = String::from_utf8_lossy(&account.stdout).trim().to_string();
    let shown = common::json(&["cases", "show", &id, "--format", "json", "--data", d]);
    let entry = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|h| h["detail"] == "who wrote this")
        .cloned()
        .unwrap();
    assert!(!account.is_empty());
    assert_eq!(entry["user"], account.as_str(), "{entry}");
}

#[test]
fn a_resolved_case_can_be_reopened_with_a_line_in_its_history() {
    // A copy of its own: other tests here change the first cases.
    let own = common::trained_copy();
    let d = common::p(own.path());
    common::json(&["cases", "evaluate", "--data", d]);
    let list = common::json(&["cases", "list", "--format", "json", "--data", d]);
    let open = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] != "resolved" && c["state"] != "recovered")
        .unwrap();
    let id = open["id"].as_i64().unwrap().to_string();
    let resolved = common::json(&["cases", "resolve", &id, "--note", "refunded", "--data", d]);
    assert_eq!(resolved["state"], "resolved");
    let reopened = common::json(&[
        "cases",
        "reopen",
        &id,
        "--note",
        "not refunded",
        "--data",
        d,
    ]);
    assert_eq!(reopened["state"], "new");
    let shown = common::json(&["cases", "show", &id, "--format", "json", "--data", d]);
    let last = shown["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(
        (&last["action"], &last["from"], &last["to"], &last["detail"]),
        (
            &serde_json::json!("reopen"),
            &serde_json::json!("resolved"),
            &serde_json::json!("new"),
            &serde_json::json!("not refunded")
        ),
        "{last}"
    );
    // An open case cannot be reopened: one line naming its state, exit 1.
    let out = common::run_on(d, &["cases", "reopen", &id]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("cannot reopen a case that is new"),
        "{}",
        common::stderr(&out)
    );
}
