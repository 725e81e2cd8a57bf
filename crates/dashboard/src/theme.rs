//! Every colour and symbol in one place. Default: the 16 ANSI colours (they survive ssh and
//! follow the user's palette); RGB only on truecolor terminals; monochrome with `NO_COLOR` or
//! `--no-color`. Meaning never rides on colour alone: severities carry a word, the selection
//! is reversed and bold.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use returnrisk_setup::config_file::ColorMode;

/// Styles and symbols of the UI.
#[derive(Clone, Debug)]
pub struct Theme {
    /// Plain text.
    pub text: Style,
    /// Secondary text.
    pub dim: Style,
    /// Titles and the active tab.
    pub accent: Style,
    /// Table headers.
    pub header: Style,
    /// The selected row (reversed and bold: visible without colour).
    pub selected: Style,
    /// Good (health band, low risk).
    pub good: Style,
    /// Warning.
    pub warn: Style,
    /// Critical.
    pub crit: Style,
    /// Bars and sparklines.
    pub bar: Style,
    /// Second series (actual return rate).
    pub bar2: Style,
    /// Borders.
    pub border: border::Set<'static>,
    /// Full and empty cells of horizontal bars.
    pub bar_full: &'static str,
    /// Empty part of a horizontal bar.
    pub bar_empty: &'static str,
    /// Up / down / flat trend arrows.
    pub arrows: [&'static str; 3],
    /// Sort direction markers: ascending, descending.
    pub sort_marks: [&'static str; 2],
    /// ASCII only.
    pub ascii: bool,
}

const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    /// Resolves the mode (`auto` looks at `COLORTERM`) and builds the theme.
    pub fn new(mode: ColorMode, no_color: bool, ascii: bool) -> Theme {
        let mode = if no_color {
            ColorMode::Mono
        } else if mode == ColorMode::Auto {
            let truecolor =
                std::env::var("COLORTERM").is_ok_and(|v| v == "truecolor" || v == "24bit");
            if truecolor {
                ColorMode::Truecolor
            } else {
                ColorMode::Ansi
            }
        } else {
            mode
        };
        let c = |ansi: Color, rgb: Color| match mode {
            ColorMode::Truecolor => Style::new().fg(rgb),
            ColorMode::Mono => Style::new(),
            _ => Style::new().fg(ansi),
        };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            text: Style::new(),
            // Borders, inactive tabs and hints: the terminal's own foreground, dimmed. Colour 8
            // (bright black) is nearly invisible on palettes such as Solarized dark.
            dim: match mode {
                ColorMode::Mono => Style::new(),
                ColorMode::Truecolor => Style::new().fg(Color::Rgb(128, 128, 128)),
                _ => Style::new().add_modifier(Modifier::DIM),
            },
            accent: c(Color::Cyan, Color::Rgb(86, 182, 194)).add_modifier(Modifier::BOLD),
            header: bold.patch(c(Color::Yellow, Color::Rgb(229, 192, 123))),
            selected: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            good: c(Color::Green, Color::Rgb(152, 195, 121)),
            warn: c(Color::Yellow, Color::Rgb(229, 192, 123)),
            crit: c(Color::Red, Color::Rgb(224, 108, 117)).add_modifier(Modifier::BOLD),
            bar: c(Color::Magenta, Color::Rgb(198, 120, 221)),
            bar2: c(Color::Blue, Color::Rgb(97, 175, 239)),
            border: if ascii { ASCII_BORDER } else { border::PLAIN },
            bar_full: if ascii { "#" } else { "█" },
            bar_empty: if ascii { "." } else { "░" },
            arrows: if ascii {
                ["^", "v", "="]
            } else {
                ["↑", "↓", "→"]
            },
            sort_marks: if ascii {
                ["/\\", "\\/"]
            } else {
                ["▲", "▼"]
            },
            ascii,
        }
    }

    /// Style of a health band word (`good`, `warning`, `critical`).
    pub fn band(&self, band: returnrisk_core::engine::HealthBand) -> Style {
        match band {
            returnrisk_core::engine::HealthBand::Good => self.good,
            returnrisk_core::engine::HealthBand::Warning => self.warn,
            returnrisk_core::engine::HealthBand::Critical => self.crit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dim_text_never_uses_bright_black_in_ansi_mode() {
        let t = Theme::new(ColorMode::Ansi, false, false);
        assert_eq!(t.dim.fg, None);
        assert!(t.dim.add_modifier.contains(Modifier::DIM));
        let mono = Theme::new(ColorMode::Ansi, true, false);
        assert_eq!(mono.dim, Style::new());
    }
}
