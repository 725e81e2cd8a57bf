//! A pass over CSV bytes, by RFC 4180's grammar, that finds where each record starts (its
//! line), ends (its bytes) and how many fields it has, fed a block at a time so a file is
//! never held whole. polars parses the values; this pass lets every row error name its real
//! line even when quoted fields hold line breaks, detects ragged rows, and catches what
//! polars would misread:
//! - a quote inside a field that does not start with one (`Gro"cery`), or text after a
//!   field's closing quote, makes that record invalid (the quote is taken as a character);
//! - a field longer than [`MAX_FIELD_BYTES`] makes its record invalid;
//! - a quoted field that is never closed, or runs past [`MAX_FIELD_BYTES`], is a stray quote
//!   that would swallow the rest of the file: an error naming where it opened.

/// The longest field, in bytes (a name, an id or a number never comes near it).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// The longest record, in bytes: a longer one is skipped as invalid without being held.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Why a record is invalid as CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// A quote inside field `field` (1-based) that does not start it, or text after its
    /// closing quote.
    StrayQuote {
        /// The field.
        field: usize,
    },
    /// Field `field` is `bytes` long, over [`MAX_FIELD_BYTES`].
    FieldTooLong {
        /// The field.
        field: usize,
        /// Its length.
        bytes: usize,
    },
    /// The record is `bytes` long, over [`MAX_RECORD_BYTES`].
    RecordTooLong {
        /// Its length.
        bytes: usize,
    },
}

impl Malformed {
    /// The field it is about, if one.
    pub fn field(&self) -> Option<usize> {
        match *self {
            Malformed::StrayQuote { field } | Malformed::FieldTooLong { field, .. } => Some(field),
            Malformed::RecordTooLong { .. } => None,
        }
    }

    /// What is wrong, in words.
    pub fn reason(&self) -> String {
        match *self {
            Malformed::StrayQuote { .. } => {
                "a quote inside a field that does not start with one, or after its closing quote (a quote in a value is doubled and the value quoted)".into()
            }
            Malformed::FieldTooLong { bytes, .. } => {
                format!("a field of {bytes} bytes, over the limit of {MAX_FIELD_BYTES}")
            }
            Malformed::RecordTooLong { bytes } => {
                format!("a record of {bytes} bytes or more, over the limit of {MAX_RECORD_BYTES}")
            }
        }
    }
}

/// Position, size and width of one CSV record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordInfo {
    /// 1-based line on which the record starts.
    pub line: usize,
    /// Number of fields in the record (0 for a blank line).
    pub fields: usize,
    /// Offset of its first byte in the bytes fed.
    pub start: usize,
    /// Offset just past its newline (or the end of the input).
    pub end: usize,
    /// Why it is invalid as CSV, if it is.
    pub problem: Option<Malformed>,
}

/// A quoted field that never closes (or runs past [`MAX_FIELD_BYTES`]): where it opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "line {line}, field {field} (character {character}): a quote opens a field that {how} (a stray quote? a quote in a value is doubled and the value quoted)"
)]
pub struct UnclosedQuote {
    /// The line the quote is on.
    pub line: usize,
    /// The field it opens (1-based).
    pub field: usize,
    /// Its character position on the line (1-based).
    pub character: usize,
    /// What became of it: "is never closed" or "runs past 65536 bytes, to line N".
    pub how: String,
}

/// Strips a UTF-8 byte order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// Where the scanner stands inside a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum In {
    /// At a field's first byte.
    FieldStart,
    /// Inside a field without quotes.
    Bare,
    /// Inside a quoted field.
    Quoted,
    /// Inside a quoted field, just after a quote: the next byte says whether it was
    /// escaped (`""`) or closed the field.
    QuoteSeen,
    /// After a field's closing quote.
    Closed,
}

/// The scanner: fed bytes in order, it reports each record as it ends.
#[derive(Clone, Debug)]
pub struct Scanner {
    state: In,
    /// Offset of the next byte fed.
    offset: usize,
    /// Line of the next byte, and its character position on that line (0-based).
    line: usize,
    character: usize,
    /// The record under way: its start offset and line, fields so far, current field's
    /// length, the last byte seen (to tell a blank `\r\n` line), its problem.
    start: usize,
    start_line: usize,
    field: usize,
    field_bytes: usize,
    record_bytes: usize,
    only_cr: bool,
    problem: Option<Malformed>,
    /// Where the current quoted field opened: (line, character).
    opened: (usize, usize),
}

impl Scanner {
    /// A scanner whose first byte is on line `line`.
    pub fn new(line: usize) -> Scanner {
        Scanner {
            state: In::FieldStart,
            offset: 0,
            line,
            character: 0,
            start: 0,
            start_line: line,
            field: 1,
            field_bytes: 0,
            record_bytes: 0,
            only_cr: true,
            problem: None,
            opened: (line, 1),
        }
    }

    /// Bytes of the record under way so far.
    pub fn pending(&self) -> usize {
        self.offset - self.start
    }

    /// The line of the next byte.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Feeds the next `bytes`, calling `done` for each record that ends in them.
    pub fn feed(
        &mut self,
        bytes: &[u8],
        mut done: impl FnMut(RecordInfo),
    ) -> Result<(), UnclosedQuote> {
        for &b in bytes {
            self.byte(b, &mut done)?;
        }
        Ok(())
    }

    /// The end of the input: the record under way, if any, ends here.
    pub fn finish(&mut self, mut done: impl FnMut(RecordInfo)) -> Result<(), UnclosedQuote> {
        if self.state == In::Quoted {
            return Err(self.unclosed("is never closed".into()));
        }
        if self.pending() > 0 {
            self.end_record(&mut done);
        }
        Ok(())
    }

    fn unclosed(&self, how: String) -> UnclosedQuote {
        UnclosedQuote {
            line: self.opened.0,
            field: self.field,
            character: self.opened.1,
            how,
        }
    }

    fn flag(&mut self, m: Malformed) {
        self.problem.get_or_insert(m);
    }

    /// One byte of the field under way (not a separator, newline or structural quote).
    fn content(&mut self) -> Result<(), UnclosedQuote> {
        self.field_bytes += 1;
        if self.field_bytes > MAX_FIELD_BYTES {
            if matches!(self.state, In::Quoted | In::QuoteSeen) {
                let how = format!("runs past {MAX_FIELD_BYTES} bytes, to line {}", self.line);
                return Err(self.unclosed(how));
            }
            let field = self.field;
            self.flag(Malformed::FieldTooLong { field, bytes: 0 });
        }
        Ok(())
    }

    fn byte(&mut self, b: u8, done: &mut impl FnMut(RecordInfo)) -> Result<(), UnclosedQuote> {
        self.offset += 1;
        self.record_bytes += 1;
        if b & 0xC0 != 0x80 {
            self.character += 1;
        }
        if b != b'\r' && b != b'\n' {
            self.only_cr = false;
        }
        if self.state == In::QuoteSeen {
            if b == b'"' {
                self.state = In::Quoted;
                return self.content();
            }
            self.state = In::Closed;
        }
        match (self.state, b) {
            (In::Quoted, b'"') => self.state = In::QuoteSeen,
            (In::Quoted, b'\n') => {
                self.newline();
                self.content()?;
            }
            (In::Quoted, _) => self.content()?,
            (_, b',') => {
                self.end_field();
                self.field += 1;
                self.state = In::FieldStart;
            }
            (_, b'\n') => {
                self.newline();
                self.end_record(done);
            }
            (In::FieldStart, b'"') => {
                self.state = In::Quoted;
                self.opened = (self.line, self.character);
            }
            (In::Closed, b'\r') => {}
            (In::Closed, _) | (In::Bare, b'"') => {
                let field = self.field;
                self.flag(Malformed::StrayQuote { field });
                self.state = In::Bare;
                self.content()?;
            }
            (_, b'\r') => {
                // Part of a CRLF line end unless text follows it.
                self.state = In::Bare;
                self.field_bytes += 1;
            }
            _ => {
                self.state = In::Bare;
                self.content()?;
            }
        }
        if self.record_bytes > MAX_RECORD_BYTES {
            self.flag(Malformed::RecordTooLong { bytes: 0 });
        }
        Ok(())
    }

    fn newline(&mut self) {
        self.line += 1;
        self.character = 0;
    }

    /// Records the finished field's length where its problem wants it.
    fn end_field(&mut self) {
        if let Some(Malformed::FieldTooLong { field, bytes }) = &mut self.problem
            && *field == self.field
            && *bytes == 0
        {
            *bytes = self.field_bytes;
        }
        self.field_bytes = 0;
    }

    fn end_record(&mut self, done: &mut impl FnMut(RecordInfo)) {
        self.end_field();
        if let Some(Malformed::RecordTooLong { bytes }) = &mut self.problem {
            *bytes = self.record_bytes;
        }
        let blank = self.field == 1 && self.only_cr && self.state != In::Closed;
        done(RecordInfo {
            line: self.start_line,
            fields: if blank { 0 } else { self.field },
            start: self.start,
            end: self.offset,
            problem: self.problem.take(),
        });
        self.start = self.offset;
        self.start_line = self.line;
        self.field = 1;
        self.field_bytes = 0;
        self.record_bytes = 0;
        self.only_cr = true;
        self.state = In::FieldStart;
    }
}

/// Every record of `bytes` (BOM already stripped), the header included. A blank line is a
/// record with `fields == 0` (polars reads it as an all-null row; the loader skips it). LF
/// and CRLF line endings are accepted; `""` escapes a quote.
pub fn scan_records(bytes: &[u8]) -> Result<Vec<RecordInfo>, UnclosedQuote> {
    let mut out = Vec::new();
    let mut s = Scanner::new(1);
    s.feed(bytes, |r| out.push(r))?;
    s.finish(|r| out.push(r))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
