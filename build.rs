//! Build script: the version `--version` prints, with the commit and its date when built from
//! a git checkout (`0.1.0 (0123456789ab 2026-12-07)`), else the package version alone.

use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let full = match (
        git(&["rev-parse", "--short=12", "HEAD"]),
        git(&["log", "-1", "--format=%cs"]),
    ) {
        (Some(hash), Some(date)) => format!("{version} ({hash} {date})"),
        _ => version,
    };
    println!("cargo:rustc-env=RETURNRISK_VERSION={full}");
    println!("cargo:rerun-if-changed=build.rs");
    // Built again when HEAD moves: a commit, a checkout, a fetch into packed refs.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let head = format!("{dir}/HEAD");
        let branch = git(&["symbolic-ref", "-q", "HEAD"]).map(|r| format!("{dir}/{r}"));
        let packed = format!("{dir}/packed-refs");
        for path in [Some(head), branch, Some(packed)].into_iter().flatten() {
            // A path that does not exist would run this script on every build.
            if std::path::Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}

/// What `git args` prints (trimmed), when git runs and says something.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}
