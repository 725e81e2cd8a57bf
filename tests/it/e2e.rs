//! End to end: the built binary in a real pseudo-terminal (tmux). Start, switch tabs, drill
//! into a seller, open help, quit, and check the terminal is restored. Needs tmux; `.ci/run`
//! installs it, and under CI (`CI` set) a missing tmux is a failure, not a skip.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs a tmux command on `session`'s own server: every session has a private socket
/// (`-L`, named after the session), so parallel tests never share a server and one test's
/// server exiting cannot race another's session starting.
fn tmux(session: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(["-L", session])
        .args(args)
        .output()
        .expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn screen(session: &str) -> String {
    tmux(session, &["capture-pane", "-p", "-t", session])
}

/// Waits until the screen contains `needle` (or fails after `secs`).
fn wait_for(session: &str, needle: &str, secs: u64) -> String {
    wait_until(session, &format!("{needle:?}"), secs, |s| {
        s.contains(needle)
    })
}

/// Waits until `ready` holds for the screen (or fails after `secs`, naming `what`).
fn wait_until(session: &str, what: &str, secs: u64, ready: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let s = screen(session);
        if ready(&s) {
            return s;
        }
        assert!(
            start.elapsed() <= Duration::from_secs(secs),
            "timed out waiting for {what}; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn keys(session: &str, k: &[&str]) {
    let mut args = vec!["send-keys", "-t", session];
    args.extend_from_slice(k);
    tmux(session, &args);
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        // The server leaves its socket file behind: remove it too.
        let socket = tmux(&self.0, &["display-message", "-p", "#{socket_path}"]);
        let _ = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .output();
        if !socket.trim().is_empty() {
            let _ = std::fs::remove_file(socket.trim());
        }
    }
}

#[test]
fn dashboard_in_a_real_terminal() {
    if !have_tmux() {
        return;
    }
    let dir = demo_copy();
    let log = dir.path().join("tui.log");
    let cmd = format!("{}; sleep 60", dashboard_cmd(dir.path(), &log, ""));
    let session = tmux_session("e2e", &cmd);
    let s = &session.0;

    // The dashboard appears at once; models load or train in the background.
    let first = wait_for(s, "Key numbers", 20);
    assert!(
        first.contains("1 Marketplace") && first.contains("as of 2026-06-30"),
        "{first}"
    );
    wait_for(s, "models trained", 120);

    keys(s, &["2"]);
    wait_for(s, "Sellers 1/40", 10);
    keys(s, &["Enter"]);
    let detail = wait_for(s, "Orders 1/", 10);
    assert!(detail.contains("Why (vs marketplace)"), "{detail}");
    // y puts the selected order's id on the clipboard (OSC 52; tmux keeps it as a buffer).
    tmux(s, &["set-option", "-g", "set-clipboard", "on"]);
    keys(s, &["y"]);
    wait_for(s, "to the clipboard (OSC 52)", 10);
    let copied = tmux(s, &["show-buffer"]);
    assert!(
        copied.starts_with("ORD") && detail.contains(copied.trim()),
        "{copied:?}"
    );
    // The drivers by contribution arrive from their background job.
    wait_for(s, "orders explained) =", 20);
    // Enter on an order: its pane; x: a what-if; x, Esc: back to the drill-down.
    keys(s, &["Enter"]);
    let pane = wait_for(s, "Why this risk", 10);
    assert!(
        pane.contains(copied.trim()) && pane.contains(" pts"),
        "{pane}"
    );
    keys(s, &["x"]);
    keys(s, &["Right"]);
    wait_for(s, "What-if:", 10);
    keys(s, &["x"]);
    keys(s, &["Escape"]);
    wait_for(s, "Orders 1/", 10);
    keys(s, &["?"]);
    wait_for(s, "Keys on this screen", 10);
    // Two Escapes in one read (\x1b\x1b) are decoded by crossterm as a single Esc: let the
    // first one close help before the second leaves the drill-down.
    keys(s, &["Escape"]);
    wait_until(s, "help to close", 10, |screen| {
        !screen.contains("Keys on this screen")
    });
    keys(s, &["Escape"]);
    wait_for(s, "Sellers 1/40", 10);

    // Esc goes back where you came from: Alerts -> seller -> Alerts.
    keys(s, &["4"]);
    wait_for(s, "Alerts 1/", 10);
    keys(s, &["Enter"]);
    let seller = wait_for(s, "alert: ", 10);
    assert!(seller.contains("Orders 1/"), "{seller}");
    keys(s, &["Escape"]);
    wait_for(s, "Alerts 1/", 10);
    // Categories -> a category's sellers -> one of them (the category carried as a chip)
    // -> Esc -> Esc -> Categories.
    keys(s, &["3"]);
    wait_for(s, "Categories 1/", 10);
    keys(s, &["Enter"]);
    let scoped = wait_for(s, "[category ", 10);
    assert!(scoped.contains("Sellers 1/"), "{scoped}");
    keys(s, &["Enter"]);
    let chip = wait_for(s, "Orders 1/", 10);
    assert!(chip.contains("[category "), "{chip}");
    keys(s, &["Escape"]);
    wait_for(s, "Sellers 1/", 10);
    keys(s, &["Escape"]);
    wait_for(s, "Categories 1/", 10);
    keys(s, &["w"]);
    wait_for(s, "90d", 10);

    // A field filter: only the critical alerts, shown as a chip; Esc clears it.
    keys(s, &["4"]);
    wait_for(s, "Alerts 1/", 10);
    keys(s, &["/"]);
    keys(s, &["-l", "sev:crit"]);
    keys(s, &["Enter"]);
    let crit = wait_for(s, "[sev:crit]", 10);
    assert!(crit.contains(" of ") && !crit.contains("WARN "), "{crit}");
    keys(s, &["Escape"]);
    wait_until(s, "the filter to clear", 10, |screen| {
        !screen.contains("[sev:crit]")
    });
    // Back-navigation restores the window: :order of an old order widens 90d to all time,
    // Esc returns to 90d.
    keys(s, &[":"]);
    keys(s, &["-l", "order ORD00000001"]);
    keys(s, &["Enter"]);
    wait_for(s, "showing all time (Esc goes back to 90d)", 10);
    keys(s, &["Escape"]);
    let back = wait_for(s, "Alerts 1/", 10);
    assert!(back.contains("| 90d |"), "{back}");

    // Models tab: a promotion by another process (the CLI) is noticed and shown.
    keys(s, &["5"]);
    wait_for(s, "Models 1/41", 10);
    let (a, b) = two_candidates(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args(["models", "promote", &a, "1", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for(
        s,
        "the registry changed on disk: reloaded the active models",
        20,
    );
    keys(s, &["/"]);
    keys(s, &[&a, "Enter"]);
    wait_for(s, "own v1", 10);
    // A promotion from the dashboard asks first.
    keys(s, &["Escape"]);
    wait_for(s, "Models 1/41", 10);
    keys(s, &["/"]);
    keys(s, &[&b, "Enter"]);
    keys(s, &["P"]);
    wait_for(s, &format!("Promote {b} v1"), 10);
    keys(s, &["y"]);
    wait_for(s, &format!("{b}: v1 is now active"), 30);

    keys(s, &["6"]);
    wait_for(s, "drifted columns:", 10);

    // Monitoring: the evaluation opened a case per alert; acknowledge the first, resolve it.
    keys(s, &["7"]);
    let worklist = wait_for(s, "Worklist 1/", 10);
    assert!(worklist.contains(" new ·"), "{worklist}");
    keys(s, &["a"]);
    wait_for(s, "new → acknowledged", 10);
    // R asks for a note in the palette; Enter resolves with it.
    keys(s, &["R"]);
    wait_for(s, ":resolve ", 10);
    keys(s, &["-l", "checked"]);
    keys(s, &["Enter"]);
    wait_for(s, "acknowledged → resolved", 10);
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args([
            "cases", "list", "--state", "resolved", "--format", "json", "--data",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let resolved: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resolved.as_array().map(Vec::len), Some(1), "{resolved}");
    assert_eq!(resolved[0]["state"], "resolved", "{resolved}");
    keys(s, &["q"]);
    let after = wait_for(s, "RR_EXIT=0", 10);
    // The alternate screen is gone: the dashboard's text is no longer on screen.
    assert!(
        !after.contains("Key numbers") && !after.contains("1 Marketplace"),
        "{after}"
    );
    assert_eq!(
        tmux(s, &["display-message", "-p", "-t", s, "#{alternate_on}"]).trim(),
        "0"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("first frame"), "{logged}");
}

/// Two sellers whose registered version is a candidate (not active), from the CLI.
fn two_candidates(dir: &Path) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args(["models", "list", "--format", "json", "--data"])
        .arg(dir)
        .output()
        .unwrap();
    let reg: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c: Vec<String> = reg["models"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, e)| *k != "global" && e["active"].is_null())
        .map(|(k, _)| k.clone())
        .collect();
    assert!(c.len() >= 2, "{c:?}");
    (c[0].clone(), c[1].clone())
}

#[test]
fn without_a_terminal_it_points_to_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args([
            "--data",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("data")
                .to_str()
                .unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: the dashboard needs an interactive terminal"),
        "{err}"
    );
    assert!(err.contains("returnrisk-tui report"));
}

#[test]
fn a_bad_config_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[view]\nwindow = \"14\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args(["--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        format!(
            "error: {}: view.window: bad window \"14\": expected 7, 30, 90 or all",
            cfg.display()
        )
    );
}

/// Skips (or, under CI, fails) without tmux.
fn have_tmux() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "tmux is required under CI"
    );
    eprintln!("skipping: tmux not installed");
    false
}

/// A detached tmux session running `cmd` in a 120x40 terminal; killed on drop.
fn tmux_session(tag: &str, cmd: &str) -> Session {
    let name = format!("rr-{tag}-{}", std::process::id());
    let out = Command::new("tmux")
        .args([
            "-L",
            &name,
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "120",
            "-y",
            "40",
            cmd,
        ])
        .env("TERM", "xterm-256color")
        .env("PS1", "$ ")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Session(name)
}

/// A tmux session running an interactive shell (no rc files).
fn shell_session(tag: &str) -> Session {
    tmux_session(tag, "bash --norc --noprofile")
}

/// The shell command that runs the dashboard on `dir` (logging to `log`, with `flags`)
/// and then prints its exit status as `RR_EXIT=<n>`.
fn dashboard_cmd(dir: &Path, log: &Path, flags: &str) -> String {
    format!(
        "{} --data {} --log {}{flags}; echo RR_EXIT=$?",
        env!("CARGO_BIN_EXE_returnrisk-tui"),
        dir.display(),
        log.display()
    )
}

/// The demo data copied into a fresh directory.
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for f in ["orders.csv", "sellers.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// The pid of the process whose command line contains `needle`.
/// (Reads `/proc` itself: no dependence on procps being installed.)
fn pid_of(needle: &str) -> String {
    let ours = std::fs::read_dir("/proc").unwrap().flatten().find(|e| {
        let p = e.path();
        let cmdline = std::fs::read(p.join("cmdline")).unwrap_or_default();
        String::from_utf8_lossy(&cmdline).contains(needle)
            && std::fs::read_link(p.join("exe")).is_ok_and(|exe| exe.ends_with("returnrisk-tui"))
    });
    ours.unwrap_or_else(|| panic!("no process matching {needle}"))
        .file_name()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn signals_end_the_dashboard_like_q_and_restore_the_terminal() {
    if !have_tmux() {
        return;
    }
    let dir = demo_copy();
    let session = shell_session("signals");
    let s = &session.0;
    for (name, number) in [("TERM", 15), ("HUP", 1), ("INT", 2), ("QUIT", 3)] {
        let log = dir.path().join(format!("sig-{name}.log"));
        keys(s, &["clear", "Enter"]);
        keys(s, &[&dashboard_cmd(dir.path(), &log, " --mouse"), "Enter"]);
        wait_for(s, "Key numbers", 30);
        assert_eq!(
            tmux(s, &["display-message", "-p", "-t", s, "#{alternate_on}"]).trim(),
            "1"
        );
        let pid = pid_of(&log.display().to_string());
        // The shell's own kill: no dependence on procps.
        let killed = Command::new("bash")
            .args(["-c", &format!("kill -{name} {pid}")])
            .status()
            .unwrap();
        assert!(killed.success());
        let after = wait_for(s, &format!("RR_EXIT={}", 128 + number), 20);
        // Alternate screen left, cursor shown, mouse capture off.
        assert_eq!(terminal_flags(s), "0 1 0", "SIG{name}");
        assert!(!after.contains("Key numbers"), "SIG{name}: {after}");
        // The line discipline is back (icanon, echo) and the prompt takes commands.
        keys(s, &["clear", "Enter"]);
        cooked_mode(s, &format!("SIG{name}"));
    }
}

/// `#{alternate_on} #{cursor_flag} #{mouse_any_flag}` of the session's pane.
fn terminal_flags(s: &str) -> String {
    let f = "#{alternate_on} #{cursor_flag} #{mouse_any_flag}";
    tmux(s, &["display-message", "-p", "-t", s, f])
        .trim()
        .to_string()
}

/// The shell's line discipline is back: `stty -a` shows canonical mode and echo.
fn cooked_mode(s: &str, tag: &str) {
    keys(s, &["stty -a; echo RR_SUM=$((20+22))", "Enter"]);
    let tty = wait_for(s, "RR_SUM=42", 10);
    assert!(
        tty.contains(" icanon") && !tty.contains("-icanon"),
        "{tag}: {tty}"
    );
    assert!(
        tty.contains(" echo ") && !tty.contains("-echo "),
        "{tag}: {tty}"
    );
}

#[test]
fn ctrl_z_and_sigtstp_suspend_to_the_shell_and_fg_takes_the_terminal_back() {
    if !have_tmux() {
        return;
    }
    let dir = demo_copy();
    let log = dir.path().join("suspend.log");
    let session = shell_session("suspend");
    let s = &session.0;
    keys(s, &[&dashboard_cmd(dir.path(), &log, " --mouse"), "Enter"]);
    wait_for(s, "Key numbers", 30);
    let pid = pid_of(&log.display().to_string());
    for how in ["Ctrl-Z", "kill -TSTP"] {
        if how == "Ctrl-Z" {
            keys(s, &["C-z"]);
        } else {
            let sent = Command::new("bash")
                .args(["-c", &format!("kill -TSTP {pid}")])
                .status()
                .unwrap();
            assert!(sent.success());
        }
        // The shell has the terminal, as the dashboard found it.
        wait_for(s, "Stopped", 10);
        assert_eq!(terminal_flags(s), "0 1 0", "{how}");
        keys(s, &["clear", "Enter"]);
        cooked_mode(s, how);
        // fg: the whole dashboard is drawn again over the shell's lines, and keys act at
        // once (raw mode) instead of echoing: 2 opens the Sellers tab.
        keys(s, &["fg", "Enter"]);
        let back = wait_for(s, "Key numbers", 10);
        assert!(!back.contains("RR_SUM"), "{how}: {back}");
        assert_eq!(terminal_flags(s), "1 0 1", "{how}");
        keys(s, &["2"]);
        let sellers = wait_for(s, "Sellers 1/", 10);
        assert!(!sellers.contains("fg"), "{how}: {sellers}");
        keys(s, &["1"]);
        wait_for(s, "Key numbers", 10);
    }
    // A stopped job leaves the rest of its shell line behind: after fg, $? is the job's.
    keys(s, &["q"]);
    let gone = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(gone.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
    keys(s, &["echo RR_LAST=$?", "Enter"]);
    wait_for(s, "RR_LAST=0", 10);
    assert_eq!(terminal_flags(s), "0 1 0");
}

#[test]
fn a_panic_in_a_background_job_is_reported_and_the_dashboard_goes_on() {
    if !have_tmux() {
        return;
    }
    let dir = demo_copy();
    let log = dir.path().join("panic.log");
    let session = shell_session("panic");
    let s = &session.0;
    keys(
        s,
        &[
            &format!(
                "RETURNRISK_PANIC_AT=models {}",
                dashboard_cmd(dir.path(), &log, "")
            ),
            "Enter",
        ],
    );
    let screen = wait_for(s, "error: models failed: injected panic at models", 30);
    assert!(
        screen.contains(&format!("see {}", log.display())),
        "{screen}"
    );
    // Still on the alternate screen, still answering keys.
    assert_eq!(
        tmux(s, &["display-message", "-p", "-t", s, "#{alternate_on}"]).trim(),
        "1"
    );
    keys(s, &["2"]);
    wait_for(s, "Sellers 1/40", 10);
    keys(s, &["q"]);
    wait_for(s, "RR_EXIT=0", 10);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("background job panicked") && logged.contains("injected panic at models"),
        "{logged}"
    );
}

/// The binary's JSON answer to `args` on `dir`.
fn cli_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args(args)
        .arg("--data")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn two_dashboards_and_the_cli_work_the_cases_at_once_and_see_each_other() {
    if !have_tmux() {
        return;
    }
    let dir = demo_copy();
    // Trains and opens one case per alert.
    let opened = cli_json(dir.path(), &["cases", "evaluate"]);
    let n = opened["opened"].as_u64().unwrap();
    assert!(n > 2, "{opened}");
    let sessions: Vec<Session> = ["a", "b"]
        .iter()
        .map(|tag| {
            let log = dir.path().join(format!("tui-{tag}.log"));
            let cmd = format!("{}; sleep 60", dashboard_cmd(dir.path(), &log, ""));
            tmux_session(&format!("two-{tag}"), &cmd)
        })
        .collect();
    let (a, b) = (&sessions[0].0, &sessions[1].0);
    for s in [a, b] {
        wait_for(s, "Key numbers", 30);
        keys(s, &["7"]);
        wait_for(s, &format!("Worklist 1/{n}"), 30);
    }
    // A acknowledges the first case, B the second, the CLI notes the third, all at once.
    keys(a, &["a"]);
    keys(b, &["j", "a"]);
    let third = cli_json(dir.path(), &["cases", "list", "--format", "json"])[2]["id"].clone();
    let noted = cli_json(
        dir.path(),
        &["cases", "note", &third.to_string(), "from the shell"],
    );
    assert_eq!(noted["id"], third);
    // Each dashboard shows its own change and, through the watcher, the other's.
    for s in [a, b] {
        wait_for(s, "2 working", 20);
    }
    let cases = cli_json(dir.path(), &["cases", "list", "--format", "json"]);
    let acked: Vec<&serde_json::Value> = cases
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "acknowledged")
        .collect();
    assert_eq!(acked.len(), 2, "{cases}");
    let shown = cli_json(
        dir.path(),
        &["cases", "show", &third.to_string(), "--format", "json"],
    );
    assert_eq!(shown["notes"][0]["text"], "from the shell");
    for s in [a, b] {
        keys(s, &["q"]);
        wait_for(s, "RR_EXIT=0", 10);
    }
}
