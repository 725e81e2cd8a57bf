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
        why.extend(contribution_lines(c, t));
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

/// The three features that move the seller's risk most against its marketplace, in
/// points, one a line.
fn contribution_lines<'a>(c: &ContributionDrivers, t: &Theme) -> Vec<Line<'a>> {
    let head = format!("vs {}: ", c.marketplace_id);
    c.drivers
        .iter()
        .take(3)
        .enumerate()
        .map(|(k, x)| {
            let verb = if x.difference >= 0.0 {
                "raises"
            } else {
                "lowers"
            };
            let lead = if k == 0 {
                head.clone()
            } else {
                " ".repeat(head.len())
            };
            Line::from(vec![
                Span::styled(lead, t.header),
                Span::raw(format!(
                    "{} {verb} risk {:+.1} pts",
                    x.feature,
                    100.0 * x.difference
                )),
            ])
        })
        .collect()
}

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
