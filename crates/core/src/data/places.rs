//! Where each kept order was read (file and line), kept beside the orders while a table is
//! read chunk by chunk, so a message can name an order's place after its chunk is gone.

/// The file and line of each kept order, in order.
pub(super) struct Places {
    /// One file only (a CSV, or a table of one part): "first on line 17" needs no file.
    single_file: bool,
    /// (first kept order, file name) of each file the orders came from, in order.
    files: Vec<(usize, String)>,
    /// Each kept order's line (CSV) or row (Parquet) in its file; the CSV reader refuses a
    /// file of more lines than a `u32` holds.
    lines: Vec<u32>,
}

impl Places {
    /// No order yet; `single_file` when the table is one file.
    pub(super) fn new(single_file: bool) -> Places {
        Places {
            single_file,
            files: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// The next kept order was read on `line` of `file`.
    pub(super) fn push(&mut self, file: &str, line: usize) {
        if self.files.last().is_none_or(|(_, f)| f != file) {
            self.files.push((self.lines.len(), file.to_string()));
        }
        self.lines.push(u32::try_from(line).unwrap_or(u32::MAX));
    }

    /// Kept order `k`'s place: `orders.csv:17`, `orders/day=2026-01-02/part-0.parquet:17`.
    pub(super) fn place(&self, k: usize) -> String {
        let at = self.files.partition_point(|(first, _)| *first <= k);
        let file = self.files.get(at.wrapping_sub(1)).map_or("", |(_, f)| f);
        format!("{file}:{}", self.lines[k])
    }

    /// Kept order `k`'s place after "first on": `line 17` within a single file, else its place.
    pub(super) fn first_on(&self, k: usize) -> String {
        if self.single_file {
            format!("line {}", self.lines[k])
        } else {
            self.place(k)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_name_the_file_each_order_was_read_from() {
        let mut p = Places::new(false);
        p.push("a.parquet", 1);
        p.push("a.parquet", 2);
        p.push("b.parquet", 1);
        assert_eq!(p.place(0), "a.parquet:1");
        assert_eq!(p.place(1), "a.parquet:2");
        assert_eq!(p.first_on(2), "b.parquet:1");
        let mut one = Places::new(true);
        one.push("orders.csv", 17);
        assert_eq!(one.first_on(0), "line 17");
        assert_eq!(one.place(0), "orders.csv:17");
    }
}
