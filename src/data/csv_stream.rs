//! Reading a CSV file in blocks of whole records, each parsed to a [`Table`] of its own, so
//! memory holds one block's text at a time (a 100M-order file is 8.5 GB of text, tens of GB
//! as parsed strings). Every check of a whole-file read holds: binary data, invalid UTF-8
//! (its byte offset in the file), an empty file, a header alone, each row's real line.

use super::LoadError;
use super::csv_scan::{RecordInfo, first_record_end, last_record_end, scan_records};
use super::table::{Table, csv_table, io_err};
use crate::util::Fnv64;
use std::io::Read;
use std::path::Path;

/// Bytes read before a block is cut at its last whole record.
const BLOCK: usize = 64 << 20;

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
    mut each: impl FnMut(&Table) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let mut file = std::fs::File::open(path).map_err(io_err(path))?;
    let mut reader = Blocks {
        buf: Vec::new(),
        eof: false,
        offset: 0,
        next_line: 1,
    };
    let not_csv = |reason: String| LoadError::NotCsv {
        path: path.to_path_buf(),
        reason,
    };
    let mut header: Option<Vec<u8>> = None;
    let (mut started, mut seen_text, mut seen_record) = (false, false, false);
    // The first read covers the byte order mark and the 8 KiB probed for binary data.
    let mut want = block.max(PROBE + BOM.len());
    loop {
        reader.fill(&mut file, want, fp).map_err(io_err(path))?;
        if !started {
            started = true;
            if reader.buf.starts_with(BOM) {
                reader.buf.drain(..BOM.len());
            }
            if reader.buf[..reader.buf.len().min(PROBE)].contains(&0) {
                return Err(not_csv("contains NUL bytes: binary data".into()));
            }
        }
        let Some(cut) = reader.cut() else {
            want = reader.buf.len() + block;
            continue;
        };
        want = block;
        let block = &reader.buf[..cut];
        if let Err(e) = std::str::from_utf8(block) {
            let at = reader.offset + e.valid_up_to();
            return Err(not_csv(format!("invalid UTF-8 at byte {at}")));
        }
        seen_text |= !block.iter().all(u8::is_ascii_whitespace);
        if reader.eof && !seen_text {
            return Err(LoadError::Empty {
                path: path.to_path_buf(),
            });
        }
        let records = match &header {
            None => {
                header = Some(block[..first_record_end(block)].to_vec());
                block_records(None, block, reader.next_line)
            }
            Some(head) => block_records(Some(head), block, reader.next_line),
        };
        seen_record |= records.is_some();
        if reader.eof && !seen_record {
            return Err(LoadError::HeaderOnly {
                path: path.to_path_buf(),
            });
        }
        if let Some((text, records)) = records {
            each(&csv_table(path, &text, &records, required)?)?;
        }
        reader.consume(cut);
        if reader.next_line > u32::MAX as usize {
            return Err(LoadError::Parse {
                path: path.to_path_buf(),
                message: format!("more than {} lines; split it into parts", u32::MAX),
            });
        }
        if reader.eof && reader.buf.is_empty() {
            return Ok(());
        }
    }
}

/// Text to parse (a header, then records) and its records, each with its line in the file.
type Records = (Vec<u8>, Vec<RecordInfo>);

/// The text and records of `block`, which starts on file line `line`: the block itself when
/// it starts the file (`header` `None`: its first record is the header), else `header` then
/// the block. `None` when no record but the header's has a field (nothing to validate).
fn block_records(header: Option<&[u8]>, block: &[u8], line: usize) -> Option<Records> {
    let text = match header {
        None => block.to_vec(),
        Some(head) => [head, block].concat(),
    };
    let mut records = scan_records(&text);
    if let Some(head) = header {
        // The header's lines come first in `text`; the block's records start on `line`.
        let header_lines = head.iter().filter(|&&b| b == b'\n').count();
        for r in records.iter_mut().skip(1) {
            r.line = r.line - header_lines - 1 + line;
        }
    }
    records
        .iter()
        .skip(1)
        .any(|r| r.fields != 0)
        .then_some((text, records))
}

/// The bytes read and not yet parsed.
struct Blocks {
    buf: Vec<u8>,
    eof: bool,
    /// Bytes of the file (after a byte order mark) before `buf`.
    offset: usize,
    /// The file line `buf` starts on.
    next_line: usize,
}

impl Blocks {
    /// Reads until `buf` holds `want` bytes or the file ends, hashing what it reads.
    fn fill(&mut self, file: &mut impl Read, want: usize, fp: &mut Fnv64) -> std::io::Result<()> {
        while !self.eof && self.buf.len() < want {
            let have = self.buf.len();
            self.buf.resize(want, 0);
            let n = file.read(&mut self.buf[have..])?;
            self.buf.truncate(have + n);
            fp.write(&self.buf[have..]);
            self.eof = n == 0;
        }
        Ok(())
    }

    /// Where the whole records read so far end (everything at the end of the file).
    fn cut(&self) -> Option<usize> {
        if self.eof {
            Some(self.buf.len())
        } else {
            last_record_end(&self.buf)
        }
    }

    /// Drops the first `n` bytes, parsed.
    fn consume(&mut self, n: usize) {
        self.next_line += self.buf[..n].iter().filter(|&&b| b == b'\n').count();
        self.offset += n;
        self.buf.drain(..n);
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
