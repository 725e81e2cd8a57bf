//! `drift`: the drift report as a text table or one self-contained HTML file (no network,
//! no scripts), for sharing like Evidently's.

use super::table;
use crate::drift::report::{DriftReport, ScopeReport};
use std::fmt::Write as _;

fn score(c: &crate::drift::report::ColumnReport) -> String {
    let kind = if c.drift.test.is_p_value() { "p" } else { "d" };
    format!("{kind}={:.4}", c.drift.score)
}

/// The report as text: one table per scope.
pub fn drift_table(r: &DriftReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Reference {} .. {} ({}) vs current {} .. {}",
        r.reference_start, r.reference_end, r.reference, r.current_start, r.current_end
    );
    for s in &r.scopes {
        let _ = writeln!(
            out,
            "\n{}: {} of {} columns drifted ({:.0}%) -> dataset {} | {} reference rows, {} current",
            s.marketplace,
            s.drifted_columns,
            s.columns.len(),
            100.0 * s.drift_share,
            if s.dataset_drift { "DRIFT" } else { "no drift" },
            s.n_reference,
            s.n_current
        );
        let rows: Vec<Vec<String>> = s
            .columns
            .iter()
            .map(|c| {
                vec![
                    c.column.clone(),
                    c.drift.test.name().to_string(),
                    score(c),
                    format!(
                        "{}{}",
                        if c.drift.test.is_p_value() {
                            "p<"
                        } else {
                            "d>="
                        },
                        c.drift.threshold
                    ),
                    if c.drift.drifted {
                        "DRIFT".into()
                    } else {
                        "-".into()
                    },
                    c.moved.as_ref().map_or(String::new(), |m| m.text.clone()),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "Column",
                "Test",
                "Score",
                "Threshold",
                "Verdict",
                "What moved",
            ],
            &rows,
        ));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn scope_html(s: &ScopeReport, out: &mut String) {
    let verdict = if s.dataset_drift {
        "<b class=bad>dataset drift</b>"
    } else {
        "<b class=ok>no dataset drift</b>"
    };
    let _ = write!(
        out,
        "<h2>{}</h2><p>{verdict}: {} of {} columns drifted ({:.0}%; Evidently flags the dataset from 50%). Reference rows {}, current rows {}.</p><table><tr><th>Column</th><th>Test</th><th>Score</th><th>Threshold</th><th>Verdict</th><th>Reference vs current</th></tr>",
        esc(&s.marketplace),
        s.drifted_columns,
        s.columns.len(),
        100.0 * s.drift_share,
        s.n_reference,
        s.n_current
    );
    for c in &s.columns {
        let max = c
            .reference_share
            .iter()
            .chain(&c.current_share)
            .copied()
            .fold(0.0, f64::max)
            .max(1e-12);
        let mut bars = String::new();
        for ((b, r), k) in c
            .buckets
            .iter()
            .zip(&c.reference_share)
            .zip(&c.current_share)
        {
            let _ = write!(
                bars,
                "<div class=row><span class=lbl>{}</span><span class=bar style=\"width:{:.1}px\"></span><span class=\"bar cur\" style=\"width:{:.1}px\"></span><span class=num>{:.1}% / {:.1}%</span></div>",
                esc(b),
                120.0 * r / max,
                120.0 * k / max,
                100.0 * r,
                100.0 * k
            );
        }
        let _ = write!(
            out,
            "<tr class={}><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{bars}</td></tr>",
            if c.drift.drifted { "drift" } else { "same" },
            esc(&c.column),
            c.drift.test.name(),
            score(c),
            if c.drift.test.is_p_value() {
                "p&lt;"
            } else {
                "d&ge;"
            },
            c.drift.threshold,
            if c.drift.drifted { "DRIFT" } else { "no drift" }
        );
    }
    out.push_str("</table>");
}

/// The report as one HTML page with inline CSS (bars: reference grey, current blue).
pub fn drift_html(r: &DriftReport) -> String {
    let mut out = String::from(
        "<!doctype html><html><head><meta charset=utf-8><title>returnrisk-tui drift report</title><style>\
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}\
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\
tr.drift td:first-child{border-left:4px solid #c0392b}.bad{color:#c0392b}.ok{color:#27ae60}\
.row{display:flex;align-items:center;gap:4px;font-size:12px}.lbl{width:130px;overflow:hidden}\
.bar{display:inline-block;height:8px;background:#999}.bar.cur{background:#2e86de}.num{color:#666}\
</style></head><body>",
    );
    let _ = write!(
        out,
        "<h1>Drift report</h1><p>Reference: {} .. {} ({}). Current: {} .. {}. Tests and thresholds follow Evidently's DataDriftPreset defaults.</p>",
        r.reference_start,
        r.reference_end,
        esc(&r.reference),
        r.current_start,
        r.current_end
    );
    for s in &r.scopes {
        scope_html(s, &mut out);
    }
    out.push_str("</body></html>\n");
    out
}
