//! The drill-down's Why panel: the alert that led here, the four rules against the seller's
//! marketplace (a reason only when the seller is worse than its marketplace), and the model's
//! drivers with the direction they push this seller's risk.

use crate::data::label::LabelNoun;
use crate::engine::contrib::ContributionDrivers;
use crate::engine::explain::Explanation;
use crate::engine::{ExplanationRule, SellerDetail};
use crate::tui::drivers::ContribState;
use crate::tui::theme::Theme;
use crate::tui::widgets::{num, pct};
use ratatui::text::{Line, Span};

/// Formats an explanation's value.
type Formatter = fn(Option<f64>) -> String;

/// The panel's lines for `d`, opened from `alert` when one led there, with its drivers by
/// contribution when they are known (else the model's drivers with their direction).
pub fn lines<'a>(
    d: &SellerDetail,
    alert: Option<&str>,
    contrib: Option<&ContribState>,
    t: &Theme,
    noun: &LabelNoun,
    width: usize,
) -> Vec<Line<'a>> {
    let mut why: Vec<Line> = Vec::new();
    if let Some(alert) = alert {
        why.push(Line::from(vec![
            Span::styled("alert: ", t.warn),
            Span::raw(alert.to_string()),
        ]));
    }
    why.extend(
        d.explanations
            .iter()
            .map(|e| why_line(e, &d.marketplace_id, t, noun)),
    );
    if let Some(ContribState::Ready(_, c)) = contrib {
        why.extend(contribution_lines(c, t, width));
    } else if let Some(ContribState::Computing(_)) = contrib {
        why.push(Line::from(vec![
            Span::styled(format!("vs {}: ", d.marketplace_id), t.header),
            Span::styled(
                "computing what explains the gap (TreeSHAP on sampled orders)...",
                t.dim,
            ),
        ]));
    } else if !d.drivers.is_empty() {
        let names: Vec<String> = d
            .drivers
            .iter()
            .map(|x| format!("{}: {}", x.feature, x.direction.words()))
            .collect();
        why.push(Line::from(vec![
            Span::styled("drivers: ", t.header),
            Span::raw(names.join("; ")),
        ]));
    }
    why
}

/// The gap between the seller's mean risk and its marketplace's, then what makes it up: the
/// three features that move it most, the other features together, and the models' baselines
/// when they differ; the parts add up to the gap.
fn contribution_lines<'a>(c: &ContributionDrivers, t: &Theme, width: usize) -> Vec<Line<'a>> {
    let pts = |v: f64| crate::text::signed(100.0 * v, 1);
    let mut parts: Vec<String> = c
        .drivers
        .iter()
        .take(TOP_DRIVERS)
        .map(|x| format!("{} {}", pts(x.difference), x.feature))
        .collect();
    let rest = c.drivers.len().saturating_sub(TOP_DRIVERS);
    if rest > 0 {
        let others = crate::util::sum(c.drivers.iter().skip(TOP_DRIVERS).map(|x| x.difference));
        parts.push(format!("{} the other {rest} features", pts(others)));
    }
    if c.baseline.abs() >= 0.0005 {
        parts.push(format!("{} models' baselines", pts(c.baseline)));
    }
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("vs {}: ", c.marketplace_id), t.header),
        Span::raw(format!(
            "gap {} pts ({:.1}% vs {:.1}%, {} and {} orders explained) =",
            pts(c.gap),
            100.0 * c.seller_risk,
            100.0 * c.marketplace_risk,
            c.seller_orders,
            c.marketplace_orders
        )),
    ])];
    // The parts, as many to a line as fit the panel.
    let mut line = String::from(" ");
    for (k, p) in parts.iter().enumerate() {
        let piece = if k + 1 < parts.len() {
            format!(" {p},")
        } else {
            format!(" {p}")
        };
        if line.len() > 1 && crate::text::width(&line) + crate::text::width(&piece) > width {
            lines.push(Line::from(std::mem::replace(&mut line, String::from(" "))));
        }
        line.push_str(&piece);
    }
    lines.push(Line::from(line));
    lines
}

/// Features named one by one in the Why panel; the rest are summed in one line.
pub const TOP_DRIVERS: usize = 3;

/// One rule of the Why panel: `!` when it is a reason (it fires and the seller is worse than
/// its marketplace), `·` when it fires for the marketplace as much as for the seller.
fn why_line<'a>(e: &Explanation, marketplace: &str, t: &Theme, noun: &LabelNoun) -> Line<'a> {
    let rate = noun.rate_title();
    let (label, fmt, rule): (&str, Formatter, String) = match e.rule {
        ExplanationRule::ReturnRate => (
            rate.as_str(),
            |v| pct(v, "n/a"),
            format!(">{:.0}%", 100.0 * e.threshold),
        ),
        ExplanationRule::CodShare => (
            "COD share",
            |v| pct(v, "n/a"),
            format!(">{:.0}%", 100.0 * e.threshold),
        ),
        ExplanationRule::Rating => (
            "Rating",
            |v| num(v, 2, "n/a"),
            format!("<{:.1}", e.threshold),
        ),
        ExplanationRule::MeanRisk => (
            "Mean risk",
            |v| pct(v, "n/a"),
            format!(">{:.0}%", 100.0 * e.threshold),
        ),
    };
    // The labels' column: as wide as "Return rate", wider for a longer label noun.
    let w = 11.max(rate.chars().count());
    if !e.applicable {
        return Line::from(Span::styled(
            format!("  {label:<w$}not applicable: no such column"),
            t.dim,
        ));
    }
    let (mark, style, verdict) = match (e.triggered, e.reason) {
        (true, true) => {
            let side = if e.rule == ExplanationRule::Rating {
                "below"
            } else {
                "above"
            };
            ("! ", t.crit, format!("rule {rule}, {side} {marketplace}"))
        }
        (true, false) => ("· ", t.dim, format!("rule {rule}, {marketplace} too")),
        _ => ("  ", t.dim, format!("rule {rule}")),
    };
    Line::from(vec![
        Span::styled(mark, style),
        Span::raw(format!(
            "{label:<w$}{:>6} vs {:>6} {marketplace}",
            fmt(e.value),
            fmt(e.marketplace_value),
        )),
        Span::styled(format!("  {verdict}"), t.dim),
    ])
}
