//! `cases` output: the worklist as a table or CSV, one case as text.

use super::table;
use crate::cases::{Case, CaseDetail};
use crate::text::clean;
use crate::text::csv_field;
use std::fmt::Write as _;

/// The target's id.
fn target(c: &Case) -> &str {
    match &c.target {
        crate::engine::Target::Seller(id)
        | crate::engine::Target::Category(id)
        | crate::engine::Target::Marketplace(id) => id,
    }
}

/// Where the case's webhook messages stand (empty: none).
fn delivery(c: &Case) -> &'static str {
    c.delivery.map_or("", |d| d.as_str())
}

/// The worklist.
pub fn cases_table(cases: &[Case]) -> String {
    if cases.is_empty() {
        return "no cases (run `cases evaluate` or `pipeline` to open them from the alerts)\n"
            .into();
    }
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.state.to_string(),
                c.severity.to_string(),
                c.rule.to_string(),
                target(c).to_string(),
                c.marketplace.clone().unwrap_or_else(|| "all".into()),
                c.first_seen.clone(),
                c.last_seen.clone(),
                c.assignee.clone().unwrap_or_default(),
                delivery(c).to_string(),
            ]
        })
        .collect();
    table(
        &[
            "id", "state", "severity", "rule", "target", "market", "first", "last", "assignee",
            "notified",
        ],
        &rows,
    )
}

/// The worklist as CSV.
pub fn cases_csv(cases: &[Case]) -> String {
    let mut out = String::from(
        "id,state,severity,rule,target,marketplace,first_seen,last_seen,misses,assignee,snoozed_until,notified,message\n",
    );
    for c in cases {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            c.id,
            c.state,
            c.severity,
            c.rule,
            csv_field(target(c)),
            csv_field(c.marketplace.as_deref().unwrap_or("")),
            c.first_seen,
            c.last_seen,
            c.misses,
            csv_field(c.assignee.as_deref().unwrap_or("")),
            c.snoozed_until.as_deref().unwrap_or(""),
            delivery(c),
            csv_field(&c.message)
        );
    }
    out
}

/// One case: its fields, its numbers at each evaluation, its history and notes. Stored text
/// (messages, names, notes: anyone with the token may write them) is cleaned of control
/// and format characters, so it cannot move the cursor or retitle the reader's terminal.
pub fn case_text(d: &CaseDetail) -> String {
    let c = &d.case;
    let mut out = format!(
        "Case {} | {} | {} {} | {}\n{}\nfirst seen {}, last seen {}, {} evaluations without it{}{}\n",
        c.id,
        c.state,
        c.rule,
        clean(target(c)),
        clean(c.marketplace.as_deref().unwrap_or("all")),
        clean(&c.message),
        c.first_seen,
        c.last_seen,
        c.misses,
        c.assignee
            .as_ref()
            .map_or(String::new(), |a| format!(", assigned to {}", clean(a))),
        c.snoozed_until
            .as_ref()
            .map_or(String::new(), |u| format!(", snoozed until data day {u}")),
    );
    out.push_str("\nEvaluations\n");
    for o in &d.observations {
        let _ = writeln!(
            out,
            "  {}  {:<8}  {:.3}  {}",
            o.as_of,
            o.severity,
            o.magnitude,
            clean(&o.message)
        );
    }
    out.push_str("\nHistory\n");
    for h in &d.history {
        let _ = writeln!(
            out,
            "  {}  {:<10}  {:<11}  {} -> {}{}",
            h.at,
            clean(&h.user),
            h.action,
            h.from.as_deref().unwrap_or("-"),
            h.to.as_deref().unwrap_or("-"),
            h.detail
                .as_ref()
                .map_or(String::new(), |d| format!("  {}", clean(d)))
        );
    }
    if !d.notes.is_empty() {
        out.push_str("\nNotes\n");
    }
    for n in &d.notes {
        let _ = writeln!(
            out,
            "  {}  {:<10}  {}",
            n.at,
            clean(&n.user),
            clean(&n.text)
        );
    }
    out
}
