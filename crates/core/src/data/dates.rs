//! Which order dates are plausible, and dates that stand apart from the rest of the data.
//!
//! Every window ends at the latest order date and the cube holds one cell per day, so one
//! order dated 9999-12-31 would move "as of" by millennia and grow memory and output with
//! the span. A date outside the plausible range ([`DateRange`], default 2000-01-01 to one
//! year after today) is an invalid row. A date inside it but far after the rest (more than
//! [`ISOLATED_GAP_DAYS`] after the previous latest date) is kept with a warning naming the
//! rows, because it moves every window.

use chrono::{Months, NaiveDate};

/// Earliest plausible order date by default.
pub const DEFAULT_FIRST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid");

/// A gap longer than this many days before the latest dates marks them as isolated.
pub const ISOLATED_GAP_DAYS: i32 = 60;

/// How many isolated rows a warning names (the rest are counted).
const NAMED_ROWS: usize = 5;

/// The order dates accepted as plausible (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// First accepted date.
    pub first: NaiveDate,
    /// Last accepted date.
    pub last: NaiveDate,
}

impl DateRange {
    /// The default range for `today`: 2000-01-01 to one year after today.
    pub fn default_for(today: NaiveDate) -> DateRange {
        DateRange {
            first: DEFAULT_FIRST_DATE,
            last: today
                .checked_add_months(Months::new(12))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// Parses `FROM..TO` (dates as YYYY-MM-DD; either side may be empty for its default).
    pub fn parse(s: &str, today: NaiveDate) -> Result<DateRange, String> {
        let bad = |why: &str| format!("bad --date-range {s:?}: {why}");
        let (from, to) = s
            .split_once("..")
            .ok_or_else(|| bad("expected FROM..TO, e.g. 2020-01-01..2030-12-31"))?;
        let default = DateRange::default_for(today);
        let date = |part: &str, fallback: NaiveDate| -> Result<NaiveDate, String> {
            let part = part.trim();
            if part.is_empty() {
                return Ok(fallback);
            }
            NaiveDate::parse_from_str(part, "%Y-%m-%d")
                .map_err(|_| bad(&format!("{part:?} is not a date (YYYY-MM-DD)")))
        };
        let range = DateRange {
            first: date(from, default.first)?,
            last: date(to, default.last)?,
        };
        if range.first > range.last {
            return Err(bad("FROM is after TO"));
        }
        Ok(range)
    }

    /// Whether `d` is inside the range.
    pub fn contains(&self, d: NaiveDate) -> bool {
        (self.first..=self.last).contains(&d)
    }

    /// The reason given for a date outside the range.
    pub fn reason(&self) -> String {
        format!(
            "date outside the plausible range {}..{} (see --date-range)",
            self.first, self.last
        )
    }
}

impl Default for DateRange {
    fn default() -> DateRange {
        DateRange::default_for(chrono::Utc::now().date_naive())
    }
}

/// A warning for the latest order dates when they stand more than [`ISOLATED_GAP_DAYS`]
/// after the rest and hold fewer than half the orders; `None` otherwise. `days` are the
/// orders' day numbers, `names` names row `i` (file:line and id).
pub fn isolated_dates_warning(days: &[i32], names: impl Fn(usize) -> String) -> Option<String> {
    let mut distinct: Vec<i32> = days.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let gap_end = distinct
        .windows(2)
        .rev()
        .find(|w| w[1] - w[0] > ISOLATED_GAP_DAYS)?;
    let (before, after) = (gap_end[0], gap_end[1]);
    let rows: Vec<usize> = (0..days.len()).filter(|&i| days[i] >= after).collect();
    if rows.len() * 2 >= days.len() {
        return None;
    }
    let named: Vec<String> = rows.iter().take(NAMED_ROWS).map(|&i| names(i)).collect();
    let more = rows.len().saturating_sub(NAMED_ROWS);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Some(format!(
        "{} order(s) dated more than {ISOLATED_GAP_DAYS} days after the rest (latest before them: {}), which moves every window: {}{more}",
        rows.len(),
        super::day_string(before),
        named.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn default_range_is_2000_to_a_year_from_today() {
        let r = DateRange::default_for(d("2026-11-25"));
        assert_eq!((r.first, r.last), (d("2000-01-01"), d("2027-11-25")));
        assert!(r.contains(d("2000-01-01")) && r.contains(d("2027-11-25")));
        assert!(!r.contains(d("1999-12-31")) && !r.contains(d("2027-11-26")));
    }

    #[test]
    fn ranges_parse_with_open_ends_and_reject_nonsense() {
        let today = d("2026-11-25");
        let r = DateRange::parse("2020-01-01..", today).unwrap();
        assert_eq!((r.first, r.last), (d("2020-01-01"), d("2027-11-25")));
        let r = DateRange::parse("..2100-12-31", today).unwrap();
        assert_eq!((r.first, r.last), (d("2000-01-01"), d("2100-12-31")));
        assert_eq!(
            DateRange::parse("2030-01-01..2020-01-01", today).unwrap_err(),
            "bad --date-range \"2030-01-01..2020-01-01\": FROM is after TO"
        );
        assert!(DateRange::parse("2020", today).is_err());
        assert!(DateRange::parse("x..", today).is_err());
    }

    #[test]
    fn a_late_straggler_is_named_and_a_regular_gap_is_not() {
        let days: Vec<i32> = (0..100).chain([400]).collect();
        let w = isolated_dates_warning(&days, |i| format!("row{i}")).unwrap();
        assert!(
            w.starts_with("1 order(s) dated more than 60 days after the rest"),
            "{w}"
        );
        assert!(w.ends_with(": row100"), "{w}");
        // Gaps of 60 days at most: nothing.
        let steady: Vec<i32> = (0..10).map(|k| k * 60).collect();
        assert_eq!(isolated_dates_warning(&steady, |i| i.to_string()), None);
        // Half the data after a long gap is a regime, not a straggler.
        let halves: Vec<i32> = (0..50).chain(200..250).collect();
        assert_eq!(isolated_dates_warning(&halves, |i| i.to_string()), None);
    }
}
