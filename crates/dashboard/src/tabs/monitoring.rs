//! Monitoring tab: the alert cases a team works through. The counts by state, the worklist
//! (open before closed, most severe first, then oldest), and the selected case: its numbers
//! at each evaluation, its history and its notes. Keys move the case (acknowledge,
//! investigate, escalate, resolve, reopen, snooze), add a note or an assignee; Enter opens its
//! target. Everything shown comes from the database ([`returnrisk_cases::Worklist`]).

use super::alerts::{
    ALERT_FIELDS, RankSort, rank_or_target, rule_fields, severity, target_goto, target_name,
};
use crate::app::App;
use crate::export::ExportTable;
use crate::page::{Goto, Page};
use crate::query::Field;
use crate::table::TableView;
use crate::widgets::{Col, TableText, block, col, hbar, sorted, table};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use returnrisk_cases::CaseDetail;
use returnrisk_core::engine::Window;

/// What the worklist is ordered by: its ranking (open first, severity, then age), or the
/// target.
pub type CaseSort = RankSort;

const COLS: [Col<CaseSort>; 7] = [
    sorted("#", 4, true, 9, RankSort::Rank),
    col("Sev", 4, false, 8),
    col("State", 13, false, 9),
    sorted("Target", 12, false, 9, RankSort::Target),
    col("Rule", 22, false, 6),
    col("Since", 10, false, 3),
    col("Who", 8, false, 5),
];

/// The Monitoring tab's state.
#[derive(Clone, Debug, Default)]
pub struct MonitoringTab {
    /// The worklist table.
    pub view: TableView<CaseSort>,
    /// The marked cases (by number): the case keys act on all of them.
    pub marked: std::collections::BTreeSet<i64>,
}

impl MonitoringTab {
    /// The cases shown: filtered and sorted (by default the worklist's ranking).
    pub fn rows<'a>(&self, app: &'a App) -> Vec<&'a CaseDetail> {
        let Some(w) = &app.cases.worklist else {
            return Vec::new();
        };
        let v = &self.view;
        let q = v.query();
        let mut rows: Vec<&CaseDetail> = w
            .cases
            .iter()
            .filter(|d| {
                q.is_empty() || {
                    let c = &d.case;
                    let cells = case_cells(app, d);
                    let severity = c.severity.to_string();
                    let mut words: Vec<&str> = cells.iter().map(|(s, _)| s.as_str()).collect();
                    words.extend([severity.as_str(), &c.message]);
                    let state = Some(c.state.to_string());
                    let mut fields = rule_fields(app, c.severity, c.rule, &c.target, state);
                    fields.extend(c.marketplace.clone().map(|m| (Field::Market, m)));
                    let fields: Vec<(Field, &str)> =
                        fields.iter().map(|(f, s)| (*f, s.as_str())).collect();
                    q.matches(&words, &fields)
                }
            })
            .collect();
        rank_or_target(&mut rows, v, |d| &d.case.target);
        rows
    }
}

/// A case's row as the table shows it: id, severity, state, target, rule, since, who. The
/// filter matches these words, the severity's full word and the message.
fn case_cells(app: &App, d: &CaseDetail) -> Vec<(String, Style)> {
    let t = &app.theme;
    let c = &d.case;
    let (style, word) = severity(app, c.severity);
    let state = if c.state.is_open() { t.text } else { t.dim };
    let id = if app.pages.monitoring.marked.contains(&c.id) {
        let tick = if t.ascii { "*" } else { "✓" };
        (format!("{tick}{}", c.id), t.selected)
    } else {
        (c.id.to_string(), t.dim)
    };
    vec![
        id,
        (word.to_string(), style),
        (c.state.to_string(), state),
        (target_name(&c.target).to_string(), t.text),
        (c.rule.to_string(), t.dim),
        (c.first_seen.clone(), t.dim),
        (c.assignee.clone().unwrap_or_default(), t.text),
    ]
}

/// The date from which resolved cases count as resolved "this window" (the history's
/// clock); `None` for all time.
fn resolved_since(window: Window) -> Option<String> {
    match window {
        Window::All => None,
        Window::Days(n) => {
            let since = chrono::Utc::now().date_naive() - chrono::Duration::days(i64::from(n));
            Some(since.to_string())
        }
    }
}

/// The counts line.
fn counts_line<'a>(app: &App) -> Line<'a> {
    let t = &app.theme;
    let Some(w) = &app.cases.worklist else {
        return Line::from(Span::styled("n/a", t.dim));
    };
    let n = w.counts(resolved_since(app.window).as_deref());
    let resolved = match app.window {
        Window::All => "resolved".to_string(),
        w @ Window::Days(_) => format!("resolved {w}d"),
    };
    let parts = [
        ("new", n.new, t.warn),
        ("working", n.working, t.text),
        ("escalated", n.escalated, t.crit),
        ("snoozed", n.snoozed, t.dim),
        ("recovered", n.recovered, t.dim),
        (resolved.as_str(), n.resolved, t.dim),
    ];
    let mut spans = Vec::new();
    for (i, (name, count, style)) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", t.dim));
        }
        spans.push(Span::styled(count.to_string(), style));
        spans.push(Span::styled(format!(" {name}"), t.text));
    }
    if w.read_only {
        spans.push(Span::styled("   read-only", t.warn));
    }

    Line::from(spans)
}

/// The selected case's lines: what it is, its numbers over time, history and notes.
fn detail_lines<'a>(app: &App, d: &CaseDetail, recover_after: u32) -> Vec<Line<'a>> {
    let t = &app.theme;
    let c = &d.case;
    let (sev_style, sev) = severity(app, c.severity);
    let head = |s: &str| Line::from(Span::styled(s.to_string(), t.header));
    let market = c.marketplace.as_deref().unwrap_or("all marketplaces");
    let mut out = vec![
        Line::from(vec![
            Span::styled(format!("{} ", c.state), t.accent),
            Span::styled(sev.to_string(), sev_style),
            Span::styled(format!("  {} · {}", c.rule, market), t.dim),
        ]),
        Line::from(format!(
            "assignee {} · seen {} → {} · quiet {} of {recover_after}",
            c.assignee.as_deref().unwrap_or("nobody"),
            c.first_seen,
            c.last_seen,
            c.misses
        )),
    ];
    if let Some(u) = &c.snoozed_until {
        out.push(Line::from(format!(
            "snoozed until data day {u} (the data's calendar, not the clock's)"
        )));
    }
    if let Some(d) = c.delivery {
        let style = match d {
            returnrisk_cases::notify::DeliveryState::Delivered => t.dim,
            _ => t.warn,
        };
        out.push(Line::from(Span::styled(format!("webhooks: {d}"), style)));
    }
    out.push(Line::from(c.message.clone()));
    out.push(head("Numbers at each evaluation"));
    let max = d
        .observations
        .iter()
        .map(|o| o.magnitude.abs())
        .fold(0.0, f64::max);
    for o in d.observations.iter().rev().take(6) {
        out.push(Line::from(vec![
            Span::styled(format!("{} ", o.as_of), t.dim),
            Span::raw(format!("{:>8.3} ", o.magnitude)),
            Span::styled(hbar(t, o.magnitude.abs(), max, 12), t.bar),
            Span::styled(format!(" {}", o.severity), t.dim),
        ]));
    }
    out.push(head("History (newest first)"));
    for h in d.history.iter().rev() {
        let moved = match (&h.from, &h.to) {
            (Some(f), Some(to)) => format!(" {f} → {to}"),
            (None, Some(to)) => format!(" → {to}"),
            _ => String::new(),
        };
        let detail = h
            .detail
            .as_ref()
            .map_or(String::new(), |d| format!(": {d}"));
        out.push(Line::from(vec![
            Span::styled(
                format!("{} ", h.at.replace('T', " ").trim_end_matches('Z')),
                t.dim,
            ),
            Span::raw(format!("{} {}{moved}{detail}", h.user, h.action)),
        ]));
    }
    out.push(head("Notes (newest first)"));
    if d.notes.is_empty() {
        out.push(Line::from(Span::styled("none yet", t.dim)));
    }
    for n in d.notes.iter().rev() {
        let day = n.at.get(..10).unwrap_or(&n.at);
        out.push(Line::from(format!("{day} {}: {}", n.user, n.text)));
    }
    out
}

impl Page for MonitoringTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let t = &app.theme;
        let mut lines = vec![counts_line(app)];
        if let (Some(e), Some(_)) = (&app.cases.error, &app.cases.worklist) {
            // The worklist shown is the last one read; say why it is not fresher.
            lines.push(Line::from(Span::styled(
                format!("not re-read: {e}"),
                t.warn,
            )));
        }
        let high = lines.len() as u16 + 2;
        let [counts, body] =
            Layout::vertical([Constraint::Length(high), Constraint::Min(4)]).areas(area);
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(block(t, " Cases ")),
            counts,
        );
        let wide = body.width >= 110;
        let [list, pane] = if wide {
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body)
        } else {
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
        };
        let rows = self.rows(app);
        let cells = rows.iter().map(|d| case_cells(app, d)).collect();
        let empty = match (&app.cases.error, &app.cases.worklist) {
            (Some(e), _) => e.as_str(),
            (None, None) => "reading the cases...",
            (None, Some(_)) => {
                "no cases yet: alerts open them when the models have scored the data"
            }
        };
        let text = TableText {
            name: "Worklist",
            total: app.cases.worklist.as_ref().map_or(0, |w| w.cases.len()),
            note: match self.marked.len() {
                0 => " | Enter: open the target".into(),
                n => format!(" | {n} marked: the case keys act on them (Space unmarks)"),
            },
            empty,
            no_match: self.view.query().foreign(&ALERT_FIELDS),
        };
        table(f, list, t, &COLS, cells, &self.view, text);
        let selected = rows.get(self.view.cursor.selected);
        let (title, lines) = match selected {
            Some(d) => (
                format!(" Case #{} {} ", d.case.id, target_name(&d.case.target)),
                detail_lines(app, d, app.cases.policy.recover_after),
            ),
            None => (" Case ".into(), vec![Line::from("no case selected")]),
        };
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block(t, title)),
            pane,
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
        let c = &rows.get(self.view.cursor.selected)?.case;
        target_goto(app, c.rule, &c.target, &c.message)
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        let rows = self
            .rows(app)
            .into_iter()
            .map(|d| {
                let c = &d.case;
                vec![
                    c.id.to_string(),
                    c.severity.to_string(),
                    c.state.to_string(),
                    c.rule.to_string(),
                    target_name(&c.target).to_string(),
                    c.marketplace.clone().unwrap_or_default(),
                    c.first_seen.clone(),
                    c.last_seen.clone(),
                    c.assignee.clone().unwrap_or_default(),
                    c.message.clone(),
                ]
            })
            .collect();
        Some(ExportTable {
            name: vec!["cases".into()],
            header: vec![
                "id",
                "severity",
                "state",
                "rule",
                "target",
                "marketplace",
                "first_seen",
                "last_seen",
                "assignee",
                "message",
            ],
            rows,
        })
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        let rows = self.rows(app);
        rows.get(self.view.cursor.selected)
            .map(|d| target_name(&d.case.target).to_string())
    }
}
