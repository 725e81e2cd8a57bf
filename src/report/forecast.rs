//! `forecast` output: per scope the returns to come from pending orders and the orders (and
//! returns) of the next days; `forecast --backtest`: the replay's accuracy per scope.

use super::{num, opt, pct, table};
use crate::data::label::LabelNoun;
use crate::engine::backtest::Backtest;
use crate::engine::brief::{Brief, Opens};
use crate::engine::forecast::{Forecast, ScopeForecast};
use crate::text::clean;
use crate::text::csv_field;
use std::fmt::Write as _;

/// A count with its 90% interval: `123 (90%: 101-140)`.
fn with_interval(mean: f64, low: f64, high: f64) -> String {
    format!("{mean:.0} (90%: {low:.0}-{high:.0})")
}

/// One scope's summary lines.
fn scope_lines(s: &ScopeForecast, horizon: u32, noun: &LabelNoun, out: &mut String) {
    let plural = &noun.plural;
    let _ = writeln!(out, "[{}]", s.scope);
    match &s.pending {
        Some(p) if p.orders == 0 => {
            let _ = writeln!(
                out,
                "  pending orders   none (none younger than the label's latency)"
            );
        }
        Some(p) => {
            let _ = writeln!(
                out,
                "  pending orders   {}: {plural} still to come {} (90%: {}-{}), value at risk {:.0}",
                p.orders,
                p.expected.round(),
                p.low,
                p.high,
                p.revenue_at_risk
            );
        }
        None => {
            let _ = writeln!(out, "  pending orders   n/a (no scores)");
        }
    }
    match &s.volume {
        Some(v) => {
            let _ = writeln!(
                out,
                "  next {horizon} days     orders {}, at recent risk {} {plural} {}",
                with_interval(v.orders, v.orders_low, v.orders_high),
                pct(v.recent_risk),
                match (v.returns, v.returns_low, v.returns_high) {
                    (Some(m), Some(l), Some(h)) => with_interval(m, l, h),
                    _ => "n/a".into(),
                }
            );
            let _ = writeln!(
                out,
                "  model            {} alpha {} beta {} gamma {} phi {}, one-step sd {:.1} orders, {} days of history",
                v.model,
                v.params.alpha,
                v.params.beta,
                v.params.gamma,
                v.params.phi,
                v.sigma,
                v.history_days
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  next {horizon} days     {}",
                s.note.as_deref().unwrap_or("n/a")
            );
        }
    }
}

/// The forecast as text: each scope's summary, then the daily orders of every scope.
pub fn forecast_table(f: &Forecast, noun: &LabelNoun) -> String {
    let mut out = format!(
        "Forecast from {} for {} days (orders already placed, then orders to come)\n",
        f.as_of, f.horizon
    );
    for s in &f.scopes {
        scope_lines(s, f.horizon, noun, &mut out);
    }
    let with_days: Vec<&ScopeForecast> = f.scopes.iter().filter(|s| s.volume.is_some()).collect();
    let Some(first) = with_days.first().and_then(|s| s.volume.as_ref()) else {
        return out;
    };
    let mut headers = vec!["date".to_string()];
    headers.extend(
        with_days
            .iter()
            .map(|s| format!("{} orders (90%)", s.scope)),
    );
    let rows: Vec<Vec<String>> = (0..first.days.len())
        .map(|d| {
            let mut row = vec![first.days[d].date.clone()];
            for s in &with_days {
                let day = s.volume.as_ref().and_then(|v| v.days.get(d));
                row.push(day.map_or("n/a".into(), |x| {
                    format!("{:.0} ({:.0}-{:.0})", x.orders, x.low, x.high)
                }));
            }
            row
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    out.push('\n');
    out.push_str(&table(&headers, &rows));
    out
}

/// One row per scope and day: the daily forecast, with the scope's totals on each row.
pub fn forecast_csv(f: &Forecast) -> String {
    let mut out = String::from(
        "scope,date,orders,orders_low,orders_high,pending_orders,pending_expected_returns,pending_low,pending_high\n",
    );
    for s in &f.scopes {
        let pending = s.pending.as_ref().map_or(",,,".to_string(), |p| {
            format!("{},{},{},{}", p.orders, p.expected, p.low, p.high)
        });
        let days = s.volume.as_ref().map_or(&[][..], |v| &v.days[..]);
        if days.is_empty() {
            let _ = writeln!(out, "{},,,,,{pending}", csv_field(&s.scope));
        }
        for d in days {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{pending}",
                csv_field(&s.scope),
                d.date,
                d.orders,
                d.low,
                d.high
            );
        }
    }
    out
}

/// Where a statement leads, in words (the dashboard key that opens it).
fn opens_text(o: &Opens) -> String {
    match o {
        Opens::Seller(id) => format!("seller {id}"),
        Opens::Category(c) => format!("category {c}"),
        Opens::Alerts => "Alerts tab".into(),
        Opens::Drift(m) => format!("Drift tab, {m}"),
        Opens::Marketplace => "Marketplace tab".into(),
        Opens::Models => "Models tab".into(),
    }
}

/// The briefing as text: one numbered statement a line, with where to see more.
pub fn brief_table(b: &Brief) -> String {
    // Statements quote names from the data files: their control characters are not sent
    // to the terminal.
    let mut out = format!("Briefing: {} | {}\n", b.window, clean(&b.marketplace));
    if b.statements.is_empty() {
        out.push_str("nothing changed that is worth saying\n");
    }
    for (k, s) in b.statements.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. {} [{}]",
            k + 1,
            clean(&s.text),
            opens_text(&s.opens)
        );
    }
    out
}

/// One row per statement.
pub fn brief_csv(b: &Brief) -> String {
    let mut out = String::from("rank,topic,text,opens\n");
    for (k, s) in b.statements.iter().enumerate() {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            k + 1,
            s.topic,
            csv_field(&s.text),
            csv_field(&opens_text(&s.opens))
        );
    }
    out
}

/// The backtest as text: per scope the volume accuracy and the then-pending returns.
pub fn backtest_table(b: &Backtest, noun: &LabelNoun) -> String {
    let mut out = format!(
        "Backtest to {}: {} weekly origins, {}-day forecasts; orders of the {} day(s) before an origin (the label's latency) count as pending then\n\n",
        b.as_of,
        b.scopes.first().map_or(0, |s| s.volume.origins.len()),
        b.horizon,
        b.pending_days
    );
    let rows: Vec<Vec<String>> = b
        .scopes
        .iter()
        .map(|s| {
            let v = &s.volume;
            let predicted = crate::util::sum(s.returns.iter().map(|r| r.predicted));
            let actual: u64 = s.returns.iter().map(|r| r.actual).sum();
            let inside = s
                .returns
                .iter()
                .filter(|r| r.low <= r.actual && r.actual <= r.high)
                .count();
            vec![
                s.scope.clone(),
                num(v.mase, 3),
                num(v.naive_mase, 3),
                pct(v.coverage),
                if s.returns.is_empty() {
                    "n/a".into()
                } else {
                    format!("{predicted:.0}")
                },
                if s.returns.is_empty() {
                    "n/a".into()
                } else {
                    actual.to_string()
                },
                format!("{inside}/{}", s.returns.len()),
            ]
        })
        .collect();
    if let Some(note) = &b.returns_note {
        let _ = writeln!(out, "{} predicted: {note}\n", noun.plural_title());
    }
    out.push_str(&table(
        &[
            "scope",
            "MASE",
            "naive MASE",
            "90% coverage",
            &format!("{} predicted", noun.plural),
            "actual",
            "inside 90%",
        ],
        &rows,
    ));
    out
}

/// One row per scope and origin.
pub fn backtest_csv(b: &Backtest) -> String {
    let mut out = String::from(
        "scope,origin,orders_forecast,orders_actual,days_covered,days,pending_orders,returns_predicted,returns_low,returns_high,returns_actual\n",
    );
    for s in &b.scopes {
        for v in &s.volume.origins {
            let r = s.returns.iter().find(|r| r.origin == v.origin);
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&s.scope),
                v.origin,
                v.forecast,
                v.actual,
                v.covered,
                v.days,
                r.map_or(String::new(), |r| r.orders.to_string()),
                opt(r.map(|r| r.predicted)),
                r.map_or(String::new(), |r| r.low.to_string()),
                r.map_or(String::new(), |r| r.high.to_string()),
                r.map_or(String::new(), |r| r.actual.to_string()),
            );
        }
    }
    out
}
