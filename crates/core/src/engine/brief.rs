//! The briefing: the few statements that matter most in a window, each computed, with its
//! numbers and the screen that shows more. A statement is made only when there is something
//! to say (no previous window: no change; no drift: no drift statement).
//!
//! The change in expected returns (the sum of the orders' risks) against the window before
//! is split by a shift-share decomposition over sellers and over categories. With a group's
//! orders `n` and mean risk `r` now and `n'`, `r'` before, its change `n r - n' r'` is
//! exactly `(n - n') (r + r') / 2` (volume) plus `(r - r') (n + n') / 2` (rate); a group
//! absent from one window takes the other window's rate, so all of its change is volume.

use super::alerts::{AlertRule, Severity, Target};
use super::cube::Cell;
use super::forecast::ScopeForecast;
use super::snapshot::{Scope, Snapshot, snapshot_ending};
use super::walk::group_sums;
use super::{Engine, Window};
use crate::model::GLOBAL;
use crate::model::registry::Registry;
use serde::Serialize;
use std::collections::HashMap;

/// Most statements a briefing makes.
pub const MAX_STATEMENTS: usize = 5;
/// A change in expected returns smaller than this share of the previous window's is not
/// news.
pub const MIN_RELATIVE_CHANGE: f64 = 0.01;
/// Days ahead the briefing's forecast statement looks.
pub const FORECAST_DAYS: u32 = 7;

/// One group's part of a change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Part {
    /// Seller id or category name.
    pub id: String,
    /// Expected returns now minus before.
    pub change: f64,
    /// The part from the number of orders.
    pub volume: f64,
    /// The part from the mean risk.
    pub rate: f64,
}

/// A change split into volume and rate effects by group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShiftShare {
    /// Expected returns now.
    pub now: f64,
    /// And in the window before.
    pub before: f64,
    /// The volume effects summed.
    pub volume: f64,
    /// The rate effects summed.
    pub rate: f64,
    /// The groups, largest change (in magnitude) first.
    pub parts: Vec<Part>,
}

/// The shift-share decomposition of `now` against `before`, one cell per group named by
/// `names`.
pub fn shift_share(now: &[Cell], before: &[Cell], names: &[String]) -> ShiftShare {
    let mut parts: Vec<Part> = now
        .iter()
        .zip(before)
        .zip(names)
        .filter(|((a, b), _)| a.orders > 0 || b.orders > 0)
        .map(|((a, b), name)| {
            let (n, n0) = (a.orders as f64, b.orders as f64);
            let r = a.mean_risk();
            let r0 = b.mean_risk();
            let (r, r0) = (r.or(r0).unwrap_or(0.0), r0.or(r).unwrap_or(0.0));
            let volume = (n - n0) * (r + r0) / 2.0;
            let rate = (r - r0) * (n + n0) / 2.0;
            Part {
                id: name.clone(),
                change: volume + rate,
                volume,
                rate,
            }
        })
        .collect();
    parts.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    ShiftShare {
        now: now.iter().map(|c| c.risk_sum).sum(),
        before: before.iter().map(|c| c.risk_sum).sum(),
        volume: parts.iter().map(|p| p.volume).sum(),
        rate: parts.iter().map(|p| p.rate).sum(),
        parts,
    }
}

crate::named_enum! {
    /// What a statement is about.
    pub enum Topic {
        /// Expected returns by seller.
        Sellers => "sellers",
        /// Expected returns by category.
        Categories => "categories",
        /// New or worsened alerts.
        Alerts => "alerts",
        /// Data drift.
        Drift => "drift",
        /// The forecast against the last days.
        Forecast => "forecast",
        /// The models.
        Model => "model",
    }
}

/// The screen a statement's key opens.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "screen", content = "id", rename_all = "snake_case")]
pub enum Opens {
    /// A seller's drill-down.
    Seller(String),
    /// A category on the Categories tab.
    Category(String),
    /// The Alerts tab.
    Alerts,
    /// The Drift tab of a marketplace.
    Drift(String),
    /// The Marketplace tab.
    Marketplace,
    /// The Models tab.
    Models,
}

/// One statement with the numbers behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    /// What it is about.
    pub topic: Topic,
    /// The statement in words.
    pub text: String,
    /// Where to see more.
    pub opens: Opens,
}

/// A window's briefing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Brief {
    /// The window.
    pub window: String,
    /// `all` or the marketplace id.
    pub marketplace: String,
    /// The statements, most important first (at most [`MAX_STATEMENTS`]).
    pub statements: Vec<Statement>,
    /// The decomposition by seller (`null` without a previous window or scores).
    pub by_seller: Option<ShiftShare>,
    /// The decomposition by category.
    pub by_category: Option<ShiftShare>,
}

/// `+12` / `-3` for a count of labelled-positive orders (`0` under half a return either way).
fn signed(v: f64) -> String {
    if v.abs() < 0.5 {
        "0".into()
    } else {
        format!("{v:+.0}")
    }
}

/// The statement on a decomposition: the total with its rate and volume parts, then the
/// largest group's (`total` false: the group only, the total being said already).
fn change_statement(
    s: &ShiftShare,
    label: &str,
    window: &str,
    total: bool,
    name_of: &dyn Fn(&str) -> String,
    plural: &str,
) -> Option<(String, String)> {
    let change = s.now - s.before;
    if s.before <= 0.0 || (change / s.before).abs() < MIN_RELATIVE_CHANGE {
        return None;
    }
    let top = s.parts.first()?;
    let group = format!(
        "{} {} (rate {}, volume {})",
        name_of(&top.id),
        signed(top.change),
        signed(top.rate),
        signed(top.volume),
    );
    let text = if total {
        format!(
            "Expected {plural} {} ({:+.1}%) vs prior {window}, {:.0} now: rate {}, volume {}; most from {label} {group}",
            signed(change),
            100.0 * change / s.before,
            s.now,
            signed(s.rate),
            signed(s.volume),
        )
    } else {
        format!(
            "By {label}, expected {plural} moved most in {group}; rate {}, volume {} in all",
            signed(s.rate),
            signed(s.volume)
        )
    };
    Some((text, top.id.clone()))
}

impl Engine {
    /// The briefing for `window` and `marketplace`, from their snapshot `snap` (what
    /// [`Engine::snapshot_at`] gives), the scope's [`FORECAST_DAYS`]-day forecast and the
    /// registry for the model's status (when it is known).
    pub fn brief(
        &self,
        snap: &Snapshot,
        window: Window,
        marketplace: Option<u16>,
        registry: Option<&Registry>,
        forecast: &ScopeForecast,
    ) -> Brief {
        let mut out = Vec::new();
        let (by_seller, by_category) = self.decompositions(window, marketplace).unzip();
        let label = snap.window_label();
        let plural = snap.label_noun.plural.as_str();
        let ds = &self.data;
        let seller_name = |id: &str| {
            ds.seller_index(id)
                .map_or(id.to_string(), |i| format!("{id} {}", ds.sellers[i].name))
        };
        if let Some((text, id)) = by_seller
            .as_ref()
            .and_then(|s| change_statement(s, "seller", &label, true, &seller_name, plural))
        {
            out.push(Statement {
                topic: Topic::Sellers,
                text,
                opens: Opens::Seller(id),
            });
        }
        out.extend(self.alert_statement(snap, window, marketplace));
        out.extend(drift_statement(snap));
        if let Some((text, id)) = by_category.as_ref().and_then(|s| {
            change_statement(s, "category", &label, false, &|c| c.to_string(), plural)
        }) {
            out.push(Statement {
                topic: Topic::Categories,
                text,
                opens: Opens::Category(id),
            });
        }
        out.extend(self.forecast_statement(marketplace, forecast));
        out.extend(self.model_statement(registry));
        out.truncate(MAX_STATEMENTS);
        Brief {
            window: window.to_string(),
            marketplace: snap.marketplace.clone(),
            statements: out,
            by_seller,
            by_category,
        }
    }

    /// The decompositions by seller and by category against the window before.
    fn decompositions(
        &self,
        window: Window,
        marketplace: Option<u16>,
    ) -> Option<(ShiftShare, ShiftShare)> {
        let Window::Days(n) = window else {
            return None;
        };
        let c = &self.cube;
        let start = window.start_day(c.last_day, c.first_day);
        if !c.scored || start - (n as i32) < c.first_day {
            return None;
        }
        let scope = Scope {
            marketplace,
            category: None,
        };
        let (s_now, c_now) = group_sums(&self.data, c, start, c.last_day, scope);
        let (s_then, c_then) = group_sums(&self.data, c, start - n as i32, start - 1, scope);
        let ids: Vec<String> = self.data.sellers.iter().map(|s| s.id.clone()).collect();
        Some((
            shift_share(&s_now, &s_then, &ids),
            shift_share(&c_now, &c_then, &self.data.categories),
        ))
    }

    /// Alerts that fire now and did not at the end of the window before, or fire at a higher
    /// severity.
    fn alert_statement(
        &self,
        snap: &Snapshot,
        window: Window,
        marketplace: Option<u16>,
    ) -> Option<Statement> {
        let Window::Days(n) = window else {
            return None;
        };
        let c = &self.cube;
        let end = c.last_day - n as i32;
        if end < c.first_day {
            return None;
        }
        let scope = Scope {
            marketplace,
            category: None,
        };
        let models = self.models.as_deref();
        let then = snapshot_ending(&self.data, c, models, window, scope, end, self.alert_policy);
        let before: HashMap<(AlertRule, &Target), Severity> = then
            .alerts
            .iter()
            .map(|a| ((a.rule, &a.target), a.severity))
            .collect();
        let changed: Vec<_> = snap
            .alerts
            .iter()
            .filter(|a| a.rule != AlertRule::DataDrift)
            .filter_map(|a| match before.get(&(a.rule, &a.target)) {
                None => Some((a, "new")),
                Some(s) if a.severity > *s => Some((a, "worse")),
                _ => None,
            })
            .collect();
        let first = changed.first()?;
        let new = changed.iter().filter(|(_, w)| *w == "new").count();
        let critical = changed
            .iter()
            .filter(|(a, _)| a.severity == Severity::Critical)
            .count();
        Some(Statement {
            topic: Topic::Alerts,
            text: format!(
                "{new} new, {} worse alerts vs prior {} ({critical} critical); top: {}",
                changed.len() - new,
                snap.window_label(),
                first.0.message
            ),
            opens: Opens::Alerts,
        })
    }

    /// The next days' orders and returns against the same number of days just past.
    fn forecast_statement(
        &self,
        marketplace: Option<u16>,
        forecast: &ScopeForecast,
    ) -> Option<Statement> {
        let v = forecast.volume.as_ref()?;
        let days = v.days.len() as i32;
        let c = &self.cube;
        let past = c.totals(c.last_day - days + 1, c.last_day, marketplace);
        let returns = v.returns.zip(v.returns_low).zip(v.returns_high);
        let plural = &self.data.schema.label_noun.plural;
        let past_returns = c.scored.then_some(past.risk_sum);
        let text = match (returns, past_returns) {
            (Some(((m, l), h)), Some(pr)) => format!(
                "Next {days} days: {:.0} orders ({:.0}-{:.0}), {m:.0} {plural} ({l:.0}-{h:.0}); last {days}: {} orders, {pr:.0} expected {plural}",
                v.orders, v.orders_low, v.orders_high, past.orders
            ),
            _ => format!(
                "Next {days} days: {:.0} orders ({:.0}-{:.0}); last {days}: {} orders",
                v.orders, v.orders_low, v.orders_high, past.orders
            ),
        };
        Some(Statement {
            topic: Topic::Forecast,
            text,
            opens: Opens::Marketplace,
        })
    }

    /// The global model: when it was trained, holdout ROC AUC, and a newer version held back.
    fn model_statement(&self, registry: Option<&Registry>) -> Option<Statement> {
        let m = self.models.as_ref()?;
        // The date, not "N days ago": the same data and models say the same thing any day.
        let trained = chrono::DateTime::parse_from_rfc3339(&m.trained_at).ok()?;
        let on = trained.with_timezone(&chrono::Utc).date_naive();
        let version = m
            .version_of(GLOBAL)
            .map_or(String::new(), |v| format!(" v{}", v.version));
        let held = registry
            .and_then(|r| r.models.get(GLOBAL))
            .and_then(|e| {
                let active = e.active?;
                e.versions
                    .iter()
                    .rev()
                    .find(|v| v.version > active && !v.promoted && !v.pruned)
            })
            .map_or(String::new(), |v| {
                format!("; v{} was held back: {}", v.version, v.reason)
            });
        let auc = m
            .global
            .metrics
            .roc_auc
            .map_or("n/a".into(), |a| format!("{a:.3}"));
        Some(Statement {
            topic: Topic::Model,
            text: format!("Model global{version} trained {on}, holdout ROC AUC {auc}{held}"),
            opens: Opens::Models,
        })
    }
}

/// The marketplaces whose data drifted, from the snapshot's drift alerts.
fn drift_statement(snap: &Snapshot) -> Option<Statement> {
    let drifts: Vec<_> = snap
        .alerts
        .iter()
        .filter(|a| a.rule == AlertRule::DataDrift)
        .collect();
    let first = drifts.first()?;
    let Target::Marketplace(id) = &first.target else {
        return None;
    };
    Some(Statement {
        topic: Topic::Drift,
        text: format!(
            "Drift in {}: {}",
            match drifts.len() {
                1 => "1 marketplace".to_string(),
                n => format!("{n} marketplaces"),
            },
            first.message
        ),
        opens: Opens::Drift(id.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(orders: u64, risk_sum: f64) -> Cell {
        Cell {
            orders,
            risk_sum,
            ..Cell::default()
        }
    }

    #[test]
    fn the_parts_sum_to_the_change_of_every_group_and_of_the_total() {
        let now = [cell(10, 3.0), cell(0, 0.0), cell(40, 8.0), cell(5, 4.5)];
        let before = [cell(20, 4.0), cell(7, 2.1), cell(40, 6.0), cell(0, 0.0)];
        let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let s = shift_share(&now, &before, &names);
        for p in &s.parts {
            let i = names.iter().position(|n| *n == p.id).unwrap();
            let want = now[i].risk_sum - before[i].risk_sum;
            assert!((p.volume + p.rate - want).abs() < 1e-12, "{p:?}");
        }
        assert!((s.volume + s.rate - (s.now - s.before)).abs() < 1e-12);
        // c: same orders, higher risk -> all rate; d: new -> all volume; b: gone -> volume.
        let part = |id: &str| s.parts.iter().find(|p| p.id == id).unwrap().clone();
        assert_eq!(part("c").volume, 0.0);
        assert!((part("c").rate - 2.0).abs() < 1e-12);
        assert_eq!(part("d").rate, 0.0);
        assert!((part("d").volume - 4.5).abs() < 1e-12);
        assert_eq!(part("b").rate, 0.0);
        // a: half the orders at a higher rate: volume -10 x 0.25, rate +0.1 x 15.
        assert!((part("a").volume + 2.5).abs() < 1e-12);
        assert!((part("a").rate - 1.5).abs() < 1e-12);
        // Largest change first.
        assert_eq!(s.parts[0].id, "d");
    }
}
