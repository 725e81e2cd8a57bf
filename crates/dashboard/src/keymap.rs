//! The key map: defined once, it turns keys into commands on every screen and in every mode
//! (the y/n question, the filter line, the palette, Ctrl-C too), and feeds both the footer's
//! hints and the `?` help, so help can never drift from behaviour. A key bound to two
//! commands on one screen is an error at start, naming both.

use super::action::Command;
use super::line_edit::Edit as E;
use super::tab::Tab;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use returnrisk_setup::config_file::KeysConfig;

/// A key: its code, and whether Ctrl is held (Shift is in the character itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl held.
    pub ctrl: bool,
}

impl Key {
    /// A key without Ctrl.
    pub const fn plain(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    /// Ctrl and a character.
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }

    /// The key of a terminal event (Alt combinations are no key of ours).
    pub fn of(k: &KeyEvent) -> Option<Key> {
        if k.modifiers.contains(KeyModifiers::ALT) {
            return None;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let code = match k.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Some(Key { code, ctrl })
    }
}

/// The key presses a terminal event stands for. Esc and a key that arrive in one read (a fast
/// typist, a laggy ssh link, tmux) are decoded as Alt and the key; the dashboard binds no Alt
/// combination, so that is Esc, then the key, as it was typed.
pub fn unbundle_escape(ev: Event) -> Vec<Event> {
    match ev {
        Event::Key(k) if k.modifiers.contains(KeyModifiers::ALT) => {
            let esc = KeyEvent::new_with_kind(KeyCode::Esc, KeyModifiers::NONE, k.kind);
            let key = KeyEvent::new_with_kind(k.code, k.modifiers - KeyModifiers::ALT, k.kind);
            vec![Event::Key(esc), Event::Key(key)]
        }
        other => vec![other],
    }
}

/// What mode the keyboard is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Moving around.
    #[default]
    Normal,
    /// A y/n question on the status line.
    Confirm,
    /// Typing the live filter.
    Filter,
    /// Changing an order's features in the what-if.
    WhatIf,
    /// Typing a palette command.
    Palette,
    /// Reading the help.
    Help,
}

/// Which screen a binding works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Every screen, every mode (Ctrl-C).
    Always,
    /// Every screen while moving around.
    Global,
    /// Screens with a table.
    Table,
    /// Tables whose rows open something (Enter).
    Opens,
    /// Tables that can be sorted.
    Sorts,
    /// Tables with a risk-band filter.
    Banded,
    /// The seller drill-down.
    Detail,
    /// The order pane.
    Order,
    /// The what-if of the order pane.
    WhatIf,
    /// The Models tab.
    Models,
    /// The Monitoring tab.
    Cases,
    /// The Alerts tab.
    Alerts,
    /// A y/n question.
    Confirm,
    /// Typing (filter or palette).
    Typing,
    /// Typing in the palette.
    Palette,
    /// The help is open.
    Help,
}

/// What is on screen, for deciding which bindings apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Screen {
    /// The keyboard's mode.
    pub mode: Mode,
    /// A table has focus.
    pub table: bool,
    /// Enter on its rows opens something.
    pub opens: bool,
    /// Its table can be sorted.
    pub sorts: bool,
    /// Its rows have a risk-band filter.
    pub banded: bool,
    /// The seller drill-down is open (its orders table).
    pub detail: bool,
    /// The order pane is open.
    pub order: bool,
    /// The Models tab is shown.
    pub models: bool,
    /// The Monitoring tab is shown.
    pub cases: bool,
    /// The Alerts tab is shown.
    pub alerts: bool,
}

impl Screen {
    /// Whether bindings of `context` work on this screen.
    pub fn active(self, context: Context) -> bool {
        let normal = self.mode == Mode::Normal;
        match context {
            Context::Always => true,
            Context::Global => normal,
            Context::Table => normal && self.table,
            Context::Opens => normal && self.opens,
            Context::Sorts => normal && self.table && self.sorts,
            Context::Banded => normal && self.banded,
            Context::Detail => normal && self.detail,
            Context::Order => normal && self.order,
            Context::WhatIf => self.mode == Mode::WhatIf,
            Context::Models => normal && self.models,
            Context::Cases => normal && self.cases,
            Context::Alerts => normal && self.alerts,
            Context::Confirm => self.mode == Mode::Confirm,
            Context::Typing => matches!(self.mode, Mode::Filter | Mode::Palette),
            Context::Palette => self.mode == Mode::Palette,
            Context::Help => self.mode == Mode::Help,
        }
    }

    /// Every combination of mode and flags that can be on screen (for checking the map): the
    /// order pane covers the drill-down, so the two never have the keyboard together.
    fn all() -> impl Iterator<Item = Screen> {
        let modes = [
            Mode::Normal,
            Mode::Confirm,
            Mode::Filter,
            Mode::Palette,
            Mode::WhatIf,
            Mode::Help,
        ];
        modes.into_iter().flat_map(|mode| {
            (0..=511u16)
                .map(move |bits| Screen {
                    mode,
                    table: bits & 1 != 0,
                    opens: bits & 2 != 0,
                    banded: bits & 4 != 0,
                    detail: bits & 8 != 0,
                    models: bits & 16 != 0,
                    order: bits & 32 != 0,
                    sorts: bits & 64 != 0,
                    cases: bits & 128 != 0,
                    alerts: bits & 256 != 0,
                })
                // One tab at a time: the drill-down and the order pane are over Sellers.
                .filter(|s| !(s.detail && s.order))
                .filter(|s| !(s.cases && (s.models || s.detail || s.order)))
                .filter(|s| !(s.alerts && (s.cases || s.models || s.detail || s.order)))
        })
    }
}

/// One binding: keys, what they do, where, and how the footer and help describe it.
#[derive(Clone, Debug)]
pub struct Binding {
    /// Keys that trigger it (the first is shown in the footer).
    pub keys: Vec<Key>,
    /// The command.
    pub command: Command,
    /// Where it works.
    pub context: Context,
    /// Where the footer and help show it (where it does something).
    pub shown: Context,
    /// Footer label (empty: help only).
    pub short: &'static str,
    /// Help text.
    pub help: &'static str,
}

/// Where a binding's hint goes in the footer (lower first): help, then what only this screen
/// does, then what every table does, then what works everywhere.
fn footer_rank(b: &Binding) -> u8 {
    match (b.command, b.shown) {
        (Command::Help, _) => 0,
        (_, Context::Always | Context::Global) => 3,
        (_, Context::Table | Context::Opens | Context::Sorts | Context::Banded) => 2,
        _ => 1,
    }
}

/// Columns a footer hint takes: the key, a space, the label, two spaces.
pub fn hint_width(key: &str, label: &str) -> usize {
    key.chars().count() + 1 + label.chars().count() + 2
}

/// Parses a config key: one character, `Ctrl-<character>`, or a named key.
pub fn parse_key(s: &str) -> Result<Key, String> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(Key::plain(KeyCode::Char(c)));
    }
    if let Some(rest) = s.strip_prefix("Ctrl-") {
        let mut chars = rest.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Key::ctrl(c.to_ascii_lowercase()));
        }
    }
    let code = match s {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "Backspace" => KeyCode::Backspace,
        "Space" => KeyCode::Char(' '),
        _ => match s.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
            Some(n) if (1..=12).contains(&n) => KeyCode::F(n),
            _ => {
                return Err(format!(
                    "unknown key {s:?}: expected one character, Ctrl-<character>, Enter, Esc, Tab, Backspace, Space or F1-F12"
                ));
            }
        },
    };
    Ok(Key::plain(code))
}

/// Short display name of a key.
pub fn key_name(k: &Key) -> String {
    let name = match k.code {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "S-Tab".into(),
        KeyCode::Backspace => "Bksp".into(),
        KeyCode::Delete => "Del".into(),
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
    };
    if k.ctrl { format!("C-{name}") } else { name }
}

/// All bindings.
#[derive(Clone, Debug)]
pub struct KeyMap {
    /// In display order.
    pub bindings: Vec<Binding>,
}

/// One binding as written below: keys, command, where it works, where it is shown, footer
/// label, help.
type BindingRow = (
    Vec<Key>,
    Command,
    Context,
    Context,
    &'static str,
    &'static str,
);

/// The bindings, from the configurable keys in `keys` (a table: one binding per line).
#[rustfmt::skip]
fn bindings(keys: &KeysConfig) -> Result<Vec<Binding>, String> {
    let k = |name: &str, s: &str| parse_key(s).map_err(|e| format!("keys.{name}: {e}"));
    let p = Key::plain;
    let ch = |c| Key::plain(KeyCode::Char(c));
    use Command as C;
    use Context::*;
    use returnrisk_cases::Transition as T;
    // (keys, command, where it works, where it is shown, footer label, help)
    let mut rows: Vec<BindingRow> = vec![
        (vec![Key::ctrl('c')], C::Quit, Always, Global, "", "quit, from anywhere"),
        (vec![Key::ctrl('z')], C::Suspend, Always, Global, "", "suspend to the shell (fg resumes)"),
        (vec![k("help", &keys.help)?], C::Help, Global, Global, "help", "show this help"),
        (vec![k("quit", &keys.quit)?], C::Quit, Global, Global, "quit", "quit"),
        (vec![p(KeyCode::Tab), p(KeyCode::Right)], C::NextTab, Global, Global, "tab", "next tab"),
        (vec![p(KeyCode::BackTab), p(KeyCode::Left)], C::PrevTab, Global, Global, "", "previous tab"),
    ];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let digit = char::from_digit(i as u32 + 1, 10).unwrap_or('0');
        rows.push((
            vec![ch(digit)],
            C::GoTab(*tab),
            Global,
            Global,
            "",
            tab.help(),
        ));
    }
    rows.extend([
        (vec![k("next_window", &keys.next_window)?], C::Window, Global, Global, "window", "window: 7d, 30d, 90d, all"),
        (vec![k("prev_window", &keys.prev_window)?], C::PrevWindow, Global, Global, "", "window, backwards"),
        (vec![k("next_marketplace", &keys.next_marketplace)?], C::Marketplace, Global, Global, "market", "marketplace: all, each"),
        (vec![k("prev_marketplace", &keys.prev_marketplace)?], C::PrevMarketplace, Global, Global, "", "marketplace, backwards"),
        (vec![k("palette", &keys.palette)?], C::Palette, Global, Global, "cmd", "command: seller, order, category, window, market, export"),
        (vec![k("acknowledge", &keys.acknowledge)?], C::MoveCase(T::Acknowledge), Cases, Cases, "ack", "acknowledge the case: I have seen it"),
        (vec![k("investigate", &keys.investigate)?], C::MoveCase(T::Investigate), Cases, Cases, "invest", "investigate the case: I am on it"),
        (vec![k("escalate", &keys.escalate)?], C::MoveCase(T::Escalate), Cases, Cases, "escal", "escalate the case: someone else must decide"),
        (vec![k("resolve", &keys.resolve)?], C::MoveCase(T::Resolve), Cases, Cases, "resolve", "resolve the case (asks for a note; Enter without one, Esc not at all)"),
        (vec![k("reopen", &keys.reopen)?], C::MoveCase(T::Reopen), Cases, Cases, "reopen", "reopen a resolved or recovered case (it becomes new; history kept)"),
        (vec![k("snooze", &keys.snooze)?], C::MoveCase(T::Snooze), Cases, Cases, "snooze", "snooze the case for N days or until a date (asks)"),
        (vec![k("mark", &keys.mark)?], C::MarkCase, Cases, Cases, "mark", "mark the case (again: unmark it) and move down; the case keys then act on every marked case"),
        (vec![k("mark", &keys.mark)?], C::ToggleGroup, Alerts, Alerts, "expand", "show or hide the other alerts of the selected row's target (a row per target)"),
        (vec![k("note", &keys.note)?], C::NoteCase, Cases, Cases, "note", "add a note to the case (asks for the text)"),
        (vec![k("assign", &keys.assign)?], C::AssignCase, Cases, Cases, "assign", "give the case to someone (asks who)"),
        (vec![p(KeyCode::Down), ch('j')], C::Down, Table, Table, "", "move down"),
        (vec![p(KeyCode::Up), ch('k')], C::Up, Table, Table, "", "move up"),
        (vec![p(KeyCode::PageDown), Key::ctrl('f')], C::PageDown, Table, Table, "", "page down"),
        (vec![p(KeyCode::PageUp), Key::ctrl('b')], C::PageUp, Table, Table, "", "page up"),
        (vec![ch('g'), p(KeyCode::Home)], C::Top, Table, Table, "", "first row"),
        (vec![ch('G'), p(KeyCode::End)], C::Bottom, Table, Table, "", "last row"),
        (vec![p(KeyCode::Enter)], C::Open, Opens, Opens, "open", "open the selected row: a seller's drill-down, a category's sellers, an alert's or case's target, a statement's tab; on a drill-down, the order (why its risk, what-if)"),
        (vec![p(KeyCode::Esc), p(KeyCode::Backspace)], C::Back, Global, Global, "back", "back to where you came from; clears a filter first"),
        (vec![k("filter", &keys.filter)?], C::Filter, Table, Table, "filter", "filter the rows: words in any column, and field:value terms (sev:crit state:new seller:S023 cat:foot band:high), all combined"),
        (vec![k("sort", &keys.sort)?], C::Sort, Sorts, Sorts, "sort", "cycle the sort column"),
        (vec![k("reverse_sort", &keys.reverse_sort)?], C::ReverseSort, Sorts, Sorts, "", "reverse the sort"),
        (vec![k("band", &keys.band)?], C::Band, Banded, Banded, "band", "only High, Medium or Low risk"),
        (vec![k("order_category", &keys.order_category)?], C::OrderCategory, Detail, Detail, "cat", "orders of one category"),
        (vec![k("order_status", &keys.order_status)?], C::OrderStatus, Detail, Detail, "status", "orders: returned, kept, pending"),
        (vec![k("order_payment", &keys.order_payment)?], C::OrderPayment, Detail, Detail, "pay", "orders of one payment method"),
        (vec![k("clear_chips", &keys.clear_chips)?], C::ClearChips, Detail, Detail, "", "remove the order filters (chips)"),
        (vec![k("what_if", &keys.what_if)?], C::WhatIf, Order, Order, "what-if", "what-if: change the order's features and see the new risk"),
        (vec![p(KeyCode::Down), ch('j')], C::WhatIfNext, WhatIf, WhatIf, "", "what-if: next feature"),
        (vec![p(KeyCode::Up), ch('k')], C::WhatIfPrev, WhatIf, WhatIf, "", "what-if: previous feature"),
        (vec![p(KeyCode::Right), ch('l'), ch('+')], C::WhatIfMore, WhatIf, WhatIf, "change", "what-if: next value (a step up, the next level)"),
        (vec![p(KeyCode::Left), ch('h'), ch('-')], C::WhatIfLess, WhatIf, WhatIf, "", "what-if: previous value"),
        (vec![k("what_if", &keys.what_if)?, p(KeyCode::Esc)], C::WhatIf, WhatIf, WhatIf, "done", "end the what-if (the data never changes)"),
        (vec![k("export", &keys.export)?], C::Export, Global, Table, "export", "export the table as shown to CSV"),
        (vec![k("copy", &keys.copy)?], C::Copy, Table, Table, "copy", "copy the selected id to the clipboard"),
        (vec![k("next_version", &keys.next_version)?], C::NextVersion, Models, Models, "", "choose an older version of the model"),
        (vec![k("prev_version", &keys.prev_version)?], C::PrevVersion, Models, Models, "", "choose a newer version of the model"),
        (vec![k("promote", &keys.promote)?], C::Promote, Models, Models, "promote", "make the chosen version active (asks y/n)"),
        (vec![k("rollback", &keys.rollback)?], C::Rollback, Models, Models, "rollback", "back to the previously active version (asks y/n)"),
        (vec![k("retrain", &keys.retrain)?], C::Retrain, Global, Global, "", "retrain the models (asks y/n)"),
        (vec![ch('y'), ch('Y')], C::Yes, Confirm, Confirm, "yes", "yes"),
        (vec![ch('n'), ch('N'), p(KeyCode::Esc)], C::No, Confirm, Confirm, "no", "no"),
        (vec![k("help", &keys.help)?, p(KeyCode::Esc)], C::Help, Help, Help, "close", "close the help"),
        (vec![p(KeyCode::Down), ch('j')], C::Down, Help, Help, "scroll", "scroll down a line"),
        (vec![p(KeyCode::Up), ch('k')], C::Up, Help, Help, "", "scroll up a line"),
        (vec![p(KeyCode::PageDown), Key::ctrl('f'), ch(' ')], C::PageDown, Help, Help, "", "scroll down a page"),
        (vec![p(KeyCode::PageUp), Key::ctrl('b')], C::PageUp, Help, Help, "", "scroll up a page"),
        (vec![ch('g'), p(KeyCode::Home)], C::Top, Help, Help, "", "to the top"),
        (vec![ch('G'), p(KeyCode::End)], C::Bottom, Help, Help, "", "to the end"),
        (vec![k("quit", &keys.quit)?], C::Quit, Help, Help, "quit", "quit"),
        (vec![p(KeyCode::Enter)], C::EditDone, Typing, Typing, "done", "keep the filter / run the command"),
        (vec![p(KeyCode::Esc)], C::EditCancel, Typing, Typing, "cancel", "drop what was typed"),
        (vec![p(KeyCode::Tab)], C::Complete, Palette, Palette, "complete", "complete from the data"),
        (vec![p(KeyCode::Backspace)], C::Edit(E::Backspace), Typing, Typing, "", "delete before the cursor"),
        (vec![p(KeyCode::Delete)], C::Edit(E::Delete), Typing, Typing, "", "delete under the cursor"),
        (vec![p(KeyCode::Left)], C::Edit(E::Left), Typing, Typing, "", "cursor left"),
        (vec![p(KeyCode::Right)], C::Edit(E::Right), Typing, Typing, "", "cursor right"),
        (vec![p(KeyCode::Home), Key::ctrl('a')], C::Edit(E::Home), Typing, Typing, "", "to the start"),
        (vec![p(KeyCode::End), Key::ctrl('e')], C::Edit(E::End), Typing, Typing, "", "to the end"),
        (vec![Key::ctrl('u')], C::Edit(E::KillToStart), Typing, Typing, "", "delete to the start"),
        (vec![Key::ctrl('w')], C::Edit(E::KillWord), Typing, Typing, "", "delete the word before"),
    ]);
    Ok(rows
        .into_iter()
        .map(|(keys, command, context, shown, short, help)| Binding {
            keys,
            command,
            context,
            shown,
            short,
            help,
        })
        .collect())
}

impl KeyMap {
    /// The key map with the configurable keys from `keys`; an unknown key name, or a key
    /// bound to two commands on one screen, is an error naming them.
    pub fn new(keys: &KeysConfig) -> Result<KeyMap, String> {
        let map = KeyMap {
            bindings: bindings(keys)?,
        };
        map.check()?;
        Ok(map)
    }

    /// No key does two things on one screen.
    fn check(&self) -> Result<(), String> {
        for screen in Screen::all() {
            let active: Vec<&Binding> = self
                .bindings
                .iter()
                .filter(|b| screen.active(b.context))
                .collect();
            for (i, a) in active.iter().enumerate() {
                for b in &active[i + 1..] {
                    if let Some(key) = a.keys.iter().find(|k| b.keys.contains(k)) {
                        return Err(format!(
                            "keys: {} is bound twice on one screen: \"{}\" and \"{}\"",
                            key_name(key),
                            a.help,
                            b.help
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The command for `key` on a screen.
    pub fn command(&self, key: &KeyEvent, screen: Screen) -> Option<Command> {
        let key = Key::of(key)?;
        self.bindings
            .iter()
            .filter(|b| screen.active(b.context))
            .find(|b| b.keys.contains(&key))
            .map(|b| b.command)
    }

    fn shown(&self, screen: Screen) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| screen.active(b.context) && screen.active(b.shown))
    }

    /// Footer hints for a screen, most useful first: (key, label). Help leads, then what
    /// only this screen does, then what every table does, then what works everywhere.
    pub fn footer(&self, screen: Screen) -> Vec<(String, &'static str)> {
        let mut shown: Vec<&Binding> = self.shown(screen).filter(|b| !b.short.is_empty()).collect();
        shown.sort_by_key(|b| footer_rank(b));
        shown
            .into_iter()
            .map(|b| (key_name(&b.keys[0]), b.short))
            .collect()
    }

    /// The footer's hints that fit in `width` columns, whole, most useful first.
    pub fn footer_fitting(&self, screen: Screen, width: usize) -> Vec<(String, &'static str)> {
        let mut used = 1;
        self.footer(screen)
            .into_iter()
            .take_while(|(key, label)| {
                used += hint_width(key, label);
                used <= width
            })
            .collect()
    }

    /// Help lines for a screen: (keys, text).
    pub fn help(&self, screen: Screen) -> Vec<(String, &'static str)> {
        self.shown(screen)
            .map(|b| {
                let keys: Vec<String> = b.keys.iter().map(key_name).collect();
                (keys.join(" "), b.help)
            })
            .collect()
    }
}
