//! The command palette (`:`, as in k9s): `:seller Cosy`, `:order ORD…`, `:category foot`,
//! `:case 12`, `:window 7`, `:market M002`, `:export`, a tab by name, and the cases' commands
//! (`:ack 12`, `:resolve 12 refunded`, `:snooze 12 7`, `:note 12 text`, `:assign 12 ana`; the
//! Monitoring tab's keys open the palette with them filled in). Sellers, categories and
//! cases are found by any part of an id or name ([`super::fuzzy`]); several equally good
//! matches are listed to choose from, never guessed. A verb is its name, a one-letter alias
//! (`s o c w m e`), or a prefix no other verb shares; Tab completes from the data, and the
//! list shows names beside ids.

mod complete;
mod lookup;

pub use complete::{Candidate, candidates};
pub use lookup::Lookup;

use super::cases::CaseChange;
use super::line_edit::LineEdit;
use super::tab::Tab;
use lookup::pick;
use returnrisk_cases::action::snooze_input;
use returnrisk_cases::{ActionInput, ActionVerb, CaseAction};
use returnrisk_core::engine::Window;
/// The palette's line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    /// What is typed.
    pub line: LineEdit,
}
/// A command the palette runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaletteCommand {
    /// Open a seller's drill-down.
    Seller(String),
    /// Open the drill-down of the order's seller with the order selected.
    Order(String),
    /// List a category's sellers.
    Category(u16),
    /// Show a case on the Monitoring tab.
    Case(i64),
    /// Switch the window.
    Window(Window),
    /// Switch the marketplace filter (`None`: all).
    Market(Option<u16>),
    /// Export the current table.
    Export,
    /// Rank sellers with fewer orders last on mean-based sorts (0: off).
    MinOrders(u64),
    /// Go to a tab.
    Tab(Tab),
    /// Change cases (one change per case named).
    Change(Vec<CaseChange>),
}
/// The verbs, in the order completion lists them.
pub(crate) const VERBS: [&str; 16] = [
    "seller",
    "order",
    "category",
    "case",
    "window",
    "market",
    "export",
    "minorders",
    "note",
    "assign",
    "snooze",
    "ack",
    "investigate",
    "escalate",
    "resolve",
    "reopen",
];

/// One-letter verbs for the commands used most (vim's `:s`, `:w`).
const ALIASES: [(&str, &str); 6] = [
    ("s", "seller"),
    ("o", "order"),
    ("c", "category"),
    ("w", "window"),
    ("m", "market"),
    ("e", "export"),
];
/// Completions listed at most.
pub const MAX_CANDIDATES: usize = 8;
/// The tab `word` names (its full title, any case).
fn tab_named(word: &str) -> Option<Tab> {
    Tab::ALL
        .into_iter()
        .find(|t| t.title().eq_ignore_ascii_case(word))
}
/// The verb `word` names: a verb, an alias, or a prefix of exactly one verb; a prefix two
/// verbs share asks which.
pub(crate) fn verb(word: &str) -> Result<&'static str, String> {
    let w = word.to_ascii_lowercase();
    if let Some(v) = VERBS.iter().find(|v| **v == w) {
        return Ok(v);
    }
    if let Some((_, v)) = ALIASES.iter().find(|(a, _)| *a == w) {
        return Ok(v);
    }
    let found: Vec<&str> = VERBS
        .iter()
        .copied()
        .filter(|v| v.starts_with(&w))
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "unknown command {word:?}: try seller, order, category, case, window, market, export, minorders, a tab name, or a case's ack, investigate, escalate, resolve, reopen, snooze, note, assign"
        )),
        many => Err(format!(
            ":{word} could be {}: type more of it",
            or_list(many)
        )),
    }
}

/// `a, b or c`.
fn or_list(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
/// Parses a palette line against the data and the cases.
pub fn parse(text: &str, at: &Lookup) -> Result<PaletteCommand, String> {
    let ds = at.data;
    let text = text.trim();
    let (word, arg) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let arg = arg.trim();
    if word.is_empty() {
        return Err("type a command: seller, order, category, case, window, market, export".into());
    }
    if let Some(tab) = tab_named(word).filter(|_| arg.is_empty()) {
        return Ok(PaletteCommand::Tab(tab));
    }
    let verb = verb(word)?;
    let need = |what: &str| -> Result<(), String> {
        if arg.is_empty() {
            Err(format!(":{verb} needs {what} (Tab completes)"))
        } else {
            Ok(())
        }
    };
    Ok(match verb {
        "seller" => {
            need("a seller id or name")?;
            let i = pick(&at.seller_keys(), |i| at.seller_shown(i), arg, "seller")?;
            PaletteCommand::Seller(ds.sellers[i].id.clone())
        }
        "order" => {
            need("an order id or part of one")?;
            PaletteCommand::Order(ds.orders.id[at.pick_order(arg)?].to_string())
        }
        "category" => {
            need("a category")?;
            let keys: Vec<Vec<&str>> = ds.categories.iter().map(|c| vec![c.as_str()]).collect();
            let i = pick(&keys, |i| ds.categories[i].clone(), arg, "category")?;
            PaletteCommand::Category(i as u16)
        }
        "case" => {
            need("a case number, or a seller or category it is about")?;
            let w = at.cases.ok_or("the cases are not read yet")?;
            let owned = at.case_keys();
            let keys: Vec<Vec<&str>> = owned
                .iter()
                .map(|k| k.iter().map(String::as_str).collect())
                .collect();
            let i = pick(&keys, |i| at.case_shown(i), arg, "case")?;
            PaletteCommand::Case(w.cases[i].case.id)
        }
        "window" => {
            need("7, 30, 90 or all")?;
            PaletteCommand::Window(Window::parse(arg)?)
        }
        "market" => {
            need("a marketplace id or all")?;
            if arg.eq_ignore_ascii_case("all") {
                PaletteCommand::Market(None)
            } else {
                let keys: Vec<Vec<&str>> =
                    ds.marketplaces.iter().map(|m| vec![m.as_str()]).collect();
                let i = pick(&keys, |i| ds.marketplaces[i].clone(), arg, "marketplace")?;
                PaletteCommand::Market(Some(i as u16))
            }
        }
        "minorders" => {
            need("a number of orders (0: off)")?;
            let n = arg
                .parse()
                .map_err(|_| format!("minorders: {arg:?} is not a whole number"))?;
            PaletteCommand::MinOrders(n)
        }
        "export" => PaletteCommand::Export,
        case_verb => PaletteCommand::Change(case_change(case_verb, arg)?),
    })
}
/// `ID[,ID...] [TEXT]` of a case verb as the changes it asks for, one per case: TEXT is a
/// transition's note, the note, the assignee, or the snooze's days or date; checked by the
/// rules the command line and the API use.
fn case_change(verb: &str, arg: &str) -> Result<Vec<CaseChange>, String> {
    let (id, rest) = arg.split_once(char::is_whitespace).unwrap_or((arg, ""));
    let rest = rest.trim();
    if id.is_empty() {
        return Err(format!(
            ":{verb} needs a case number (the Monitoring tab's #)"
        ));
    }
    let ids = id
        .split(',')
        .map(|one| {
            one.trim()
                .parse::<i64>()
                .map_err(|_| format!("{verb}: {one:?} is not a case number"))
        })
        .collect::<Result<Vec<i64>, String>>()?;
    let verb = ActionVerb::parse(verb).ok_or_else(|| format!("unknown command {verb:?}"))?;
    let text = (!rest.is_empty()).then(|| rest.to_string());
    let input = match verb {
        ActionVerb::Assign => ActionInput {
            assignee: text,
            ..ActionInput::default()
        },
        ActionVerb::Snooze if !rest.is_empty() => snooze_input(rest),
        _ => ActionInput {
            note: text,
            ..ActionInput::default()
        },
    };
    let action = CaseAction::new(verb, input).map_err(|e| e.to_string())?;
    Ok(ids
        .into_iter()
        .map(|id| CaseChange {
            id,
            action: action.clone(),
        })
        .collect())
}
#[cfg(test)]
mod tests {
    use super::*;
    use returnrisk_core::data::Dataset;

    fn parse_on(ds: &Dataset, text: &str) -> Result<PaletteCommand, String> {
        parse(
            text,
            &Lookup {
                data: ds,
                cases: None,
            },
        )
    }

    fn data() -> Dataset {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        returnrisk_core::data::load_dir(&dir, &returnrisk_core::data::LoadOptions::default())
            .unwrap()
            .0
    }

    #[test]
    fn verbs_and_arguments_resolve_against_the_data() {
        let ds = data();
        let s = &ds.sellers[3];
        assert_eq!(
            parse_on(&ds, &format!("seller {}", s.id.to_lowercase())),
            Ok(PaletteCommand::Seller(s.id.clone()))
        );
        assert_eq!(
            parse_on(&ds, &format!("sel {}", s.name)),
            Ok(PaletteCommand::Seller(s.id.clone()))
        );
        assert_eq!(
            parse_on(&ds, "w 7"),
            Ok(PaletteCommand::Window(Window::Days(7)))
        );
        assert_eq!(
            parse_on(&ds, "market all"),
            Ok(PaletteCommand::Market(None))
        );
        assert_eq!(
            parse_on(&ds, "alerts"),
            Ok(PaletteCommand::Tab(Tab::Alerts))
        );
        let id = ds.orders.id[5].to_string();
        assert_eq!(
            parse_on(&ds, &format!("order {id}")),
            Ok(PaletteCommand::Order(id.clone()))
        );
        // Any case, and any part that only one id holds.
        let lower = id.to_lowercase();
        assert_eq!(
            parse_on(&ds, &format!("o {lower}")),
            Ok(PaletteCommand::Order(id.clone()))
        );
        let tail = &id[id.len() - 8..];
        assert_eq!(
            parse_on(&ds, &format!("order {tail}")),
            Ok(PaletteCommand::Order(id.clone()))
        );
        let many = parse_on(&ds, &format!("order {}", &id[..3])).unwrap_err();
        assert!(many.contains(" could be 8+ orders: "), "{many}");
        assert!(parse_on(&ds, "order no-such-id").is_err());
        let cat = &ds.categories[0];
        assert_eq!(
            parse_on(&ds, &format!("category {cat}")),
            Ok(PaletteCommand::Category(0))
        );
        assert_eq!(
            parse_on(&ds, "s S001"),
            Ok(PaletteCommand::Seller("S001".into()))
        );
        assert_eq!(
            parse_on(&ds, "Sellers"),
            Ok(PaletteCommand::Tab(Tab::Sellers))
        );
        assert_eq!(
            parse_on(&ds, "m").unwrap_err(),
            ":market needs a marketplace id or all (Tab completes)"
        );
        assert_eq!(
            parse_on(&ds, "seller").unwrap_err(),
            ":seller needs a seller id or name (Tab completes)"
        );
        assert_eq!(
            parse_on(&ds, "seller nobody").unwrap_err(),
            "no seller matches \"nobody\""
        );
        assert!(
            parse_on(&ds, "frobnicate")
                .unwrap_err()
                .starts_with("unknown command")
        );
    }

    #[test]
    fn tab_completes_to_the_common_prefix() {
        let ds = data();
        let at = Lookup {
            data: &ds,
            cases: None,
        };
        let mut p = Palette {
            line: LineEdit::new("cat"),
        };
        p.complete(&at);
        assert_eq!(
            p.line.text(),
            "categor",
            "category and the Categories tab share it"
        );
        p.line = LineEdit::new("wind");
        p.complete(&at);
        assert_eq!(p.line.text(), "window ");
        p.line = LineEdit::new(&format!("seller {}", &ds.sellers[0].id[..1].to_lowercase()));
        p.complete(&at);
        let all = candidates(p.line.text(), &at);
        assert_eq!(all.len(), ds.sellers.len(), "every id starts like that");
        let inserts: Vec<String> = candidates("window 3", &at)
            .into_iter()
            .map(|c| c.insert)
            .collect();
        assert_eq!(inserts, vec!["30"]);
    }

    #[test]
    fn sellers_are_found_by_any_part_of_their_name_and_ties_are_asked() {
        let ds = data();
        let at = Lookup {
            data: &ds,
            cases: None,
        };
        let named = |part: &str| {
            ds.sellers
                .iter()
                .filter(|s| s.name.to_lowercase().starts_with(part))
                .count()
        };
        // The demo data has three sellers named "Cosy ...": the palette lists them.
        assert_eq!(named("cosy"), 3);
        let e = parse_on(&ds, "seller Cosy").unwrap_err();
        assert_eq!(
            e,
            "\"Cosy\" could be 3 sellers: S012 Cosy Outlet, S024 Cosy Threads, S036 Cosy Market"
        );
        assert_eq!(
            parse_on(&ds, "seller cosy mar"),
            Ok(PaletteCommand::Seller("S036".into()))
        );
        // A word inside the name, and letters in order when nothing better fits.
        assert!(
            parse_on(&ds, "s threads")
                .unwrap_err()
                .starts_with("\"threads\" could be 6 sellers: S001 Bright Threads, ")
        );
        assert_eq!(
            parse_on(&ds, "s cosy th"),
            Ok(PaletteCommand::Seller("S024".into()))
        );
        assert_eq!(
            parse_on(&ds, "s cythr"),
            Ok(PaletteCommand::Seller("S024".into()))
        );
        // The pick list shows names beside ids, best first.
        let shown: Vec<String> = candidates("seller cosy", &at)
            .into_iter()
            .map(|c| c.shown)
            .collect();
        assert_eq!(
            &shown[..3],
            ["S012 Cosy Outlet", "S024 Cosy Threads", "S036 Cosy Market"]
        );
        // Tab on one match completes its id.
        let mut p = Palette {
            line: LineEdit::new("seller cosy ma"),
        };
        p.complete(&at);
        assert_eq!(p.line.text(), "seller S036");
    }

    #[test]
    fn a_prefix_two_verbs_share_asks_which_and_aliases_are_fixed() {
        let ds = data();
        assert_eq!(
            parse_on(&ds, "a 9").unwrap_err(),
            ":a could be assign or ack: type more of it"
        );
        assert_eq!(
            parse_on(&ds, "re 9").unwrap_err(),
            ":re could be resolve or reopen: type more of it"
        );
        assert!(matches!(
            parse_on(&ds, "as 9 bo"),
            Ok(PaletteCommand::Change(_))
        ));
        assert_eq!(
            parse_on(&ds, "c foot"),
            Ok(PaletteCommand::Category(
                ds.categories.iter().position(|c| c == "Footwear").unwrap() as u16
            ))
        );
        assert_eq!(
            parse_on(&ds, "case 3").unwrap_err(),
            "the cases are not read yet"
        );
    }
}
