//! Alerts tab: ranked alerts with severity (colour and word); Enter opens the target: the
//! seller's drill-down (showing the alert), the category, or the Drift tab of a marketplace.

use crate::app::App;
use crate::export::ExportTable;
use crate::page::{Goto, Page};
use crate::query::Field;
use crate::tab::Tab;
use crate::table::{SortKey, TableView, text_cmp};
use crate::widgets::{Col, TableText, block, col, sorted, table};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Wrap};
use returnrisk_core::engine::{Alert, AlertRule, Target};

/// What the alerts table is ordered by: the engine's ranking (severity, then size of the
/// effect), or the target.
pub type AlertSort = RankSort;

const COLS: [Col<AlertSort>; 7] = [
    sorted("Severity", 9, false, 9, RankSort::Rank),
    sorted("Target", 12, false, 8, RankSort::Target),
    col("n", 7, true, 6),
    col("q", 7, true, 5),
    col("Case", 18, false, 4),
    col("Rule", 30, false, 3),
    col("Message", 40, false, 7),
];

/// The evidence of an alert for its table row: the test's sample size (`n`: labelled orders
/// of a rate, orders of a mean, days of a slope) and the adjusted p-value (`q`); `-` where the
/// rule has none (drift, the untested rules' q).
pub fn evidence_cells(a: &Alert) -> (String, String) {
    let e = a.evidence.as_ref();
    (
        e.map_or("-".into(), |e| returnrisk_core::text::count(e.n)),
        e.and_then(|e| e.q_value)
            .map_or("-".into(), returnrisk_core::engine::alerts::p_cell),
    )
}

/// The case of `a` in words: `#12 acknowledged`, `none yet` before the evaluation has
/// opened it, `n/a` while the cases cannot be read.
pub fn case_cell(app: &App, a: &Alert) -> String {
    match &app.cases.worklist {
        None => "n/a".into(),
        Some(w) => w.case_of(a.rule, &a.target).map_or("none yet".into(), |d| {
            format!("#{} {}", d.case.id, d.case.state)
        }),
    }
}

/// Name of an alert's target.
pub fn target_name(t: &Target) -> &str {
    match t {
        Target::Seller(id) | Target::Category(id) | Target::Marketplace(id) => id,
    }
}

/// Style and word of a severity.
pub fn severity(app: &App, s: returnrisk_core::engine::Severity) -> (Style, &'static str) {
    let t = &app.theme;
    match s {
        returnrisk_core::engine::Severity::Critical => (t.crit, "CRIT"),
        returnrisk_core::engine::Severity::Warning => (t.warn, "WARN"),
        returnrisk_core::engine::Severity::Info => (t.dim, "INFO"),
    }
}

/// The fields `/` can name on the Alerts and Monitoring tabs.
pub const ALERT_FIELDS: [Field; 6] = [
    Field::Sev,
    Field::State,
    Field::Seller,
    Field::Cat,
    Field::Market,
    Field::Rule,
];

/// A target's fields: a seller's id, name and marketplace; a category; a marketplace.
pub fn target_fields(app: &App, target: &Target) -> Vec<(Field, String)> {
    let ds = &app.engine.data;
    match target {
        Target::Seller(id) => {
            let mut out = vec![(Field::Seller, id.clone())];
            if let Some(s) = ds.seller_index(id).map(|i| &ds.sellers[i]) {
                out.push((Field::Seller, s.name.clone()));
                let market = ds.marketplaces.get(usize::from(s.marketplace));
                out.extend(market.map(|m| (Field::Market, m.clone())));
            }
            out
        }
        Target::Category(name) => vec![(Field::Cat, name.clone())],
        Target::Marketplace(id) => vec![(Field::Market, id.clone())],
    }
}

/// The fields of an alert or case: severity (its short and full word), rule, target, and
/// the case's state when there is one.
pub fn rule_fields(
    app: &App,
    sev: returnrisk_core::engine::Severity,
    rule: AlertRule,
    target: &Target,
    state: Option<String>,
) -> Vec<(Field, String)> {
    let mut out = vec![
        (Field::Sev, severity(app, sev).1.to_string()),
        (Field::Sev, sev.to_string()),
        (Field::Rule, rule.to_string()),
    ];
    out.extend(state.map(|s| (Field::State, s)));
    out.extend(target_fields(app, target));
    out
}

/// Where Enter on `alert` leads.
pub fn alert_target(app: &App, alert: &Alert) -> Option<Goto> {
    target_goto(app, alert.rule, &alert.target, &alert.message)
}

/// Where an alert of `rule` on `target` leads (`message` shown in a seller's Why panel).
pub fn target_goto(app: &App, rule: AlertRule, target: &Target, message: &str) -> Option<Goto> {
    let ds = &app.engine.data;
    match target {
        Target::Seller(id) => Some(Goto::Seller {
            id: id.clone(),
            category: None,
            alert: Some(message.to_string()),
            order: None,
        }),
        Target::Category(name) => {
            let i = ds.categories.iter().position(|c| c == name)?;
            Some(Goto::Category(i as u16))
        }
        Target::Marketplace(id) => {
            let m = ds.marketplace_index(id).map(|m| m as u16);
            let tab = if rule == AlertRule::DataDrift {
                Tab::Drift
            } else {
                Tab::Marketplace
            };
            Some(Goto::Market(tab, m))
        }
    }
}

/// The Alerts tab's state.
#[derive(Clone, Debug, Default)]
pub struct AlertsTab {
    /// The table.
    pub view: TableView<AlertSort>,
    /// The targets whose other alerts are shown (by [`target_key`]).
    pub expanded: std::collections::BTreeSet<String>,
}

/// One row of the Alerts tab: a target's first alert (with how many others it has), or,
/// when the target is expanded, one of the others under it.
#[derive(Clone, Copy, Debug)]
pub struct AlertRow<'a> {
    /// The alert.
    pub alert: &'a Alert,
    /// On a target's first row: its other alerts (shown or not).
    pub others: usize,
    /// Whether the target's other alerts are shown.
    pub open: bool,
    /// One of the others, under the first.
    pub member: bool,
}

/// A target as a key (`seller S006`): alerts of one target are one row.
pub fn target_key(t: &Target) -> String {
    match t {
        Target::Seller(id) => format!("seller {id}"),
        Target::Category(id) => format!("category {id}"),
        Target::Marketplace(id) => format!("marketplace {id}"),
    }
}

impl AlertsTab {
    /// The rows shown: the alerts filtered and sorted (by default the engine's ranking),
    /// one row per target at its first alert, the others under it when expanded.
    pub fn shown<'a>(&self, app: &'a App) -> Vec<AlertRow<'a>> {
        let alerts = alert_rows(app, &app.snap.alerts, &self.view);
        let mut groups: Vec<(String, Vec<&'a Alert>)> = Vec::new();
        for a in alerts {
            let key = target_key(&a.target);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.push(a),
                None => groups.push((key, vec![a])),
            }
        }
        let mut rows = Vec::new();
        for (key, group) in groups {
            let open = self.expanded.contains(&key);
            let others = group.len() - 1;
            for (i, alert) in group.into_iter().enumerate() {
                if i > 0 && !open {
                    break;
                }
                rows.push(AlertRow {
                    alert,
                    others: if i == 0 { others } else { 0 },
                    open,
                    member: i > 0,
                });
            }
        }
        rows
    }

    /// Rows the tab shows without a filter: a row per target, and an expanded target's
    /// other alerts (the filter does not change which alert leads a group, only which show).
    fn unfiltered_rows(&self, alerts: &[Alert]) -> usize {
        let mut per_target: std::collections::BTreeMap<String, usize> = Default::default();
        for a in alerts {
            *per_target.entry(target_key(&a.target)).or_default() += 1;
        }
        per_target
            .iter()
            .map(|(k, n)| if self.expanded.contains(k) { *n } else { 1 })
            .sum()
    }

    /// Space: shows or hides the other alerts of the selected row's target.
    pub fn toggle_group(&mut self, app: &App) {
        let Some(key) = self
            .shown(app)
            .get(self.view.cursor.selected)
            .map(|r| target_key(&r.alert.target))
        else {
            return;
        };
        if !self.expanded.remove(&key) {
            self.expanded.insert(key);
        }
    }

    /// The alerts of the rows shown, in order.
    pub fn rows<'a>(&self, app: &'a App) -> Vec<&'a Alert> {
        self.shown(app).into_iter().map(|r| r.alert).collect()
    }
}

/// The Target cell of a row: `S006 ▸+2` (two more, hidden), `S006 ▾+2` (shown), `  └` under.
fn grouped_target(r: &AlertRow, ascii: bool) -> String {
    let name = target_name(&r.alert.target);
    match (r.member, r.others, r.open, ascii) {
        (true, _, _, false) => "  └".into(),
        (true, _, _, true) => "  `-".into(),
        (false, 0, _, _) => name.to_string(),
        (false, n, false, false) => format!("{name} ▸+{n}"),
        (false, n, true, false) => format!("{name} ▾+{n}"),
        (false, n, false, true) => format!("{name} >+{n}"),
        (false, n, true, true) => format!("{name} v+{n}"),
    }
}

/// An alert's row as the table shows it: severity, target, evidence, case, rule, message.
fn alert_cells(app: &App, a: &Alert) -> Vec<(String, Style)> {
    let t = &app.theme;
    let (style, word) = severity(app, a.severity);
    let (n, q) = evidence_cells(a);
    vec![
        (word.to_string(), style),
        (target_name(&a.target).to_string(), t.text),
        (n, t.text),
        (q, t.text),
        (case_cell(app, a), t.accent),
        (a.rule.to_string(), t.dim),
        (a.message.clone(), t.text),
    ]
}

/// `all` narrowed by the filter and sorted. The filter's words match every cell the row
/// shows (`CRIT`, a case's `new`) and the severity's full word; its terms the
/// [`ALERT_FIELDS`].
pub fn alert_rows<'a>(app: &App, all: &'a [Alert], v: &TableView<AlertSort>) -> Vec<&'a Alert> {
    let q = v.query();
    let mut rows: Vec<&Alert> = all
        .iter()
        .filter(|a| {
            q.is_empty() || {
                let cells = alert_cells(app, a);
                let severity = a.severity.to_string();
                let mut words: Vec<&str> = cells.iter().map(|(s, _)| s.as_str()).collect();
                words.push(&severity);
                let state = app.cases.worklist.as_ref().and_then(|w| {
                    w.case_of(a.rule, &a.target)
                        .map(|d| d.case.state.to_string())
                });
                let fields = rule_fields(app, a.severity, a.rule, &a.target, state);
                let fields: Vec<(Field, &str)> =
                    fields.iter().map(|(f, s)| (*f, s.as_str())).collect();
                q.matches(&words, &fields)
            }
        })
        .collect();
    rank_or_target(&mut rows, v, |a| &a.target);
    rows
}

impl Page for AlertsTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let t = &app.theme;
        let shown = self.shown(app);
        let selected = shown
            .get(self.view.cursor.selected)
            .map(|r| r.alert.message.clone());
        let cells = shown
            .iter()
            .map(|r| {
                let mut c = alert_cells(app, r.alert);
                c[1].0 = grouped_target(r, t.ascii);
                c
            })
            .collect();
        let [top, bottom] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
        let text = TableText {
            name: "Alerts",
            // The rows without the filter (a row per target), so "n of m" means filtered.
            total: self.unfiltered_rows(&app.snap.alerts),
            note: " | a row per target (Space: its other alerts) | Enter: go to it".into(),
            empty: "no alerts in this window",
            no_match: self.view.query().foreign(&ALERT_FIELDS),
        };
        table(f, top, t, &COLS, cells, &self.view, text);
        let text = selected.unwrap_or_else(|| "no alert selected".into());
        f.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(block(t, " Selected ")),
            bottom,
        );
    }

    crate::page::page_table!(view);

    fn rows(&self, app: &App) -> usize {
        self.rows(app).len()
    }

    fn opens(&self) -> bool {
        true
    }

    fn open(&self, app: &App) -> Option<Goto> {
        let rows = self.rows(app);
        alert_target(app, rows.get(self.view.cursor.selected)?)
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        let rows = self
            .rows(app)
            .into_iter()
            .map(|a| {
                let e = a.evidence.as_ref();
                let num = |v: Option<String>| v.unwrap_or_default();
                vec![
                    a.severity.to_string(),
                    a.rule.to_string(),
                    target_name(&a.target).to_string(),
                    num(e.map(|e| e.orders.to_string())),
                    num(e.map(|e| e.labelled.to_string())),
                    num(e.map(|e| e.n.to_string())),
                    num(e.and_then(|e| e.p_value).map(|p| format!("{p:e}"))),
                    num(e.and_then(|e| e.q_value).map(|q| format!("{q:e}"))),
                    case_cell(app, a),
                    a.message.clone(),
                ]
            })
            .collect();
        Some(ExportTable {
            name: vec!["alerts".into()],
            header: vec![
                "severity", "rule", "target", "orders", "labelled", "n", "p_value", "q_value",
                "case", "message",
            ],
            rows,
        })
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        let rows = self.rows(app);
        rows.get(self.view.cursor.selected)
            .map(|a| target_name(&a.target).to_string())
    }
}

/// A table ranked by the engine or the store, or ordered by its rows' targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RankSort {
    /// The given ranking.
    #[default]
    Rank,
    /// Target name, A-Z.
    Target,
}

impl SortKey for RankSort {
    const ALL: &'static [Self] = &[Self::Rank, Self::Target];

    fn is_text(self) -> bool {
        self == Self::Target
    }
}

/// Orders `rows` (given in rank order) as `v` says: the ranking, reversed, or by target.
pub fn rank_or_target<T>(rows: &mut [&T], v: &TableView<RankSort>, target: impl Fn(&T) -> &Target) {
    match (v.sort, v.reversed) {
        (RankSort::Rank, false) => {}
        (RankSort::Rank, true) => rows.reverse(),
        (RankSort::Target, r) => {
            rows.sort_by(|a, b| text_cmp(target_name(target(a)), target_name(target(b)), r));
        }
    }
}
