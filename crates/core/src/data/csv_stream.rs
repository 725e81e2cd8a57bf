//! Reading a CSV file in blocks of whole records, each parsed to a [`Table`] of its own, so
//! memory holds one block's text at a time (a 100M-order file is 8.5 GB of text, tens of GB
//! as parsed strings). Every check of a whole-file read holds: binary data, invalid UTF-8
//! (its byte offset in the file), an empty file, a header alone, each row's real line. A
//! record over the length limit is skipped as it is read, never held.

use super::LoadError;
use super::csv_scan::{MAX_RECORD_BYTES, RecordInfo, Scanner};
use super::table::{Table, csv_table, io_err};
use crate::util::Fnv64;
use std::io::Read;
use std::path::Path;

/// Bytes read before a block is cut at its last whole record.
const BLOCK: usize = 64 << 20;

/// Bytes read at a time while skipping a record over the length limit.
const SKIP_CHUNK: usize = 1 << 20;

/// Bytes at the start of a file checked for NUL (binary data).
const PROBE: usize = 8192;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads CSV `path` with its `required` columns, calling `each` on every block of records
/// in file order; the whole file goes into `fp`.
pub(crate) fn scan_csv(
    path: &Path,
    required: &[&str],
    fp: &mut Fnv64,
    each: impl FnMut(&Table) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    scan_blocks(path, required, fp, BLOCK, each)
}

/// [`scan_csv`] cutting blocks of at least `block` bytes.
fn scan_blocks(
    path: &Path,
    required: &[&str],
    fp: &mut Fnv64,
    block: usize,
    each: impl FnMut(&Table) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    scan_blocks_held(path, required, fp, block, each).map(|_| ())
}

/// [`scan_blocks`], returning the most bytes it held at once.
fn scan_blocks_held(
    path: &Path,
    required: &[&str],
    fp: &mut Fnv64,
    block: usize,
    mut each: impl FnMut(&Table) -> Result<(), LoadError>,
) -> Result<usize, LoadError> {
    let mut file = std::fs::File::open(path).map_err(io_err(path))?;
    let mut reader = Blocks::new(path);
    let mut header: Option<Vec<u8>> = None;
    let (mut seen_text, mut seen_record) = (false, false);
    // The first read covers the byte order mark and the 8 KiB probed for binary data.
    reader.fill(&mut file, block.max(PROBE + BOM.len()), fp)?;
    if reader.buf.starts_with(BOM) {
        reader.buf.drain(..BOM.len());
    }
    if reader.buf[..reader.buf.len().min(PROBE)].contains(&0) {
        return Err(reader.not_csv("contains NUL bytes: binary data".into()));
    }
    loop {
        reader.scan()?;
        if reader.done.is_empty() && !reader.eof {
            if reader.scanner.pending() > MAX_RECORD_BYTES && header.is_none() {
                return Err(LoadError::Parse {
                    path: path.to_path_buf(),
                    message: format!("the header line is over {MAX_RECORD_BYTES} bytes"),
                });
            }
            if reader.scanner.pending() > MAX_RECORD_BYTES
                && let Some(head) = &header
            {
                let skipped = reader.skip_record(&mut file, fp)?;
                each(&malformed_row(path, head, skipped, required)?)?;
                seen_record = true;
            } else {
                let want = reader.buf.len() + block;
                reader.fill(&mut file, want, fp)?;
            }
            continue;
        }
        let cut = reader
            .done
            .last()
            .map_or(reader.buf.len(), |r| r.end - reader.offset);
        let records: Vec<RecordInfo> = reader.done.drain(..).collect();
        let block_bytes = &reader.buf[..cut];
        if let Err(e) = std::str::from_utf8(block_bytes) {
            let at = reader.offset + e.valid_up_to();
            return Err(reader.not_csv(format!("invalid UTF-8 at byte {at}")));
        }
        seen_text |= !block_bytes.iter().all(u8::is_ascii_whitespace);
        if reader.eof && reader.buf.len() == cut && !seen_text {
            return Err(LoadError::Empty {
                path: path.to_path_buf(),
            });
        }
        if header.is_none()
            && let Some(first) = records.first()
        {
            header = Some(block_bytes[..first.end - reader.offset].to_vec());
        }
        if let Some(head) = &header
            && let Some((text, records, excerpts)) =
                block_records(head, block_bytes, reader.offset, &records)
        {
            seen_record = true;
            each(&csv_table(path, &text, &records, &excerpts, required)?)?;
        }
        reader.consume(cut);
        if reader.scanner.line() > u32::MAX as usize {
            return Err(LoadError::Parse {
                path: path.to_path_buf(),
                message: format!("more than {} lines; split it into parts", u32::MAX),
            });
        }
        if reader.eof && reader.buf.is_empty() {
            if !seen_record {
                return Err(LoadError::HeaderOnly {
                    path: path.to_path_buf(),
                });
            }
            return Ok(reader.held);
        }
        reader.fill(&mut file, block, fp)?;
    }
}

/// Text to parse (a header, then records), its records, each with its line in the file,
/// and for each record invalid as CSV the start of its bad field.
type Records = (Vec<u8>, Vec<RecordInfo>, Vec<String>);

/// The header, then the records of `block` (which starts at offset `offset` of the file;
/// `records` are its records, the header's among them when the block starts the file),
/// with each record invalid as CSV written as a row of empty fields (its problem stays in
/// its record). `None` when no record but the header's has a field.
fn block_records(
    header: &[u8],
    block: &[u8],
    offset: usize,
    records: &[RecordInfo],
) -> Option<Records> {
    let width = header_width(header);
    let body: Vec<&RecordInfo> = records
        .iter()
        .filter(|r| r.start != 0 || offset != 0)
        .collect();
    if !body.iter().any(|r| r.fields != 0 || r.problem.is_some()) {
        return None;
    }
    let mut text = Vec::with_capacity(header.len() + block.len());
    text.extend_from_slice(header);
    let mut out = vec![RecordInfo {
        line: 1,
        fields: width,
        start: 0,
        end: header.len(),
        problem: None,
    }];
    let mut excerpts = vec![String::new()];
    for r in body {
        let start = text.len();
        let bytes = &block[r.start - offset..r.end - offset];
        match r.problem {
            None => {
                text.extend_from_slice(bytes);
                excerpts.push(String::new());
            }
            Some(m) => {
                placeholder(&mut text, width);
                excerpts.push(excerpt(bytes, m.field()));
            }
        }
        out.push(RecordInfo {
            start,
            end: text.len(),
            ..*r
        });
    }
    Some((text, out, excerpts))
}

/// Characters of a bad field shown in its error.
const EXCERPT_CHARS: usize = 40;

/// The start of field `field` (1-based; the whole record without one) of a record's bytes,
/// split at every comma (it is malformed: no quoting rule can be trusted).
fn excerpt(record: &[u8], field: Option<usize>) -> String {
    let text = String::from_utf8_lossy(record);
    let text = text.trim_end_matches(['\r', '\n']);
    let part = match field {
        Some(f) => text.split(',').nth(f - 1).unwrap_or(""),
        None => text,
    };
    let n = part.chars().count();
    if n <= EXCERPT_CHARS {
        return part.to_string();
    }
    let head: String = part.chars().take(EXCERPT_CHARS).collect();
    format!("{head}… ({n} characters)")
}

/// Fields of the header record.
fn header_width(header: &[u8]) -> usize {
    crate::data::csv_scan::scan_records(header)
        .ok()
        .and_then(|r| r.first().map(|r| r.fields))
        .unwrap_or(1)
}

/// A row of `width` empty fields standing for a record that cannot be parsed.
fn placeholder(text: &mut Vec<u8>, width: usize) {
    text.extend(std::iter::repeat_n(b',', width.saturating_sub(1)));
    text.push(b'\n');
}

/// A table of one row: the record over the length limit, skipped (its problem says why).
fn malformed_row(
    path: &Path,
    header: &[u8],
    record: RecordInfo,
    required: &[&str],
) -> Result<Table, LoadError> {
    let mut text = header.to_vec();
    let width = header_width(header);
    placeholder(&mut text, width);
    let records = [
        RecordInfo {
            line: 1,
            fields: width,
            start: 0,
            end: header.len(),
            problem: None,
        },
        RecordInfo {
            start: header.len(),
            end: text.len(),
            ..record
        },
    ];
    let excerpts = [
        String::new(),
        format!("(not kept: over {MAX_RECORD_BYTES} bytes)"),
    ];
    csv_table(path, &text, &records, &excerpts, required)
}

/// The bytes read and not yet parsed, and the records found in them.
struct Blocks<'a> {
    path: &'a Path,
    buf: Vec<u8>,
    eof: bool,
    /// Bytes of the file (after a byte order mark) before `buf`.
    offset: usize,
    /// Bytes of `buf` already given to the scanner.
    fed: usize,
    scanner: Scanner,
    /// Whole records found and not yet parsed, in order.
    done: Vec<RecordInfo>,
    /// The most bytes `buf` held.
    held: usize,
}

impl<'a> Blocks<'a> {
    fn new(path: &'a Path) -> Blocks<'a> {
        Blocks {
            path,
            buf: Vec::new(),
            eof: false,
            offset: 0,
            fed: 0,
            scanner: Scanner::new(1),
            done: Vec::new(),
            held: 0,
        }
    }

    fn not_csv(&self, reason: String) -> LoadError {
        LoadError::NotCsv {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    /// Reads until `buf` holds `want` bytes or the file ends, hashing what it reads.
    fn fill(&mut self, file: &mut impl Read, want: usize, fp: &mut Fnv64) -> Result<(), LoadError> {
        while !self.eof && self.buf.len() < want {
            let have = self.buf.len();
            self.buf.resize(want, 0);
            let n = file
                .read(&mut self.buf[have..])
                .map_err(io_err(self.path))?;
            self.buf.truncate(have + n);
            self.held = self.held.max(self.buf.len());
            fp.write(&self.buf[have..]);
            self.eof = n == 0;
        }
        Ok(())
    }

    /// Gives the scanner the bytes it has not seen (and the end of the file once read).
    fn scan(&mut self) -> Result<(), LoadError> {
        let parse = |e: crate::data::csv_scan::UnclosedQuote| LoadError::Parse {
            path: self.path.to_path_buf(),
            message: e.to_string(),
        };
        let done = &mut self.done;
        self.scanner
            .feed(&self.buf[self.fed..], |r| done.push(r))
            .map_err(parse)?;
        self.fed = self.buf.len();
        if self.eof {
            self.scanner.finish(|r| done.push(r)).map_err(parse)?;
        }
        Ok(())
    }

    /// Reads past the record under way, which is over the length limit and the only thing
    /// in `buf`, without holding it: its bytes are dropped as they are scanned.
    fn skip_record(
        &mut self,
        file: &mut impl Read,
        fp: &mut Fnv64,
    ) -> Result<RecordInfo, LoadError> {
        loop {
            let n = self.buf.len();
            self.consume(n);
            self.fill(file, SKIP_CHUNK, fp)?;
            self.scan()?;
            if !self.done.is_empty() {
                let record = self.done.remove(0);
                self.consume(record.end - self.offset);
                return Ok(record);
            }
        }
    }

    /// Drops the first `n` bytes, parsed.
    fn consume(&mut self, n: usize) {
        self.offset += n;
        self.buf.drain(..n);
        self.fed -= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::LoadReport;

    /// Every row `scan_blocks` gives (its line and values, or its error), and the hash.
    fn rows(path: &Path, block: usize) -> Result<(Vec<String>, u64), String> {
        let mut fp = Fnv64::default();
        let mut out = Vec::new();
        let mut report = LoadReport::default();
        scan_blocks(path, &["a", "b"], &mut fp, block, |t| {
            t.for_each_row(
                |row, v| {
                    out.push(format!("{:?} {v:?}", t.file_line(row)));
                    Ok(())
                },
                &mut report,
            )
        })
        .map_err(|e| e.to_string())?;
        out.extend(report.errors.iter().map(|e| format!("{e:?}")));
        Ok((out, fp.finish()))
    }

    #[test]
    fn every_block_size_gives_the_rows_lines_errors_and_hash_of_one_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let text = "\u{feff}a,b,c\n1,\"x\ny\",3\n\n2,\"q\"\"\",3\r\n4,5\n\"p\nq\",\u{e9},6\n7,8,9";
        std::fs::write(&path, text).unwrap();
        let whole = rows(&path, BLOCK).unwrap();
        assert_eq!(whole.0.len(), 5, "{:?}", whole.0);
        assert!(
            whole.0[0].starts_with("(\"t.csv\", 2) [\"1\", \"x\\ny\"]"),
            "{:?}",
            whole.0
        );
        assert!(whole.0[3].starts_with("(\"t.csv\", 9)"), "{:?}", whole.0);
        for block in 1..text.len() + 2 {
            assert_eq!(rows(&path, block).unwrap(), whole, "block {block}");
        }
    }

    #[test]
    fn a_record_over_the_limit_is_skipped_without_being_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let field = "x".repeat(20 << 20);
        let text = format!("a,b\n1,2\n3,{field}\n4,\"a\nb\"\n5,6\n");
        std::fs::write(&path, &text).unwrap();
        let block = 64 << 10;
        let (mut fp, mut out, mut report) = (Fnv64::default(), vec![], LoadReport::default());
        let held = scan_blocks_held(&path, &["a", "b"], &mut fp, block, |t| {
            t.for_each_row(
                |row, v| {
                    out.push(format!("{} {v:?}", t.file_line(row).1));
                    Ok(())
                },
                &mut report,
            )
        })
        .unwrap();
        assert_eq!(
            out,
            [
                "2 [\"1\", \"2\"]",
                "4 [\"4\", \"a\\nb\"]",
                "6 [\"5\", \"6\"]"
            ]
        );
        let e = &report.errors[0];
        assert_eq!(
            (e.line, e.column, e.column_name.as_deref()),
            (3, Some(2), Some("b"))
        );
        assert!(e.reason.contains("a field of 20971520 bytes"), "{e}");
        // The 20 MiB record was never held: at most a block, the limit and one read.
        assert!(held <= block + MAX_RECORD_BYTES + SKIP_CHUNK, "{held}");
        // The whole file was hashed, skipped bytes included.
        let mut whole = Fnv64::default();
        whole.write(text.as_bytes());
        assert_eq!(fp.finish(), whole.finish());
    }

    #[test]
    fn file_checks_hold_in_any_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let check = |bytes: &[u8], want: &str| {
            std::fs::write(&path, bytes).unwrap();
            for block in [1, 2, 5, 9, BLOCK] {
                let e = rows(&path, block).unwrap_err();
                assert!(e.contains(want), "block {block}: {e}");
            }
        };
        check(b"a,b\n1,2\n3,\xff\n", "invalid UTF-8 at byte 10");
        check(
            b"\xef\xbb\xbfa,b\n1,2\n3,\xff\n",
            "invalid UTF-8 at byte 10",
        );
        check(b"  \n\n ", "empty");
        check(b"a,b\n\n\n", "header");
        check(b"a,b\n1,\0", "NUL");
    }
}
