//! Text from the data, made safe to put on a terminal: control and format characters
//! (bidi overrides such as U+202E, zero-width joiners, BOMs) are dropped for display, and
//! widths are display widths (`unicode-width`: CJK and emoji take two columns, combining
//! accents none), so columns line up whatever the names hold. JSON and CSV output keep the
//! original text; only what is drawn or padded goes through here.

use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Whether `c` must not reach a terminal: C0/C1 controls, and format characters that
/// change how the text around them is laid out (bidi embeddings, overrides and isolates,
/// zero-width joiners and spaces, word joiners, BOM, interlinear annotations, tags, line and
/// paragraph separators).
pub fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{61c}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}')
}

/// `s` without hidden characters; tabs and line breaks become spaces so words stay apart.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if is_hidden(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Text of several lines made safe for a terminal: hidden characters dropped as in
/// [`clean`], tabs and carriage returns made spaces, line breaks kept. Every table and text
/// a command prints goes through it, so no value from the data or the stores (a seller id,
/// a marketplace, a category, a note) can move the cursor, set the title or clear a screen.
pub fn clean_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_hidden(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.split('\n')
            .map(|line| clean(line))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A CSV field (RFC 4180): quoted, its quotes doubled, when it holds a comma, a quote or a
/// line break. CSV keeps the text as it is, control characters included.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Display width of `s` once cleaned.
pub fn width(s: &str) -> usize {
    clean(s).width()
}

/// `s` cleaned and cut to at most `max` columns; a cut ends in `…`.
pub fn fit(s: &str, max: usize) -> String {
    let s = clean(s);
    if s.width() <= max {
        return s.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `s` cleaned and padded with spaces to `w` columns (on the left when `right`), by display
/// width; never cut.
pub fn pad(s: &str, w: usize, right: bool) -> String {
    let s = clean(s);
    let fill = " ".repeat(w.saturating_sub(s.width()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// `v` with a sign and `decimals` decimals, never `-0.0` or `+0.0` (a value that rounds to
/// zero is `0.0`).
pub fn signed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else if v > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// An integer with thousands separators: `12,345`.
pub fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count in at most 6 cells: `932`, `12,345`, `420k`, `12.3M`, `3.4B`.
pub fn count(n: u64) -> String {
    match n {
        0..=99_999 => thousands(n),
        100_000..=999_999 => format!("{}k", n / 1000),
        1_000_000..=99_999_999 => format!("{:.1}M", n as f64 / 1e6),
        100_000_000..=999_999_999 => format!("{}M", n / 1_000_000),
        1_000_000_000..=99_999_999_999 => format!("{:.1}B", n as f64 / 1e9),
        100_000_000_000..=999_999_999_999 => format!("{}B", n / 1_000_000_000),
        _ => ">999B".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_numbers_never_show_a_signed_zero() {
        assert_eq!(signed(-0.04, 1), "0.0");
        assert_eq!(signed(0.04, 1), "0.0");
        assert_eq!(signed(-0.0, 0), "0");
        assert_eq!(signed(2.25, 1), "+2.2");
        assert_eq!(signed(-7.0, 1), "-7.0");
    }

    #[test]
    fn counts_fit_six_cells() {
        assert_eq!(count(7), "7");
        assert_eq!(count(12_345), "12,345");
        assert_eq!(count(420_000), "420k");
        assert_eq!(count(12_340_000), "12.3M");
        assert!(
            [0, 99_999, 999_999, 999_999_999, u64::MAX]
                .iter()
                .all(|&n| count(n).len() <= 6)
        );
    }

    #[test]
    fn hidden_characters_go_and_visible_ones_stay() {
        assert_eq!(clean("Acme\u{202e}Corp"), "AcmeCorp");
        assert_eq!(clean("a\u{200d}b\u{feff}"), "ab");
        assert_eq!(clean("tab\there\nnext"), "tab here next");
        // Combining accents, CJK and emoji are text, not formatting.
        assert_eq!(clean("Cafe\u{301} 東京 🙂"), "Cafe\u{301} 東京 🙂");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn widths_are_display_columns() {
        assert_eq!(width("東京"), 4);
        assert_eq!(width("Cafe\u{301}"), 4);
        assert_eq!(width("🙂"), 2);
        assert_eq!(width("a\u{202e}b"), 2);
    }

    #[test]
    fn fit_cuts_by_width_with_an_ellipsis() {
        assert_eq!(fit("Rapid Market", 20), "Rapid Market");
        assert_eq!(fit("Rapid Market", 6), "Rapid…");
        // A wide character that would cross the edge is left out, never split.
        assert_eq!(fit("東京大阪", 6), "東京…");
        assert_eq!(width(&fit("東京大阪", 6)), 5);
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn pad_fills_to_the_display_width() {
        assert_eq!(pad("東京", 6, false), "東京  ");
        assert_eq!(pad("7", 3, true), "  7");
        assert_eq!(width(&pad("Cafe\u{301}", 6, false)), 6);
    }
}
