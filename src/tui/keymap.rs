//! The key map: defined once, it turns keys into actions and feeds both the footer's hints and
//! the `?` help overlay, so help can never drift from behaviour.

use super::action::Command;
use super::config::KeysConfig;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Which screen a binding works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Everywhere.
    Global,
    /// Tabs with a table (Sellers, Categories, Alerts) and the drill-down's orders.
    Table,
    /// Only the seller drill-down.
    Detail,
    /// Only the Models tab.
    Models,
}

/// What is on screen, for deciding which bindings apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Screen {
    /// A table has focus.
    pub table: bool,
    /// The seller drill-down is open.
    pub detail: bool,
    /// The Models tab is shown.
    pub models: bool,
}

impl Screen {
    /// Whether bindings of `context` work on this screen.
    pub fn active(self, context: Context) -> bool {
        match context {
            Context::Global => true,
            Context::Table => self.table,
            Context::Detail => self.detail,
            Context::Models => self.models,
        }
    }
}

/// One binding: keys, what they do, where, and how the footer and help describe it.
#[derive(Clone, Debug)]
pub struct Binding {
    /// Keys that trigger it (the first is shown in the footer).
    pub keys: Vec<KeyCode>,
    /// The command.
    pub command: Command,
    /// Where it works.
    pub context: Context,
    /// Footer label (empty: help only).
    pub short: &'static str,
    /// Help text.
    pub help: &'static str,
}

/// Parses a config key: one character, or a named key.
pub fn parse_key(s: &str) -> Result<KeyCode, String> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(KeyCode::Char(c));
    }
    match s {
        "Enter" => Ok(KeyCode::Enter),
        "Esc" => Ok(KeyCode::Esc),
        "Tab" => Ok(KeyCode::Tab),
        "Backspace" => Ok(KeyCode::Backspace),
        _ => match s.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
            Some(n) if (1..=12).contains(&n) => Ok(KeyCode::F(n)),
            _ => Err(format!(
                "unknown key {s:?}: expected one character, Enter, Esc, Tab, Backspace or F1-F12"
            )),
        },
    }
}

/// Short display name of a key.
pub fn key_name(k: &KeyCode) -> String {
    match k {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "S-Tab".into(),
        KeyCode::Backspace => "Bksp".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    }
}

/// All bindings.
#[derive(Clone, Debug)]
pub struct KeyMap {
    /// In display order.
    pub bindings: Vec<Binding>,
}

impl KeyMap {
    /// The key map with the configurable keys from `keys` (validated by the config loader).
    pub fn new(keys: &KeysConfig) -> KeyMap {
        let k = |s: &str| parse_key(s).unwrap_or(KeyCode::Null);
        use Command as C;
        use Context::*;
        let b = |keys: Vec<KeyCode>, command, context, short, help| Binding {
            keys,
            command,
            context,
            short,
            help,
        };
        let bindings = vec![
            b(
                vec![k(&keys.help)],
                C::Help,
                Global,
                "help",
                "show this help",
            ),
            b(vec![k(&keys.quit)], C::Quit, Global, "quit", "quit"),
            b(
                vec![KeyCode::Tab, KeyCode::Right],
                C::NextTab,
                Global,
                "tab",
                "next tab",
            ),
            b(
                vec![KeyCode::BackTab, KeyCode::Left],
                C::PrevTab,
                Global,
                "",
                "previous tab",
            ),
            b(
                vec![KeyCode::Char('1')],
                C::GoTab(0),
                Global,
                "",
                "Marketplace tab",
            ),
            b(
                vec![KeyCode::Char('2')],
                C::GoTab(1),
                Global,
                "",
                "Sellers tab",
            ),
            b(
                vec![KeyCode::Char('3')],
                C::GoTab(2),
                Global,
                "",
                "Categories tab",
            ),
            b(
                vec![KeyCode::Char('4')],
                C::GoTab(3),
                Global,
                "",
                "Alerts tab",
            ),
            b(
                vec![KeyCode::Char('5')],
                C::GoTab(4),
                Global,
                "",
                "Models tab",
            ),
            b(
                vec![KeyCode::Char('6')],
                C::GoTab(5),
                Global,
                "",
                "Drift tab",
            ),
            b(
                vec![k(&keys.next_window)],
                C::Window,
                Global,
                "window",
                "window: 7d, 30d, 90d, all",
            ),
            b(
                vec![k(&keys.prev_window)],
                C::PrevWindow,
                Global,
                "",
                "window, backwards",
            ),
            b(
                vec![k(&keys.next_marketplace)],
                C::Marketplace,
                Global,
                "market",
                "marketplace: all, each",
            ),
            b(
                vec![k(&keys.prev_marketplace)],
                C::PrevMarketplace,
                Global,
                "",
                "marketplace, backwards",
            ),
            b(
                vec![KeyCode::Down, KeyCode::Char('j')],
                C::Down,
                Table,
                "",
                "move down",
            ),
            b(
                vec![KeyCode::Up, KeyCode::Char('k')],
                C::Up,
                Table,
                "",
                "move up",
            ),
            b(vec![KeyCode::PageDown], C::PageDown, Table, "", "page down"),
            b(vec![KeyCode::PageUp], C::PageUp, Table, "", "page up"),
            b(
                vec![KeyCode::Char('g'), KeyCode::Home],
                C::Top,
                Table,
                "",
                "first row",
            ),
            b(
                vec![KeyCode::Char('G'), KeyCode::End],
                C::Bottom,
                Table,
                "",
                "last row",
            ),
            b(
                vec![KeyCode::Enter],
                C::Open,
                Table,
                "open",
                "open seller/category/alert",
            ),
            b(
                vec![KeyCode::Esc, KeyCode::Backspace],
                C::Back,
                Global,
                "back",
                "back, clear filter",
            ),
            b(
                vec![k(&keys.filter)],
                C::Filter,
                Table,
                "filter",
                "live filter (Esc clears)",
            ),
            b(
                vec![k(&keys.sort)],
                C::Sort,
                Table,
                "sort",
                "cycle the sort column",
            ),
            b(
                vec![k(&keys.reverse_sort)],
                C::ReverseSort,
                Table,
                "",
                "reverse the sort",
            ),
            b(
                vec![k(&keys.order_category)],
                C::OrderCategory,
                Detail,
                "cat",
                "orders by category",
            ),
            b(
                vec![k(&keys.order_status)],
                C::OrderStatus,
                Detail,
                "status",
                "orders: returned/kept/pending",
            ),
            b(
                vec![k(&keys.order_payment)],
                C::OrderPayment,
                Detail,
                "pay",
                "orders by payment method",
            ),
            b(
                vec![k(&keys.export)],
                C::Export,
                Table,
                "export",
                "export table to CSV",
            ),
            b(
                vec![k(&keys.next_version)],
                C::NextVersion,
                Models,
                "",
                "choose an older version of the model",
            ),
            b(
                vec![k(&keys.prev_version)],
                C::PrevVersion,
                Models,
                "",
                "choose a newer version of the model",
            ),
            b(
                vec![k(&keys.promote)],
                C::Promote,
                Models,
                "promote",
                "make the chosen version active (asks y/n)",
            ),
            b(
                vec![k(&keys.rollback)],
                C::Rollback,
                Models,
                "rollback",
                "back to the previously active version (asks y/n)",
            ),
            b(
                vec![k(&keys.retrain)],
                C::Retrain,
                Global,
                "",
                "retrain the models",
            ),
        ];
        KeyMap { bindings }
    }

    /// The command for `key` on a screen.
    pub fn command(&self, key: &KeyEvent, screen: Screen) -> Option<Command> {
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return (key.code == KeyCode::Char('c')).then_some(Command::Quit);
        }
        self.bindings
            .iter()
            .filter(|b| screen.active(b.context))
            .find(|b| b.keys.contains(&key.code))
            .map(|b| b.command)
    }

    /// Footer hints for a screen: (key, label).
    pub fn footer(&self, screen: Screen) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| !b.short.is_empty() && screen.active(b.context))
            .map(|b| (key_name(&b.keys[0]), b.short))
            .collect()
    }

    /// Help lines for a screen: (keys, text).
    pub fn help(&self, screen: Screen) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| screen.active(b.context))
            .map(|b| {
                (
                    b.keys.iter().map(key_name).collect::<Vec<_>>().join(" "),
                    b.help,
                )
            })
            .collect()
    }
}
