//! The `?` overlay: every key that acts on the current screen (from the key map, like the
//! footer), then one line per measure the screen shows that needs explaining.

use super::app::App;
use super::tab::Tab;
use super::widgets::block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Draws the help over `body`: the keys that act on this screen, then what its measures mean.
pub fn draw(f: &mut Frame, body: Rect, app: &App) {
    let t = &app.theme;
    let entries = app.keymap.help(app.screen());
    // One column if it fits, else two side by side.
    let rows_avail = body.height.saturating_sub(2) as usize;
    let columns = if entries.len() <= rows_avail { 1 } else { 2 };
    let per_col = entries.len().div_ceil(columns);
    let w = if columns == 1 {
        72.min(body.width)
    } else {
        body.width
    };
    let col_w = (w.saturating_sub(2) as usize) / columns;
    let mut lines: Vec<Line> = (0..per_col)
        .map(|r| {
            let mut spans = Vec::new();
            for c in 0..columns {
                if let Some((k, h)) = entries.get(c * per_col + r) {
                    let text: String = h
                        .to_string()
                        .chars()
                        .take(col_w.saturating_sub(12))
                        .collect();
                    spans.push(Span::styled(format!("{k:>9}  "), t.header));
                    spans.push(Span::raw(format!(
                        "{text:<width$}",
                        width = col_w.saturating_sub(11)
                    )));
                }
            }
            Line::from(spans)
        })
        .collect();
    // What the numbers on this screen mean, one line each.
    for (what, text) in glossary(app) {
        lines.push(Line::from(vec![
            Span::styled(format!("{what:>12}  "), t.header),
            Span::raw(text),
        ]));
    }
    // On data whose label is not a return, say what it is.
    for (what, text) in [
        ("Label", &app.snap.label_definition),
        ("Marketplaces", &app.snap.marketplace_definition),
    ] {
        if let Some(text) = text {
            lines.push(Line::from(vec![
                Span::styled(format!("{what:>12}  "), t.header),
                Span::raw(text.clone()),
            ]));
        }
    }
    let h = (lines.len() as u16 + 2).min(body.height);
    let area = Rect {
        x: body.x + (body.width - w) / 2,
        y: body.y + (body.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Keys on this screen (Esc or ? closes) ")),
        area,
    );
}

/// One line per measure the screen shows that needs explaining, in the label's own words
/// (`Exp.BR  expected bad reviews: ...` on Olist's proxy label).
fn glossary(app: &App) -> Vec<(String, String)> {
    let noun = &app.snap.label_noun;
    glossary_of(app)
        .into_iter()
        .map(|(what, text)| {
            let text = match what {
                "Exp.ret" => format!("expected {}: the sum of the orders' risks", noun.plural),
                "Ret+" => format!("the same for the {}", noun.rate()),
                "Excess" => format!(
                    "orders x (shrunk rate - marketplace rate): {} beyond the marketplace's",
                    noun.plural
                ),
                _ => text.to_string(),
            };
            (noun.header(what).into_owned(), text)
        })
        .collect()
}

/// The glossary of the screen shown, in the default label's words.
fn glossary_of(app: &App) -> Vec<(&'static str, &'static str)> {
    let model = [
        (
            "ROC AUC",
            "chance an order labelled positive ranks riskier than one that is not (0.5 coin toss, 1 perfect)",
        ),
        (
            "Brier",
            "mean squared gap between risk and outcome on unseen orders (0 perfect, lower better)",
        ),
    ];
    match app.nav.tab {
        Tab::Models => {
            let mut g = model.to_vec();
            g.push((
                "ΔBrier",
                "this model's Brier minus the alternative's on the same orders (< 0: better)",
            ));
            g
        }
        Tab::Drift => vec![
            (
                "ks",
                "Kolmogorov-Smirnov: p < 0.05 means the two periods differ beyond chance",
            ),
            (
                "chi_square",
                "chi-square on the levels' counts: p < 0.05 means the mix changed",
            ),
            (
                "z_test",
                "two-proportion z-test of a two-level column: p < 0.05 means its share moved",
            ),
            (
                "wasserstein",
                "how far values moved, in reference standard deviations; drift from 0.1",
            ),
            (
                "jensen_shannon",
                "distance between the two histograms (0 same, 1 disjoint); drift from 0.1",
            ),
            (
                "×thr",
                "how far past its threshold a test is: 1 or more is drift",
            ),
        ],
        Tab::Sellers if app.pages.seller.is_some() => {
            let mut g = model.to_vec();
            g.push((
                "Trend",
                "change of the daily mean risk over the window, n/a when within noise",
            ));
            g
        }
        Tab::Sellers | Tab::Categories | Tab::Marketplace => {
            let mut g = vec![
                (
                    "Trend",
                    "change of the daily mean risk over the window, n/a when within noise",
                ),
                (
                    "Exp.ret",
                    "expected count of the label: the sum of the orders' risks",
                ),
                ("Lab.", "labelled orders: the evidence behind every rate"),
                (
                    "EB",
                    "empirical Bayes: the figure pulled toward its marketplace by its evidence",
                ),
                (
                    "Risk+",
                    "points the mean risk is surely (95%) above its marketplace's; ranks by it",
                ),
                ("Ret+", "the same for the rate of the label"),
                (
                    "Excess",
                    "orders x (shrunk rate - marketplace rate): the label's count beyond it",
                ),
            ];
            if app.nav.tab == Tab::Sellers {
                g.push((
                    "Band",
                    "risk band of the shrunk mean risk (Risk EB); what b keeps",
                ));
            }
            g
        }
        Tab::Alerts => vec![
            (
                "Case",
                "the alert's case and where it stands (Monitoring tab); none yet until evaluated",
            ),
            (
                "n",
                "the test's evidence: labelled orders (rate), orders (mean), days (slope)",
            ),
            (
                "q",
                "p-value adjusted for all the rule's tests; fires at q <= [alerts] fdr",
            ),
        ],
        Tab::Monitoring => vec![
            (
                "Worklist",
                "open cases first, most severe first, then oldest; closed ones after",
            ),
            ("working", "acknowledged or being investigated"),
            (
                "quiet",
                "evaluations in a row without the alert; at [cases] recover_after it recovers",
            ),
            (
                "resolved",
                "cases resolved in the window's days before today (all: ever)",
            ),
            (
                "evaluation",
                "each data or model reload, pipeline run or `cases evaluate` reconciles",
            ),
        ],
    }
}
