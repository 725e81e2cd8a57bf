//! The command palette (`:`, as in k9s): `:seller S023`, `:order ORD…`, `:category Footwear`,
//! `:window 7`, `:market M002`, `:export`, a tab by name, and the cases' commands (`:ack 12`,
//! `:resolve 12 refunded`, `:snooze 12 7`, `:note 12 text`, `:assign 12 ana`; the Monitoring
//! tab's keys open the palette with them filled in). Verbs may be shortened to any unique
//! prefix; Tab completes the word from the data; a command that cannot run says why.

use super::cases::CaseChange;
use super::line_edit::LineEdit;
use super::tab::Tab;
use returnrisk_cases::action::snooze_input;
use returnrisk_cases::{ActionInput, ActionVerb, CaseAction};
use returnrisk_core::data::Dataset;
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
    /// Change a case.
    Case(CaseChange),
}

/// The verbs, in the order completion lists them and prefixes resolve.
const VERBS: [&str; 15] = [
    "seller",
    "order",
    "category",
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

/// Completions listed at most.
pub const MAX_CANDIDATES: usize = 8;

/// The tab `word` names (its full title, any case).
fn tab_named(word: &str) -> Option<Tab> {
    Tab::ALL
        .into_iter()
        .find(|t| t.title().eq_ignore_ascii_case(word))
}

/// The verb `word` names: the first verb (in [`VERBS`] order) it is a prefix of, so `m` is
/// `market` and `mi` is `minorders`.
fn verb(word: &str) -> Result<&'static str, String> {
    let w = word.to_ascii_lowercase();
    VERBS.iter().find(|v| v.starts_with(&w)).copied().ok_or(format!(
        "unknown command {word:?}: try seller, order, category, window, market, export, minorders, a tab name, or a case's ack, investigate, escalate, resolve, reopen, snooze, note, assign"
    ))
}

/// Index of the one name equal to `arg` (case-insensitive), else the one it starts.
fn pick(names: &[&str], arg: &str, what: &str) -> Result<usize, String> {
    let a = arg.to_lowercase();
    if let Some(i) = names.iter().position(|n| n.to_lowercase() == a) {
        return Ok(i);
    }
    let found: Vec<usize> = (0..names.len())
        .filter(|&i| names[i].to_lowercase().starts_with(&a))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("no {what} {arg:?}")),
        many => Err(format!(
            "{arg:?} could be {} {what}s: {}",
            many.len(),
            many.iter()
                .take(MAX_CANDIDATES)
                .map(|&i| names[i])
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Parses a palette line against the data.
pub fn parse(text: &str, ds: &Dataset) -> Result<PaletteCommand, String> {
    let text = text.trim();
    let (word, arg) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let arg = arg.trim();
    if word.is_empty() {
        return Err("type a command: seller, order, category, window, market, export".into());
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
            let ids: Vec<&str> = ds.sellers.iter().map(|s| s.id.as_str()).collect();
            let i = pick(&ids, arg, "seller").or_else(|e| {
                let names: Vec<&str> = ds.sellers.iter().map(|s| s.name.as_str()).collect();
                pick(&names, arg, "seller").map_err(|_| e)
            })?;
            PaletteCommand::Seller(ds.sellers[i].id.clone())
        }
        "order" => {
            need("an order id")?;
            let found = ds.orders.id.iter().find(|id| id.eq_ignore_ascii_case(arg));
            PaletteCommand::Order(found.ok_or(format!("no order {arg:?}"))?.to_string())
        }
        "category" => {
            need("a category")?;
            let names: Vec<&str> = ds.categories.iter().map(String::as_str).collect();
            PaletteCommand::Category(pick(&names, arg, "category")? as u16)
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
                let ids: Vec<&str> = ds.marketplaces.iter().map(String::as_str).collect();
                PaletteCommand::Market(Some(pick(&ids, arg, "marketplace")? as u16))
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
        case_verb => PaletteCommand::Case(case_change(case_verb, arg)?),
    })
}

/// `ID [TEXT]` of a case verb as the change it asks for: TEXT is a transition's note, the
/// note, the assignee, or the snooze's days or date; checked by the rules the command line
/// and the API use.
fn case_change(verb: &str, arg: &str) -> Result<CaseChange, String> {
    let (id, rest) = arg.split_once(char::is_whitespace).unwrap_or((arg, ""));
    let rest = rest.trim();
    if id.is_empty() {
        return Err(format!(
            ":{verb} needs a case number (the Monitoring tab's #)"
        ));
    }
    let id: i64 = id
        .parse()
        .map_err(|_| format!("{verb}: {id:?} is not a case number"))?;
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
    Ok(CaseChange { id, action })
}

/// What the word being typed can complete to (at most [`MAX_CANDIDATES`] are shown).
pub fn candidates(text: &str, ds: &Dataset) -> Vec<String> {
    let Some((word, arg)) = text.split_once(char::is_whitespace) else {
        let w = text.to_ascii_lowercase();
        let tabs = Tab::ALL.iter().map(|t| t.title().to_ascii_lowercase());
        return VERBS
            .iter()
            .map(std::string::ToString::to_string)
            .chain(tabs)
            .filter(|v| v.starts_with(&w))
            .collect();
    };
    let a = arg.trim_start().to_lowercase();
    let starts = |s: &&str| s.to_lowercase().starts_with(&a);
    let list: Vec<&str> = match verb(word) {
        Ok("seller") => ds
            .sellers
            .iter()
            .map(|s| s.id.as_str())
            .filter(starts)
            .collect(),
        Ok("category") => ds
            .categories
            .iter()
            .map(String::as_str)
            .filter(starts)
            .collect(),
        Ok("market") => std::iter::once("all")
            .chain(ds.marketplaces.iter().map(String::as_str))
            .filter(starts)
            .collect(),
        Ok("window") => ["7", "30", "90", "all"]
            .into_iter()
            .filter(starts)
            .collect(),
        Ok("order") if !a.is_empty() => ds.orders.id.iter().filter(starts).take(100).collect(),
        _ => Vec::new(),
    };
    list.into_iter().map(str::to_string).collect()
}

impl Palette {
    /// Completes the word being typed to the longest prefix its candidates share.
    pub fn complete(&mut self, ds: &Dataset) {
        let text = self.line.text().to_string();
        let cands = candidates(&text, ds);
        let Some(first) = cands.first() else { return };
        let common = cands.iter().fold(first.clone(), |acc, c| {
            acc.chars()
                .zip(c.chars())
                .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                .map(|(a, _)| a)
                .collect()
        });
        let (head, typed) = match text.split_once(char::is_whitespace) {
            Some((verb, arg)) => (format!("{verb} "), arg.trim_start().to_string()),
            None => (String::new(), text.clone()),
        };
        if common.chars().count() < typed.chars().count() {
            return;
        }
        let done = cands.len() == 1 && head.is_empty();
        self.line = LineEdit::new(&format!("{head}{common}{}", if done { " " } else { "" }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            parse(&format!("seller {}", s.id.to_lowercase()), &ds),
            Ok(PaletteCommand::Seller(s.id.clone()))
        );
        assert_eq!(
            parse(&format!("sel {}", s.name), &ds),
            Ok(PaletteCommand::Seller(s.id.clone()))
        );
        assert_eq!(
            parse("w 7", &ds),
            Ok(PaletteCommand::Window(Window::Days(7)))
        );
        assert_eq!(parse("market all", &ds), Ok(PaletteCommand::Market(None)));
        assert_eq!(parse("alerts", &ds), Ok(PaletteCommand::Tab(Tab::Alerts)));
        let id = ds.orders.id[5].to_string();
        assert_eq!(
            parse(&format!("order {id}"), &ds),
            Ok(PaletteCommand::Order(id))
        );
        let cat = &ds.categories[0];
        assert_eq!(
            parse(&format!("category {cat}"), &ds),
            Ok(PaletteCommand::Category(0))
        );
        assert_eq!(
            parse("s S001", &ds),
            Ok(PaletteCommand::Seller("S001".into()))
        );
        assert_eq!(parse("Sellers", &ds), Ok(PaletteCommand::Tab(Tab::Sellers)));
        assert_eq!(
            parse("m", &ds).unwrap_err(),
            ":market needs a marketplace id or all (Tab completes)"
        );
        assert_eq!(
            parse("seller", &ds).unwrap_err(),
            ":seller needs a seller id or name (Tab completes)"
        );
        assert_eq!(
            parse("seller nobody", &ds).unwrap_err(),
            "no seller \"nobody\""
        );
        assert!(
            parse("frobnicate", &ds)
                .unwrap_err()
                .starts_with("unknown command")
        );
    }

    #[test]
    fn tab_completes_to_the_common_prefix() {
        let ds = data();
        let mut p = Palette {
            line: LineEdit::new("cat"),
        };
        p.complete(&ds);
        assert_eq!(
            p.line.text(),
            "categor",
            "category and the Categories tab share it"
        );
        p.line = LineEdit::new("wind");
        p.complete(&ds);
        assert_eq!(p.line.text(), "window ");
        p.line = LineEdit::new(&format!("seller {}", &ds.sellers[0].id[..1].to_lowercase()));
        p.complete(&ds);
        let all: Vec<String> = candidates(p.line.text(), &ds);
        assert_eq!(all.len(), ds.sellers.len(), "every id starts like that");
        assert_eq!(candidates("window 3", &ds), vec!["30"]);
    }
}
