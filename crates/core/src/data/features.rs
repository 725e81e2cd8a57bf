//! The model's feature columns as loaded: numbers (NaN when missing) or level indices into
//! a level list, parsed and checked per [`FeatureSpec`]. The category and the price are
//! features too but are stored once, in the orders' own columns.

use super::Column;
use super::schema::{FeatureKind, FeatureSpec};
use std::collections::HashMap;

/// Marks a missing level.
pub const MISSING_LEVEL: u32 = u32::MAX;

/// The values of one feature for every order.
#[derive(Clone, Debug, PartialEq)]
pub enum FeatureValues {
    /// The orders' category (`Orders::category`, levels `Dataset::categories`).
    Category,
    /// The orders' price (`Orders::price`).
    Price,
    /// Numbers; NaN when missing.
    Numeric(Column<f64>),
    /// Level index per order ([`MISSING_LEVEL`] when missing) and the level names.
    Categorical {
        /// Index into `levels`.
        codes: Column<u32>,
        /// Level names.
        levels: Vec<String>,
    },
}

/// One feature column.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureColumn {
    /// What it is.
    pub spec: FeatureSpec,
    /// Its values.
    pub values: FeatureValues,
    /// Orders where it is missing.
    pub missing: usize,
}

/// Parses one cell of a feature while loading: the value, or why the row is invalid.
pub struct FeatureParser {
    spec: FeatureSpec,
    open_levels: HashMap<String, u32>,
}

/// A parsed cell.
pub enum Cell {
    /// A number.
    Number(f64),
    /// A level index.
    Level(u32),
    /// Empty, and allowed to be.
    Missing,
}

impl FeatureParser {
    /// A parser for `spec`.
    pub fn new(spec: &FeatureSpec) -> FeatureParser {
        FeatureParser {
            spec: spec.clone(),
            open_levels: HashMap::new(),
        }
    }

    /// Parses `raw`: `Err(reason)` makes the row invalid.
    pub fn parse(&mut self, raw: &str) -> Result<Cell, String> {
        let s = raw.trim();
        let spec = &self.spec;
        if s.is_empty() && spec.optional {
            return Ok(Cell::Missing);
        }
        match spec.kind {
            FeatureKind::Numeric => {
                let v = spec
                    .values
                    .get(s)
                    .copied()
                    .or_else(|| s.parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| "not a number".to_string())?;
                match spec.range_error(v) {
                    Some(reason) => Err(reason.to_string()),
                    None => Ok(Cell::Number(v)),
                }
            }
            FeatureKind::Categorical => match &spec.levels {
                Some(levels) => levels
                    .iter()
                    .position(|l| l.eq_ignore_ascii_case(s))
                    .map(|k| Cell::Level(k as u32))
                    .ok_or_else(|| {
                        format!("unknown {} (expected {})", spec.column, or_list(levels))
                    }),
                None if s.is_empty() => Err(format!("empty {}", spec.column)),
                // A level seen before is looked up without allocating (the common case).
                None => Ok(Cell::Level(if let Some(&k) = self.open_levels.get(s) {
                    k
                } else {
                    let k = self.open_levels.len() as u32;
                    self.open_levels.insert(s.to_string(), k);
                    k
                })),
            },
        }
    }

    /// The level names, in index order, and a remap of indices so that open levels come
    /// out sorted (closed levels keep their declared order).
    pub fn levels(&self) -> (Vec<String>, Vec<u32>) {
        if let Some(levels) = &self.spec.levels {
            return (levels.clone(), (0..levels.len() as u32).collect());
        }
        let mut names: Vec<(&String, u32)> =
            self.open_levels.iter().map(|(n, &k)| (n, k)).collect();
        names.sort();
        let mut remap = vec![0u32; names.len()];
        for (new, (_, old)) in names.iter().enumerate() {
            remap[*old as usize] = new as u32;
        }
        (names.into_iter().map(|(n, _)| n.clone()).collect(), remap)
    }
}

/// "A, B or C".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Collects one feature's values while loading.
pub struct FeatureBuilder {
    /// Its parser.
    pub parser: FeatureParser,
    numbers: Vec<f64>,
    codes: Vec<u32>,
    missing: usize,
    /// Where the values live: its own column, or the orders' category or price.
    shared: Option<FeatureValues>,
}

impl FeatureBuilder {
    /// A builder for `spec`; `shared` when the feature is the orders' category or price.
    pub fn new(spec: &FeatureSpec, shared: Option<FeatureValues>) -> FeatureBuilder {
        FeatureBuilder {
            parser: FeatureParser::new(spec),
            numbers: Vec::new(),
            codes: Vec::new(),
            missing: 0,
            shared,
        }
    }

    /// Parses one cell. The category's values live in the orders' own column (the loader
    /// reads and checks it): nothing to parse here.
    pub fn parse(&mut self, raw: &str) -> Result<Cell, String> {
        match self.shared {
            Some(FeatureValues::Category) => Ok(Cell::Missing),
            _ => self.parser.parse(raw),
        }
    }

    /// Stores a parsed cell (for a row that turned out valid); nothing for a feature whose
    /// values live in the orders' own columns.
    pub fn push(&mut self, cell: &Cell) {
        if self.shared.is_some() {
            return;
        }
        match cell {
            Cell::Number(v) => self.numbers.push(*v),
            Cell::Level(k) => self.codes.push(*k),
            Cell::Missing => {
                self.missing += 1;
                match self.parser.spec.kind {
                    FeatureKind::Numeric => self.numbers.push(f64::NAN),
                    FeatureKind::Categorical => self.codes.push(MISSING_LEVEL),
                }
            }
        }
    }

    /// The finished column.
    pub fn finish(self) -> FeatureColumn {
        let values = match (self.shared, self.parser.spec.kind) {
            (Some(shared), _) => shared,
            (None, FeatureKind::Numeric) => FeatureValues::Numeric(self.numbers.into()),
            (None, FeatureKind::Categorical) => {
                let (levels, remap) = self.parser.levels();
                let codes = self
                    .codes
                    .into_iter()
                    .map(|k| {
                        if k == MISSING_LEVEL {
                            k
                        } else {
                            remap[k as usize]
                        }
                    })
                    .collect();
                FeatureValues::Categorical { codes, levels }
            }
        };
        FeatureColumn {
            spec: self.parser.spec,
            values,
            missing: self.missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::schema::Schema;

    #[test]
    fn closed_levels_match_case_insensitively_and_name_the_choices() {
        let s = Schema::returnrisk();
        let mut p = FeatureParser::new(&s.features[5]);
        assert!(matches!(p.parse("cod"), Ok(Cell::Level(0))));
        assert!(matches!(p.parse(" Wallet "), Ok(Cell::Level(3))));
        assert_eq!(
            p.parse("Cheque").err().unwrap(),
            "unknown Payment_Method (expected COD, UPI, Card or Wallet)"
        );
    }

    #[test]
    fn numbers_check_range_and_value_maps() {
        let s = Schema::returnrisk();
        let mut rating = FeatureParser::new(&s.features[7]);
        assert!(matches!(rating.parse("4.5"), Ok(Cell::Number(v)) if v == 4.5));
        assert_eq!(rating.parse("6").err().unwrap(), "rating outside 1-5");
        assert_eq!(rating.parse("").err().unwrap(), "not a number");
        let mut spec = s.features[7].clone();
        spec.optional = true;
        spec.values.insert("Y".into(), 1.0);
        let mut p = FeatureParser::new(&spec);
        assert!(matches!(p.parse(""), Ok(Cell::Missing)));
        assert!(matches!(p.parse("Y"), Ok(Cell::Number(v)) if v == 1.0));
    }

    #[test]
    fn open_levels_come_out_sorted() {
        let mut spec = Schema::returnrisk().features[5].clone();
        spec.levels = None;
        let mut b = FeatureBuilder::new(&spec, None);
        for v in ["voucher", "boleto", "voucher", "credit_card"] {
            let c = b.parse(v).ok().unwrap();
            b.push(&c);
        }
        let col = b.finish();
        assert_eq!(
            col.values,
            FeatureValues::Categorical {
                codes: vec![2, 0, 2, 1].into(),
                levels: vec!["boleto".into(), "credit_card".into(), "voucher".into()],
            }
        );
    }
}
