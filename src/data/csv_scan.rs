//! A quote-aware pass over CSV bytes that finds where each record starts (its line number)
//! and how many fields it has. polars parses the values; this pass lets every row error name
//! its real line, even when quoted fields contain line breaks, and detects ragged rows.

/// Position and width of one CSV record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordInfo {
    /// 1-based line on which the record starts.
    pub line: usize,
    /// Number of fields in the record.
    pub fields: usize,
}

/// Strips a UTF-8 byte order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// Scans `bytes` (BOM already stripped) and returns one entry per record, the header
/// included. A blank line is a record with `fields == 0` (polars reads it as an all-null
/// row; the loader skips it). LF and CRLF line endings are accepted; `""` escapes a quote.
pub fn scan_records(bytes: &[u8]) -> Vec<RecordInfo> {
    let mut out = Vec::new();
    let mut line = 1usize;
    let mut i = 0usize;
    let n = bytes.len();
    while i < n {
        let blank = match bytes[i] {
            b'\n' => Some(1),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => Some(2),
            _ => None,
        };
        if let Some(len) = blank {
            out.push(RecordInfo { line, fields: 0 });
            line += 1;
            i += len;
            continue;
        }
        let start_line = line;
        let mut fields = 1usize;
        let mut in_quotes = false;
        while i < n {
            let b = bytes[i];
            if in_quotes {
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 1;
                    } else {
                        in_quotes = false;
                    }
                } else if b == b'\n' {
                    line += 1;
                }
            } else if b == b'"' {
                in_quotes = true;
            } else if b == b',' {
                fields += 1;
            } else if b == b'\n' {
                break;
            }
            i += 1;
        }
        out.push(RecordInfo {
            line: start_line,
            fields,
        });
        // Consume the newline that ended the record.
        if i < n {
            line += 1;
            i += 1;
        }
    }
    out
}

/// Where the first record of `bytes` (which starts a record) ends: just past its newline,
/// or the end of `bytes` when it has none.
pub fn first_record_end(bytes: &[u8]) -> usize {
    let mut in_quotes = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == b'\n' && !in_quotes {
            return i + 1;
        }
    }
    bytes.len()
}

/// Where the last whole record of `bytes` (which starts a record) ends: just past the last
/// newline outside quotes, `None` when there is none. A quote toggles quoting (an escaped
/// `""` toggles twice), as in [`scan_records`], so the newline is found from the end.
pub fn last_record_end(bytes: &[u8]) -> Option<usize> {
    let mut quotes_before = bytes.iter().filter(|&&b| b == b'"').count();
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b'"' => quotes_before -= 1,
            b'\n' if quotes_before % 2 == 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_through_quoted_newlines() {
        let csv = b"a,b\n1,\"x\ny\"\n\n2,3\r\n4\n";
        let recs = scan_records(csv);
        assert_eq!(
            recs,
            vec![
                RecordInfo { line: 1, fields: 2 },
                RecordInfo { line: 2, fields: 2 },
                RecordInfo { line: 4, fields: 0 },
                RecordInfo { line: 5, fields: 2 },
                RecordInfo { line: 6, fields: 1 },
            ]
        );
    }

    #[test]
    fn escaped_quotes_and_commas_inside_quotes() {
        let recs = scan_records(b"a,b,c\n\"x,\"\"y\"\"\",2,3");
        assert_eq!(recs[1], RecordInfo { line: 2, fields: 3 });
    }

    #[test]
    fn record_ends_skip_newlines_inside_quotes() {
        let csv = b"a,b\n1,\"x\ny\"\n2,\"\"\"\n\"\n3";
        assert_eq!(first_record_end(csv), 4);
        assert_eq!(first_record_end(b"a,b"), 3);
        assert_eq!(last_record_end(csv), Some(csv.len() - 1));
        assert_eq!(last_record_end(b"a,\"b\nc"), None);
        assert_eq!(last_record_end(b"x\n\"open\nstill"), Some(2));
        // Every cut it gives splits the records scan_records finds, one for one.
        let cut = last_record_end(&csv[..csv.len() - 3]).unwrap();
        let whole = scan_records(csv).len();
        assert_eq!(
            scan_records(&csv[..cut]).len() + scan_records(&csv[cut..]).len(),
            whole
        );
    }

    #[test]
    fn bom_is_stripped() {
        assert_eq!(strip_bom(b"\xef\xbb\xbfa,b"), b"a,b");
        assert_eq!(strip_bom(b"a,b"), b"a,b");
    }
}
