//! `bench --scale DIR`: docs/performance.md's scale table in one command. For each size it generates
//! the dataset under DIR when it is not there (`generate --seed 9`, 5 marketplaces), trains
//! when the directory has no run yet (timed), then runs `bench` on it in a child process of
//! its own (so each size's peak memory is its own), and prints one Markdown table with a
//! column per size and the targets.

use super::bench::BenchResult;
use crate::data::dataset_size::Size;
use color_eyre::eyre::{Result, bail, eyre};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The bench figures of one size, with the one-off costs measured here.
struct Measured {
    size: Size,
    generate_seconds: Option<f64>,
    train_seconds: Option<f64>,
    models_mb: Option<f64>,
    bench: BenchResult,
}

fn run(exe: &Path, args: &[&str]) -> Result<(String, f64)> {
    let t = Instant::now();
    let out = Command::new(exe).args(args).output()?;
    let seconds = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "{} {}: {}",
            exe.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), seconds))
}

/// The largest `models.bin` of the directory's runs, in MB.
fn models_mb(dir: &Path) -> Option<f64> {
    let runs = std::fs::read_dir(dir.join(".returnrisk/runs")).ok()?;
    runs.filter_map(|r| std::fs::metadata(r.ok()?.path().join("models.bin")).ok())
        .map(|m| m.len() as f64 / 1e6)
        .reduce(f64::max)
}

fn measure(exe: &Path, root: &Path, size: Size, iterations: usize) -> Result<Measured> {
    let dir: PathBuf = root.join(format!("orders-{}-sellers-{}", size.orders, size.sellers));
    let d = dir.to_string_lossy().into_owned();
    let generate_seconds = if dir.join("orders.csv").is_file() || dir.join("orders").is_dir() {
        None
    } else {
        eprintln!("generating {} orders in {d}", size.orders);
        let (orders, sellers) = (size.orders.to_string(), size.sellers.to_string());
        let args = [
            "generate",
            "--out",
            &d,
            "--orders",
            &orders,
            "--sellers",
            &sellers,
            "--marketplaces",
            "5",
            "--seed",
            "9",
        ];
        Some(run(exe, &args)?.1)
    };
    let train_seconds = if dir.join(".returnrisk/runs").is_dir() {
        None
    } else {
        eprintln!("training on {d}");
        Some(run(exe, &["train", "--data", &d])?.1)
    };
    eprintln!("bench on {d}");
    let iterations = iterations.to_string();
    let (json, _) = run(exe, &["bench", "--data", &d, "--iterations", &iterations])?;
    let bench: BenchResult =
        serde_json::from_str(&json).map_err(|e| eyre!("bench output on {d}: {e}"))?;
    Ok(Measured {
        size,
        generate_seconds,
        train_seconds,
        models_mb: models_mb(&dir),
        bench,
    })
}

/// Runs every size and returns the Markdown table.
pub fn scale(root: &Path, sizes: &[Size], iterations: usize) -> Result<String> {
    let exe = std::env::current_exe()?;
    std::fs::create_dir_all(root)?;
    let measured: Vec<Measured> = sizes
        .iter()
        .map(|&s| measure(&exe, root, s, iterations))
        .collect::<Result<_>>()?;
    Ok(table(&measured))
}

fn table(m: &[Measured]) -> String {
    let opt =
        |v: Option<f64>, digits: usize| v.map_or("n/a".to_string(), |v| format!("{v:.digits$}"));
    type Row<'a> = (&'a str, &'a str, Box<dyn Fn(&Measured) -> String>);
    let rows: Vec<Row> = vec![
        ("orders", "", Box::new(|m| m.bench.orders.to_string())),
        ("sellers", "", Box::new(|m| m.size.sellers.to_string())),
        (
            "generate (s)",
            "",
            Box::new(move |m| opt(m.generate_seconds, 1)),
        ),
        (
            "load + validate the files (s)",
            "",
            Box::new(move |m| opt(m.bench.load_seconds, 2)),
        ),
        (
            "load from the cache (s)",
            "",
            Box::new(move |m| opt(m.bench.cached_load_seconds, 2)),
        ),
        (
            "dashboard first frame (ms)",
            "<= 1000",
            Box::new(|m| format!("{:.0}", m.bench.tui_first_frame_ms)),
        ),
        (
            "models ready: load, models, scores, cube, drift (s)",
            "<= 3",
            Box::new(|m| format!("{:.2}", m.bench.open_seconds)),
        ),
        (
            "report --format json (s)",
            "<= 2",
            Box::new(|m| format!("{:.2}", m.bench.report_seconds)),
        ),
        (
            "report peak memory (MB)",
            "<= 2048",
            Box::new(move |m| opt(m.bench.report_peak_rss_mb, 0)),
        ),
        (
            "drift report, 7 days (s)",
            "<= 2",
            Box::new(|m| format!("{:.2}", m.bench.drift_seconds)),
        ),
        (
            "score every order from scratch (s)",
            "",
            Box::new(|m| format!("{:.2}", m.bench.score_ms / 1e3)),
        ),
        (
            "cube build (ms)",
            "",
            Box::new(|m| format!("{:.0}", m.bench.cube_build_ms)),
        ),
        (
            "switch p50 / p99 (ms)",
            "p99 <= 5",
            Box::new(|m| {
                format!(
                    "{:.2} / {:.2}",
                    m.bench.switch_p50_ms, m.bench.switch_p99_ms
                )
            }),
        ),
        (
            "key to frame p50 / p99 (ms)",
            "",
            Box::new(|m| {
                format!(
                    "{:.2} / {:.2}",
                    m.bench.key_to_frame_p50_ms, m.bench.key_to_frame_p99_ms
                )
            }),
        ),
        (
            "training, all forests (s)",
            "<= 120",
            Box::new(move |m| opt(m.train_seconds, 0)),
        ),
        (
            "models.bin (MB)",
            "<= 150",
            Box::new(move |m| opt(m.models_mb, 1)),
        ),
        (
            "bench peak memory (MB)",
            "",
            Box::new(move |m| opt(m.bench.peak_rss_mb, 0)),
        ),
    ];
    let mut out = String::from("| stage |");
    for x in m {
        out += &format!(" {} orders |", x.size.orders);
    }
    out += " target (10M) |\n|---|";
    out += &"---|".repeat(m.len() + 1);
    out += "\n";
    for (name, target, f) in &rows {
        out += &format!("| {name} |");
        for x in m {
            out += &format!(" {} |", f(x));
        }
        out += &format!(" {target} |\n");
    }
    out += "\nn/a: not measured in this invocation (the dataset or its run already existed, or the files were too new for their cache to be trusted).\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_sellers() {
        let s: Size = "10_000_000:1000".parse().unwrap();
        assert_eq!((s.orders, s.sellers), (10_000_000, 1000));
        let s: Size = "5000".parse().unwrap();
        assert_eq!((s.orders, s.sellers), (5000, 1000));
        assert!(
            "ten"
                .parse::<Size>()
                .unwrap_err()
                .contains("ORDERS[:SELLERS]")
        );
    }
}
