//! A one-line text editor for the filter and the command palette, with the keys a shell
//! line has: insert at the cursor, Backspace, Delete, ←/→, Home/End, Ctrl-U (to the start),
//! Ctrl-W (the word before the cursor).

/// The text and the cursor (a char index, `0..=len`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    cursor: usize,
}

/// One edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Insert a character at the cursor.
    Insert(char),
    /// Delete the character before the cursor.
    Backspace,
    /// Delete the character under the cursor.
    Delete,
    /// Cursor one left.
    Left,
    /// Cursor one right.
    Right,
    /// Cursor to the start.
    Home,
    /// Cursor to the end.
    End,
    /// Delete from the start to the cursor (Ctrl-U).
    KillToStart,
    /// Delete the word before the cursor (Ctrl-W).
    KillWord,
}

impl LineEdit {
    /// A line holding `text`, cursor at its end.
    pub fn new(text: &str) -> LineEdit {
        LineEdit {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor, in chars from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether the line is empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Empties the line.
    pub fn clear(&mut self) {
        *self = LineEdit::default();
    }

    /// Byte offset of char index `i`.
    fn byte(&self, i: usize) -> usize {
        self.text
            .char_indices()
            .nth(i)
            .map_or(self.text.len(), |(b, _)| b)
    }

    /// Applies one edit.
    pub fn apply(&mut self, edit: Edit) {
        let len = self.text.chars().count();
        match edit {
            Edit::Insert(c) if !c.is_control() => {
                let at = self.byte(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            Edit::Insert(_) => {}
            Edit::Backspace if self.cursor > 0 => {
                let at = self.byte(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
            }
            Edit::Delete if self.cursor < len => {
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            Edit::Backspace | Edit::Delete => {}
            Edit::Left => self.cursor = self.cursor.saturating_sub(1),
            Edit::Right => self.cursor = (self.cursor + 1).min(len),
            Edit::Home => self.cursor = 0,
            Edit::End => self.cursor = len,
            Edit::KillToStart => {
                let at = self.byte(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
            }
            Edit::KillWord => {
                // Like a shell: spaces before the cursor, then the word before them.
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                while start > 0 && !chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                let (a, b) = (self.byte(start), self.byte(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = start;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> LineEdit {
        let mut l = LineEdit::default();
        for c in s.chars() {
            l.apply(Edit::Insert(c));
        }
        l
    }

    #[test]
    fn edits_like_a_shell_line() {
        let mut l = typed("seller S023");
        l.apply(Edit::KillWord);
        assert_eq!((l.text(), l.cursor()), ("seller ", 7));
        l.apply(Edit::KillWord);
        assert_eq!(l.text(), "");
        let mut l = typed("Footwear");
        l.apply(Edit::Left);
        l.apply(Edit::Left);
        l.apply(Edit::Backspace);
        assert_eq!(l.text(), "Footwar");
        l.apply(Edit::Insert('e'));
        assert_eq!((l.text(), l.cursor()), ("Footwear", 6));
        l.apply(Edit::KillToStart);
        assert_eq!((l.text(), l.cursor()), ("ar", 0));
        l.apply(Edit::Delete);
        l.apply(Edit::End);
        l.apply(Edit::Right);
        assert_eq!((l.text(), l.cursor()), ("r", 1));
        l.apply(Edit::Home);
        l.apply(Edit::Backspace);
        assert_eq!((l.text(), l.cursor()), ("r", 0));
    }

    #[test]
    fn multibyte_text_and_control_characters() {
        let mut l = typed("café\u{7}s");
        assert_eq!(l.text(), "cafés", "control characters are not typed");
        l.apply(Edit::Left);
        l.apply(Edit::Backspace);
        assert_eq!((l.text(), l.cursor()), ("cafs", 3));
        l.apply(Edit::KillWord);
        assert_eq!((l.text(), l.cursor()), ("s", 0));
    }
}
