//! What every figure and marker on each screen means, in plain words: the `?` help shows
//! the current screen's part, and docs/dashboard.md's glossary is the same text (a test keeps the
//! two equal). Written in the default label's words (returns); the help puts a dataset's own
//! label in (bad reviews on Olist's proxy label).

/// A screen with its own figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The Marketplace tab (home): briefing, health, key numbers, forecast.
    Marketplace,
    /// The Sellers and Categories tables.
    Tables,
    /// The Alerts tab.
    Alerts,
    /// The Models tab.
    Models,
    /// The Drift tab.
    Drift,
    /// The Monitoring tab.
    Monitoring,
    /// A seller's drill-down.
    Seller,
    /// An order's pane.
    Order,
}

impl Screen {
    /// Every screen, in the order docs/dashboard.md lists them.
    pub const ALL: [Screen; 8] = [
        Screen::Marketplace,
        Screen::Tables,
        Screen::Alerts,
        Screen::Models,
        Screen::Drift,
        Screen::Monitoring,
        Screen::Seller,
        Screen::Order,
    ];

    /// The screen's name as docs/dashboard.md's glossary heads it.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Marketplace => "Marketplace (home)",
            Screen::Tables => "Sellers and Categories",
            Screen::Alerts => "Alerts",
            Screen::Models => "Models",
            Screen::Drift => "Drift",
            Screen::Monitoring => "Monitoring",
            Screen::Seller => "A seller's drill-down",
            Screen::Order => "An order's pane",
        }
    }
}

/// Terms every table shares with the home screen.
const TREND: (&str, &str) = (
    "Trend",
    "change of the daily mean risk over the whole window, in points (the least-squares slope times the window's days) ± its 95% margin (Student's t on the days with orders, at least two standard errors); ↑ rising, ↓ falling; n/a (noise ±x) when the change cannot be told from noise, and for a seller or category with orders on fewer than 5 days; the header names the window (Trend 30d)",
);

const ROC_AUC: (&str, &str) = (
    "ROC AUC",
    "on orders the model never trained on (its holdout): the chance that a returned order ranks riskier than a kept one; 0.5 is a coin toss, 1 perfect",
);

const BRIER: (&str, &str) = (
    "Brier",
    "on the holdout: mean squared gap between the risk and what happened (0 perfect, lower better)",
);

/// What marks a Sellers-only entry of [`Screen::Tables`].
pub const SELLERS_ONLY: &str = " (Sellers only)";

/// The figures of `screen`: (term, meaning).
pub fn entries(screen: Screen) -> Vec<(&'static str, &'static str)> {
    match screen {
        Screen::Marketplace => vec![
            (
                "Health",
                "0-100, higher is healthier: 100 minus a weighted mean of the mean risk (weight 40), the High share (25), the return rate (20) and a significant rise of the risk trend (15); a part that is n/a drops out. good above 80, warning above 50, else critical; a critical alert or a significant rise of the mean risk holds a good score at warning, and the reason shows under it",
            ),
            (
                "Orders",
                "orders placed in the window, in the marketplace shown",
            ),
            (
                "Return rate",
                "returned orders / labelled orders of the window; orders not labelled yet count in no rate",
            ),
            (
                "High",
                "orders whose risk is in the High band (from 50% by default, [risk] bands), and their share of the window's orders",
            ),
            (
                "Mean risk",
                "the mean of the orders' risks: the model's probability that each order is returned",
            ),
            ("Peak risk", "the highest daily mean risk of the window"),
            (
                "At risk",
                "the sum of price × risk over the window's orders: the money expected to come back, in the data's currency",
            ),
            (
                "Pending",
                "orders of the window whose outcome is not known yet and still may be (not labelled, younger than the label's latency); (+N never): older unlabelled orders, which count nowhere",
            ),
            TREND,
            (
                "vs prior",
                "this window minus the one of the same length before it: rates in points, counts and money in percent; p: two-sided two-proportion z-test of the change (p < .05: unlikely to be chance)",
            ),
            (
                "All pending",
                "the forecast's pending orders are every order not labelled yet, whatever the window; the returns still to come are the sum of their risks, with a 90% interval (the exact Poisson-binomial; a normal approximation for very many orders)",
            ),
            (
                "Next N days",
                "orders forecast for the coming days (a seasonal model of the daily volume) with a 90% interval, times the recent mean risk",
            ),
            (
                "90% interval",
                "the range the true figure falls in 9 times out of 10, given the model",
            ),
        ],
        Screen::Tables => vec![
            (
                "Lab.",
                "labelled orders: the evidence behind every rate; a rate on few is mostly chance",
            ),
            (
                "EB",
                "empirical Bayes: the seller's or category's figure pulled toward its marketplace's, the more the less evidence it has",
            ),
            (
                "Risk+",
                "points by which the mean risk is surely (95%) above its marketplace's; the default ranking",
            ),
            ("Ret+", "the same for the return rate"),
            ("Exp.ret", "expected returns: the sum of the orders' risks"),
            (
                "Excess",
                "orders × (shrunk return rate - the marketplace's): returns beyond what the marketplace's rate predicts",
            ),
            (
                "Band",
                "risk band of the shrunk mean risk (Risk EB): Low below 25%, Medium below 50%, High from 50% by default ([risk] bands); what b keeps (Sellers only)",
            ),
            (
                "ΔRisk",
                "the mean risk of this window minus that of the window of the same length before it, in points",
            ),
            (
                "At risk",
                "the sum of price × risk over the orders: the money expected to come back",
            ),
            ("High", "share of the orders in the High risk band"),
            ("COD", "share of cash-on-delivery orders (Sellers only)"),
            ("Rating", "mean product rating of the orders (Sellers only)"),
            TREND,
        ],
        Screen::Alerts => vec![
            (
                "▸+N",
                "a row per target, at its first alert: N more alerts of the same target; Space shows them under it (▾), Space again hides them",
            ),
            (
                "Severity",
                "CRIT (critical), WARN (warning) or INFO, by the size of the effect",
            ),
            (
                "n",
                "the test's evidence: labelled orders (a rate), orders (a mean), days (a slope)",
            ),
            (
                "q",
                "the p-value adjusted for all of the rule's tests (Benjamini-Hochberg); an alert fires at q <= [alerts] fdr, so at most that share of the alerts is expected to be chance",
            ),
            (
                "p",
                "the chance of an effect at least this large if the seller or category were like its marketplace",
            ),
            (
                "Case",
                "the alert's case and where it stands (Monitoring tab); none yet until the next evaluation",
            ),
        ],
        Screen::Models => vec![
            ROC_AUC,
            BRIER,
            (
                "ΔBrier",
                "this model's Brier minus the alternative's on the same orders (below 0: better)",
            ),
            (
                "own vN",
                "the seller's own model, version N, scores its orders (it beat the global model on the seller's holdout); global: the marketplace-wide model does",
            ),
        ],
        Screen::Drift => vec![
            (
                "ks",
                "Kolmogorov-Smirnov test of a numeric column: p < 0.05 means the two periods differ beyond chance",
            ),
            (
                "chi_square",
                "chi-square test of a categorical column's counts: p < 0.05 means the mix changed",
            ),
            (
                "z_test",
                "two-proportion z-test of a two-level column: p < 0.05 means its share moved",
            ),
            (
                "wasserstein",
                "how far the values moved, in the reference's standard deviations; drift from 0.1",
            ),
            (
                "jensen_shannon",
                "distance between the two histograms (0 the same, 1 disjoint); drift from 0.1",
            ),
            (
                "×thr",
                "how far past its threshold a test is: 1 or more is drift",
            ),
        ],
        Screen::Monitoring => vec![
            (
                "Worklist",
                "open cases first, the most severe first, then the oldest; closed ones after",
            ),
            ("working", "acknowledged or being investigated"),
            (
                "quiet",
                "evaluations in a row without the alert; at [cases] recover_after the case recovers",
            ),
            (
                "resolved",
                "cases resolved in the window's days before today by the clock (all: ever)",
            ),
            (
                "snoozed until",
                "a data day: the case comes back at the first evaluation whose data reaches it",
            ),
            (
                "evaluation",
                "each data or model reload, pipeline run or `cases evaluate` reconciles the cases with the alerts",
            ),
        ],
        Screen::Seller => vec![
            ROC_AUC,
            BRIER,
            (
                "threshold",
                "the risk from which the model says \"returned\" (the best F1 on its training period)",
            ),
            (
                "trained/tested",
                "orders the model trained on, and orders of its holdout (from the test date on) that it is scored on",
            ),
            (
                "!",
                "in Why: a rule that fires and on which the seller is worse than its marketplace: a reason",
            ),
            (
                "·",
                "in Why: a rule that fires for the marketplace as much as for the seller: not a reason",
            ),
            (
                "Drivers",
                "what moves the seller's risks: each feature's mean contribution (TreeSHAP) over the orders explained",
            ),
            TREND,
        ],
        Screen::Order => vec![
            (
                "Risk",
                "the model's probability that this order is returned, and its band",
            ),
            (
                "pts",
                "what each feature adds to the risk, in points: the model's mean risk over its training orders plus every contribution is the risk (exact TreeSHAP)",
            ),
            (
                "in-sample",
                "the model trained on this order, so its risk flatters the model; holdout risks are out-of-sample",
            ),
            (
                "What-if",
                "the risk with the changed values; numbers stay within the values the data holds, and the data never changes",
            ),
        ],
    }
}

/// The glossary as docs/dashboard.md prints it: a table per screen.
pub fn markdown() -> String {
    let mut out = String::new();
    for s in Screen::ALL {
        out.push_str(&format!(
            "**{}**\n\n| Figure | Meaning |\n| --- | --- |\n",
            s.title()
        ));
        for (term, text) in entries(s) {
            let cell = |x: &str| x.replace('|', "\\|");
            out.push_str(&format!("| {} | {} |\n", cell(term), cell(text)));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_explains_something_and_no_term_twice() {
        for s in Screen::ALL {
            let e = entries(s);
            assert!(!e.is_empty(), "{}", s.title());
            let mut terms: Vec<&str> = e.iter().map(|(t, _)| *t).collect();
            terms.sort_unstable();
            terms.dedup();
            assert_eq!(terms.len(), e.len(), "{}", s.title());
        }
    }
}
