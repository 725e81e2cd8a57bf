//! One query of the cube: every number the dashboard and `report` show for a window and a
//! marketplace filter.

use super::Window;
use super::alerts::{Alert, AlertInputs, AlertPolicy, evaluate_alerts};
use super::cube::{Cell, Cube};
use super::health::{Health, TREND_DAYS, health_score};
use super::shrink::Member;
use super::stats::Regression;
use super::stats::{Change, TREND_MIN_DAYS};
use super::walk::{Walk, walk};
use crate::data::Dataset;
use crate::model::ModelSet;
use serde::Serialize;

/// One day of a trend. Days without orders are present with `orders = 0` and null rates:
/// a gap, not a zero.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendPoint {
    /// YYYY-MM-DD.
    pub date: String,
    /// Orders that day.
    pub orders: u64,
    /// Labelled orders that day.
    pub labelled: u64,
    /// Returns that day.
    pub returned: u64,
    /// returned / labelled, null when nothing is labelled.
    pub return_rate: Option<f64>,
    /// Mean predicted risk, null without orders or scores.
    pub mean_risk: Option<f64>,
}

/// Counts and rates shared by categories and sellers (flattened into their JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupStats {
    /// Orders.
    pub orders: u64,
    /// Labelled orders.
    pub labelled: u64,
    /// Returned orders.
    pub returned: u64,
    /// returned / labelled.
    pub return_rate: Option<f64>,
    /// The return rate pulled toward the reference's (the seller's marketplace, or all the
    /// categories) by an empirical-Bayes beta-binomial prior.
    pub return_rate_shrunk: Option<f64>,
    /// How far the rate is above the reference's at least, with 95% posterior probability
    /// (negative: not surely above): what rankings by rate use.
    pub return_rate_above: Option<f64>,
    /// Orders x (shrunk rate - the reference's rate): returns beyond what the reference's rate
    /// would give (negative: fewer).
    pub excess_returns: Option<f64>,
    /// Mean predicted risk.
    pub mean_risk: Option<f64>,
    /// The mean risk pulled toward the reference's by an empirical-Bayes normal prior.
    pub mean_risk_shrunk: Option<f64>,
    /// How far the mean risk is above the reference's at least, with 95% posterior
    /// probability (negative: not surely above): what rankings by risk use.
    pub mean_risk_above: Option<f64>,
    /// High-risk orders.
    pub high_risk_orders: Option<u64>,
    /// High-risk share.
    pub high_risk_share: Option<f64>,
    /// Least-squares slope of the daily mean risk, per day.
    pub risk_slope: Option<f64>,
    /// Its standard error (`null` with fewer than three days).
    pub risk_slope_se: Option<f64>,
    /// Half-width of its 95% interval, per day: Student's t with days - 2 degrees of
    /// freedom (at least 2) times the standard error; `null` with fewer than
    /// [`TREND_MIN_DAYS`] days with orders. A trend is one when the slope is farther from 0
    /// than this.
    pub risk_slope_margin: Option<f64>,
    /// Expected returns: the sum of the orders' risks.
    pub expected_returns: Option<f64>,
    /// Revenue at risk: the sum of risk x price.
    pub revenue_at_risk: Option<f64>,
}

impl GroupStats {
    /// From a cell's sums; risk numbers only when `scored`.
    fn new(c: &Cell, scored: bool, reg: &Regression) -> Self {
        GroupStats {
            orders: c.orders,
            labelled: c.labelled,
            returned: c.returned,
            return_rate: c.return_rate(),
            return_rate_shrunk: None,
            return_rate_above: None,
            excess_returns: None,
            mean_risk: c.mean_risk().filter(|_| scored),
            mean_risk_shrunk: None,
            mean_risk_above: None,
            high_risk_orders: scored.then_some(c.high),
            high_risk_share: c.high_share().filter(|_| scored),
            risk_slope: reg.slope().filter(|_| scored),
            risk_slope_se: reg.slope_se().filter(|_| scored),
            risk_slope_margin: reg
                .slope_margin()
                .filter(|_| scored && reg.len() >= TREND_MIN_DAYS),
            expected_returns: scored.then_some(c.risk_sum),
            revenue_at_risk: scored.then_some(c.revenue_at_risk),
        }
    }
}

/// A category's numbers in the window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryStats {
    /// Category name.
    pub category: String,
    /// Counts and rates.
    #[serde(flatten)]
    pub stats: GroupStats,
    /// Daily mean risk, aligned with the snapshot's `trend` days.
    pub trend: Vec<Option<f64>>,
}

/// A seller's numbers in the window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SellerStats {
    /// Its index in the dataset's sellers (what the cube's per-seller sums are indexed by).
    #[serde(skip)]
    pub index: usize,
    /// `seller_id`.
    pub seller_id: String,
    /// `seller_name`.
    pub seller_name: String,
    /// `marketplace_id`.
    pub marketplace_id: String,
    /// Counts and rates.
    #[serde(flatten)]
    pub stats: GroupStats,
    /// Share of COD orders.
    pub cod_share: Option<f64>,
    /// Mean product rating.
    pub mean_rating: Option<f64>,
    /// Mean delivery days.
    pub mean_delivery_days: Option<f64>,
    /// t statistic of the risk slope.
    #[serde(skip)]
    pub risk_slope_t: Option<f64>,
    /// Days with orders (points behind the slope).
    #[serde(skip)]
    pub active_days: usize,
    /// Model that scores it: `global` or the seller id.
    pub model: Option<String>,
}

/// Everything for one (window, marketplace).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    /// `7`, `30`, `90` or `all`.
    pub window: String,
    /// Latest order date in the data.
    pub as_of: String,
    /// First day of the window.
    pub start: String,
    /// Marketplace id, or `all`.
    pub marketplace: String,
    /// What the label is when it is not a return (e.g. Olist's "bad review (score <= 2), a
    /// proxy for a return"); every "return" number is this label's rate. `null`: returns.
    pub label_definition: Option<String>,
    /// What one labelled-positive order is called (`return`, `bad review`): the words every
    /// screen uses for the `return*` fields, whose names stay.
    pub label_noun: crate::data::label::LabelNoun,
    /// The prices' currency (`[display] currency` of `schema.toml`); `null`: not named.
    pub currency: Option<String>,
    /// What a marketplace is when it is not one (e.g. the seller's region); `null`: one.
    pub marketplace_definition: Option<String>,
    /// Whether risk numbers are available (false while models train).
    pub scored: bool,
    /// Orders.
    pub total_orders: u64,
    /// Sellers with at least one order in the window.
    pub total_sellers: usize,
    /// Orders with a known outcome.
    pub labelled_orders: u64,
    /// Returned orders.
    pub returned_orders: u64,
    /// Orders whose outcome is not known yet and may still be: unlabelled and younger than
    /// the label's latency.
    pub pending_orders: u64,
    /// Unlabelled orders older than the label's latency: they will not be labelled, and
    /// count in no rate and no pending figure.
    pub never_labelled_orders: u64,
    /// Days an order may take to be labelled, measured from the data (the 99th percentile:
    /// see `engine/latency.rs`); `null` when nothing is labelled.
    pub label_latency_days: Option<u32>,
    /// returned / labelled.
    pub return_rate: Option<f64>,
    /// Mean predicted risk.
    pub mean_risk: Option<f64>,
    /// High-risk orders.
    pub high_risk_orders: Option<u64>,
    /// High-risk share.
    pub high_risk_share: Option<f64>,
    /// Largest risk score.
    pub peak_risk: Option<f64>,
    /// Sum of risk x price.
    pub revenue_at_risk: Option<f64>,
    /// Share of COD orders.
    pub cod_share: Option<f64>,
    /// Mean product rating.
    pub mean_rating: Option<f64>,
    /// Mean delivery days.
    pub mean_delivery_days: Option<f64>,
    /// Health score 0-100.
    pub health_score: Option<f64>,
    /// The health score's parts.
    pub health: Health,
    /// Slope of the daily mean risk, per day.
    pub risk_slope: Option<f64>,
    /// Its standard error.
    pub risk_slope_se: Option<f64>,
    /// Half-width of its 95% interval, per day (see [`GroupStats::risk_slope_margin`]).
    pub risk_slope_margin: Option<f64>,
    /// One point per day of the window.
    pub trend: Vec<TrendPoint>,
    /// Categories, highest mean risk first.
    pub categories: Vec<CategoryStats>,
    /// Sellers, highest mean risk first.
    pub sellers: Vec<SellerStats>,
    /// Alerts, most severe first.
    pub alerts: Vec<Alert>,
    /// The same figures for the window of equal length before this one (`null` for all
    /// time, a category's numbers, or data that does not reach back that far).
    pub previous: Option<super::period::Previous>,
    /// Returns to come from the pending orders of the marketplace filter (whatever the
    /// window; `null` without scores).
    pub pending_returns: Option<super::pending::PendingReturns>,
}

impl Snapshot {
    /// The window in words: `30d`, or `all time`.
    pub fn window_label(&self) -> String {
        match self.window.as_str() {
            "all" => "all time".into(),
            w => format!("{w}d"),
        }
    }
}

/// Which orders a snapshot counts (besides the window).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only sellers of this marketplace.
    pub marketplace: Option<u16>,
    /// Only orders of this category.
    pub category: Option<u16>,
}

/// Answers a (window, marketplace) query from the cube, alerting by `policy`.
pub fn snapshot(
    ds: &Dataset,
    cube: &Cube,
    models: Option<&ModelSet>,
    window: Window,
    marketplace: Option<u16>,
    policy: AlertPolicy,
) -> Snapshot {
    let scope = Scope {
        marketplace,
        category: None,
    };
    snapshot_in(ds, cube, models, window, scope, policy)
}

/// Answers a (window, scope) query from the cube, alerting by `policy`.
pub fn snapshot_in(
    ds: &Dataset,
    cube: &Cube,
    models: Option<&ModelSet>,
    window: Window,
    scope: Scope,
    policy: AlertPolicy,
) -> Snapshot {
    snapshot_ending(ds, cube, models, window, scope, cube.last_day, policy)
}

/// The same query for the window ending on day `end` instead of the data's last day (what
/// the dashboard showed then, for the briefing's new and worsened alerts).
pub fn snapshot_ending(
    ds: &Dataset,
    cube: &Cube,
    models: Option<&ModelSet>,
    window: Window,
    scope: Scope,
    end: i32,
    policy: AlertPolicy,
) -> Snapshot {
    let marketplace = scope.marketplace;
    let start = window.start_day(end, cube.first_day);
    let w = walk(ds, cube, start, end, scope);
    let scored = cube.scored;
    let risk = |v: Option<f64>| if scored { v } else { None };
    let n_days = w.per_day.len();

    let (trend, total_reg) = trend_points(&w, start, scored);
    let mut categories = category_stats(ds, &w, scored);
    let mut sellers = seller_stats(ds, &w, models, scored);
    shrink_groups(ds, &w, &mut sellers, &mut categories, scored);
    categories.sort_by(|a, b| by_risk(&a.stats, &b.stats));
    sellers.sort_by(|a, b| by_risk(&a.stats, &b.stats));

    let t = &w.total;
    // One measurement of the label's latency per query (it reads every day of the cube).
    let latency = cube.label_latency();
    let pending_from = cube.pending_from_latency(latency);
    let pending = pending_orders(&w, start, pending_from);
    let risk_slope = risk(total_reg.slope());
    let risk_slope_se = risk(total_reg.slope_se());
    let risk_slope_margin = risk(total_reg.slope_margin());
    let rise = Change::over(risk_slope, risk_slope_margin, n_days.min(TREND_DAYS));
    let health = health_score(
        risk(t.mean_risk()),
        risk(t.high_share()),
        t.return_rate(),
        rise,
    );
    let total_name = marketplace.map_or_else(
        || "all marketplaces".into(),
        |m| ds.marketplaces[m as usize].clone(),
    );
    let alerts = evaluate_alerts(&AlertInputs {
        ds,
        per_marketplace: &w.per_marketplace,
        total: &w.total,
        total_name: &total_name,
        per_seller: &w.per_seller,
        per_category: &w.per_category,
        sellers: &sellers,
        scored,
        policy,
    });
    let critical = alerts
        .iter()
        .filter(|a| a.severity == super::alerts::Severity::Critical)
        .count();
    let health = health.with_evidence(critical, rise);
    Snapshot {
        window: window.to_string(),
        as_of: crate::data::day_string(end),
        start: crate::data::day_string(start),
        marketplace: marketplace
            .map_or_else(|| "all".into(), |m| ds.marketplaces[m as usize].clone()),
        label_definition: ds.schema.label_definition.clone(),
        label_noun: ds.schema.label_noun.clone(),
        currency: ds.schema.currency.clone(),
        marketplace_definition: ds.schema.marketplace_definition.clone(),
        scored,
        total_orders: t.orders,
        total_sellers: sellers.len(),
        labelled_orders: t.labelled,
        returned_orders: t.returned,
        pending_orders: pending,
        never_labelled_orders: t.orders - t.labelled - pending,
        label_latency_days: latency,
        return_rate: t.return_rate(),
        mean_risk: risk(t.mean_risk()),
        high_risk_orders: scored.then_some(t.high),
        high_risk_share: risk(t.high_share()),
        peak_risk: risk((t.orders > 0).then_some(t.risk_max)),
        revenue_at_risk: risk(Some(t.revenue_at_risk)),
        cod_share: t.cod_share(),
        mean_rating: t.mean_rating(),
        mean_delivery_days: t.mean_delivery(),
        health_score: health.score,
        health,
        risk_slope,
        risk_slope_se,
        risk_slope_margin,
        trend,
        categories,
        sellers,
        pending_returns: None,
        previous: match scope.category {
            None => super::period::previous(cube, window, start, marketplace, &w.total),
            Some(_) => None,
        },
        alerts,
    }
}

/// The window's daily points, and the regression of its daily mean risk on the day.
fn trend_points(w: &Walk, start: i32, scored: bool) -> (Vec<TrendPoint>, Regression) {
    let mut total_reg = Regression::default();
    let trend = w
        .per_day
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mean_risk = c.mean_risk().filter(|_| scored);
            if let Some(m) = mean_risk {
                total_reg.add(i as f64, m);
            }
            TrendPoint {
                date: crate::data::day_string(start + i as i32),
                orders: c.orders,
                labelled: c.labelled,
                returned: c.returned,
                return_rate: c.return_rate(),
                mean_risk,
            }
        })
        .collect();
    (trend, total_reg)
}

/// Every category with orders in the window, with its daily mean risk (shrunk figures left
/// for [`shrink_groups`]).
fn category_stats(ds: &Dataset, w: &Walk, scored: bool) -> Vec<CategoryStats> {
    let n_days = w.per_day.len();
    w.per_category
        .iter()
        .enumerate()
        .filter(|(_, c)| c.orders > 0)
        .map(|(ci, c)| {
            let mut reg = Regression::default();
            let series: Vec<Option<f64>> = (0..n_days)
                .map(|d| {
                    let (rs, n) = w.category_day[ci * n_days + d];
                    let v = crate::util::ratio(rs, n as f64).filter(|_| scored);
                    if let Some(v) = v {
                        reg.add(d as f64, v);
                    }
                    v
                })
                .collect();
            CategoryStats {
                category: ds.categories[ci].clone(),
                stats: GroupStats::new(c, scored, &reg),
                trend: series,
            }
        })
        .collect()
}

/// Every seller with orders in the window (shrunk figures left for [`shrink_groups`]).
fn seller_stats(
    ds: &Dataset,
    w: &Walk,
    models: Option<&ModelSet>,
    scored: bool,
) -> Vec<SellerStats> {
    w.per_seller
        .iter()
        .enumerate()
        .filter(|(_, c)| c.orders > 0)
        .map(|(si, c)| {
            let s = &ds.sellers[si];
            let reg = &w.seller_reg[si];
            SellerStats {
                index: si,
                seller_id: s.id.clone(),
                seller_name: s.name.clone(),
                marketplace_id: ds.marketplaces[s.marketplace as usize].clone(),
                stats: GroupStats::new(c, scored, reg),
                cod_share: c.cod_share(),
                mean_rating: c.mean_rating(),
                mean_delivery_days: c.mean_delivery(),
                risk_slope_t: reg.slope_t().filter(|_| scored),
                active_days: reg.len(),
                model: models.map(|m| m.model_for(&s.id).1.to_string()),
            }
        })
        .collect()
}

/// Orders of the window not labelled yet and younger than the label's latency (from day
/// `pending_from` on).
fn pending_orders(w: &Walk, start: i32, pending_from: i32) -> u64 {
    w.per_day
        .iter()
        .enumerate()
        .filter(|(i, _)| start + *i as i32 >= pending_from)
        .map(|(_, c)| c.orders - c.labelled)
        .sum()
}

/// Fills the sellers' shrunk figures (each toward its marketplace) and the categories' (toward
/// the scope's total).
fn shrink_groups(
    ds: &Dataset,
    w: &Walk,
    sellers: &mut [SellerStats],
    categories: &mut [CategoryStats],
    scored: bool,
) {
    let mut members: Vec<Member> = sellers
        .iter_mut()
        .map(|s| {
            let mp = ds.sellers[s.index].marketplace as usize;
            Member {
                stats: &mut s.stats,
                cell: &w.per_seller[s.index],
                reference: &w.per_marketplace[mp],
            }
        })
        .collect();
    super::shrink::fill(&mut members, scored);
    let mut members: Vec<Member> = categories
        .iter_mut()
        .filter_map(|c| {
            let ci = ds.category_index(&c.category)?;
            Some(Member {
                stats: &mut c.stats,
                cell: &w.per_category[ci],
                reference: &w.total,
            })
        })
        .collect();
    super::shrink::fill(&mut members, scored);
}

/// Surely furthest above the reference first, by mean risk (unknown last), then by return
/// rate, then most orders: a group of one risky order does not outrank one of a hundred
/// unless its evidence does.
fn by_risk(a: &GroupStats, b: &GroupStats) -> std::cmp::Ordering {
    rank_desc(a.mean_risk_above, b.mean_risk_above)
        .then(rank_desc(a.return_rate_above, b.return_rate_above))
        .then(b.orders.cmp(&a.orders))
}

/// Descending order with `None` last.
fn rank_desc(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}
