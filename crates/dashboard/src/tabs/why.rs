//! The drill-down's Why panel: the alert that led here, the four rules against the seller's
//! marketplace (a reason only when the seller is worse than its marketplace), and the model's
//! drivers with the direction they push this seller's risk.

use crate::drivers::ContribState;
use crate::theme::Theme;
use crate::widgets::{num, pct};
use ratatui::text::{Line, Span};
use returnrisk_core::data::label::LabelNoun;
use returnrisk_core::engine::contrib::{ContributionDriver, ContributionDrivers};
use returnrisk_core::engine::explain::Explanation;
use returnrisk_core::engine::{ExplanationRule, SellerDetail};

/// Formats an explanation's value.
type Formatter = fn(Option<f64>) -> String;

/// What the Why panel explains: a seller, the alert that led there, its drivers by
/// contribution (when asked for), in the label's words.
pub struct WhyPanel<'a> {
    /// The seller.
    pub detail: &'a SellerDetail,
    /// The alert the drill-down was opened from.
    pub alert: Option<&'a str>,
    /// Its drivers by contribution.
    pub contrib: Option<&'a ContribState>,
    /// The label's words.
    pub noun: &'a LabelNoun,
}

impl WhyPanel<'_> {
    /// The panel's lines, `width` wide, with the drivers by contribution when they are known
    /// (else the model's drivers with their direction). When they are more than `room`, the
    /// rules that do not fire share one line.
    pub fn lines<'l>(&self, t: &Theme, width: usize, room: usize) -> Vec<Line<'l>> {
        let full = self.build(t, width, false);
        if full.len() <= room {
            return full;
        }
        self.build(t, width, true)
    }

    /// The panel's lines; `compact`: the rules that do not fire named on one line.
    fn build<'l>(&self, t: &Theme, width: usize, compact: bool) -> Vec<Line<'l>> {
        let WhyPanel {
            detail: d,
            alert,
            contrib,
            noun,
        } = *self;
        let mut why: Vec<Line> = Vec::new();
        if let Some(alert) = alert {
            why.push(Line::from(vec![
                Span::styled("alert: ", t.warn),
                Span::raw(alert.to_string()),
            ]));
        }
        let (fired, quiet): (Vec<&Explanation>, Vec<&Explanation>) = d
            .explanations
            .iter()
            .partition(|e| !compact || (e.applicable && e.triggered));
        why.extend(
            fired
                .into_iter()
                .map(|e| why_line(e, &d.marketplace_id, t, noun)),
        );
        if !quiet.is_empty() {
            let names: Vec<String> = quiet.iter().map(|e| rule_label(e.rule, noun)).collect();
            why.push(Line::from(Span::styled(
                format!("  not fired: {}", names.join(", ")),
                t.dim,
            )));
        }
        if let Some(ContribState::Ready(_, c)) = contrib {
            why.extend(contribution_lines(c, t, width));
        } else if let Some(ContribState::Computing(_)) = contrib {
            why.push(Line::from(vec![
                Span::styled(format!("vs {}: ", d.marketplace_id), t.header),
                Span::styled("computing what explains the gap (TreeSHAP)...", t.dim),
            ]));
        } else {
            // The model's drivers, one a line (read whole at any width).
            why.extend(d.drivers.iter().enumerate().map(|(i, x)| {
                let head = if i == 0 { "drivers: " } else { "         " };
                Line::from(vec![
                    Span::styled(head, t.header),
                    Span::raw(format!("{}: {}", x.feature, x.direction.words())),
                ])
            }));
        }
        why
    }
}

/// The gap between the seller's mean risk and its marketplace's, then what makes it up; and
/// for a seller whose risk is rising, the change within the window and what makes it up.
fn contribution_lines<'a>(c: &ContributionDrivers, t: &Theme, width: usize) -> Vec<Line<'a>> {
    let mut lines = explained_lines(
        format!("vs {}: ", c.marketplace_id),
        format!(
            "gap {} pts ({:.1}% vs {:.1}%, {} and {} orders explained) =",
            pts(c.gap),
            100.0 * c.seller_risk,
            100.0 * c.marketplace_risk,
            c.seller_orders,
            c.marketplace_orders
        ),
        &c.drivers,
        c.baseline,
        t,
        width,
    );
    if let Some(ch) = &c.change {
        lines.extend(explained_lines(
            "change: ".into(),
            format!(
                "{} pts, the window's second half (from {}) vs its first ({:.1}% vs {:.1}%, \
                 {} and {} orders explained) =",
                pts(ch.change),
                ch.recent.0,
                100.0 * ch.recent_risk,
                100.0 * ch.earlier_risk,
                ch.recent_orders,
                ch.earlier_orders
            ),
            &ch.drivers,
            ch.baseline,
            t,
            width,
        ));
    }
    lines
}

/// A probability difference in points, signed.
fn pts(v: f64) -> String {
    returnrisk_core::text::signed(100.0 * v, 1)
}

/// A difference and what makes it up: `header` and `summary`, then the three features that
/// move it most, the other features together, and the models' baselines when they differ
/// (the parts add up to the difference), wrapped at `width`.
fn explained_lines<'a>(
    header: String,
    summary: String,
    drivers: &[ContributionDriver],
    baseline: f64,
    t: &Theme,
    width: usize,
) -> Vec<Line<'a>> {
    let mut parts: Vec<String> = drivers
        .iter()
        .take(TOP_DRIVERS)
        .map(|x| format!("{} {}", pts(x.difference), x.feature))
        .collect();
    let rest = drivers.len().saturating_sub(TOP_DRIVERS);
    if rest > 0 {
        let others =
            returnrisk_core::util::sum(drivers.iter().skip(TOP_DRIVERS).map(|x| x.difference));
        parts.push(format!("{} the other {rest} features", pts(others)));
    }
    if baseline.abs() >= 0.0005 {
        parts.push(format!("{} models' baselines", pts(baseline)));
    }
    // The summary after the header, then the parts, as many to a line as fit the panel.
    let head = returnrisk_core::text::width(&header);
    let words: Vec<&str> = summary.split(' ').collect();
    let mut summary = wrap(&words, width.saturating_sub(head), width).into_iter();
    let mut lines = vec![Line::from(vec![
        Span::styled(header, t.header),
        Span::raw(summary.next().unwrap_or_default()),
    ])];
    lines.extend(summary.map(Line::from));
    let n = parts.len();
    let pieces: Vec<String> = parts
        .into_iter()
        .enumerate()
        .map(|(k, p)| if k + 1 < n { format!("{p},") } else { p })
        .collect();
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let parts = wrap(&pieces, width.saturating_sub(2), width);
    lines.extend(
        parts
            .into_iter()
            .map(|l| Line::from(format!("  {}", l.trim_start()))),
    );
    lines
}

/// `pieces` joined by spaces into lines of at most `first` columns for the first line and
/// `width` for the others (which start with two spaces); a piece wider than a line gets a
/// line of its own.
fn wrap(pieces: &[&str], first: usize, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut limit = first;
    for p in pieces {
        let empty = line.trim().is_empty();
        if !empty
            && returnrisk_core::text::width(&line) + 1 + returnrisk_core::text::width(p) > limit
        {
            lines.push(std::mem::replace(&mut line, String::from("  ")));
            limit = width;
        } else if !empty {
            line.push(' ');
        }
        line.push_str(p);
    }
    lines.push(line);
    lines
}

/// Features named one by one in the Why panel; the rest are summed in one line.
pub const TOP_DRIVERS: usize = 3;

/// A rule's name in the Why panel.
fn rule_label(rule: ExplanationRule, noun: &LabelNoun) -> String {
    match rule {
        ExplanationRule::ReturnRate => noun.rate_title(),
        ExplanationRule::CodShare => "COD share".into(),
        ExplanationRule::Rating => "Rating".into(),
        ExplanationRule::MeanRisk => "Mean risk".into(),
    }
}

/// One rule of the Why panel: `!` when it is a reason (it fires and the seller is worse than
/// its marketplace), `·` when it fires for the marketplace as much as for the seller.
fn why_line<'a>(e: &Explanation, marketplace: &str, t: &Theme, noun: &LabelNoun) -> Line<'a> {
    let rate = noun.rate_title();
    let label = rule_label(e.rule, noun);
    let label = label.as_str();
    let (fmt, rule): (Formatter, String) = match e.rule {
        ExplanationRule::ReturnRate => (|v| pct(v, "n/a"), format!(">{:.0}%", 100.0 * e.threshold)),
        ExplanationRule::CodShare => (|v| pct(v, "n/a"), format!(">{:.0}%", 100.0 * e.threshold)),
        ExplanationRule::Rating => (|v| num(v, 2, "n/a"), format!("<{:.1}", e.threshold)),
        ExplanationRule::MeanRisk => (|v| pct(v, "n/a"), format!(">{:.0}%", 100.0 * e.threshold)),
    };
    // The labels' column: as wide as "Return rate" and a space, wider for a longer label
    // noun (a 6-character value never touches it: not "Return rate100.0%").
    let w = 12.max(rate.chars().count() + 1);
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
