//! Feature encoding for any dataset's features. The encoder is fitted on a model's training
//! rows only and saved inside the model, so a model loaded later encodes (and scores)
//! exactly as when it was trained.
//!
//! - A categorical feature is target-encoded: a level becomes its smoothed training return
//!   rate (an ordering a tree can split on without one-hot columns); a level never seen in
//!   training gets the overall rate. A feature with exactly two declared levels (such as
//!   New / Returning) is an indicator instead: 1 for the first level, 0 for the second.
//! - A numeric feature is its value; a missing value becomes the training median, and when
//!   the training rows had missing values a 0/1 column `<name>_missing` (after all the
//!   features) says which were, so the model can tell "missing" from "typical".

use crate::data::schema::FeatureKind;
use crate::data::{Dataset, OrderFeatures, OrderValue};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Pseudo-count pulling a rare level's rate toward the overall rate.
pub const SMOOTHING: f64 = 20.0;

/// Encoded rows, row-major: `width` values per row. The width is the model's number of
/// encoded columns, so forests, importances and scoring work for any feature set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeatureMatrix {
    /// Columns per row.
    pub width: usize,
    /// The values, row after row.
    pub values: Vec<f64>,
}

impl FeatureMatrix {
    /// An empty matrix of `width` columns with room for `rows` rows.
    pub fn with_capacity(width: usize, rows: usize) -> FeatureMatrix {
        FeatureMatrix {
            width,
            values: Vec::with_capacity(width * rows),
        }
    }
    /// Appends a row (of `width` values).
    pub fn push(&mut self, row: &[f64]) {
        debug_assert_eq!(row.len(), self.width);
        self.values.extend_from_slice(row);
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
    /// The rows at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> FeatureMatrix {
        let mut m = FeatureMatrix::with_capacity(self.width, idx.len());
        for &i in idx {
            m.push(self.row(i));
        }
        m
    }
}

/// How one feature becomes a number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Encoding {
    /// The value itself; a missing one becomes `fill`, and with `flag` a missing-flag column
    /// is added.
    Number {
        /// The training median.
        fill: f64,
        /// Whether the training rows had missing values (a flag column follows).
        flag: bool,
    },
    /// A level's code; a level without one gets `unseen`.
    Levels {
        /// Code per level name (the smoothed training return rate).
        codes: BTreeMap<String, f64>,
        /// Code of a level never seen in training, and of a missing level.
        unseen: f64,
    },
}

/// One encoded feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EncodedFeature {
    /// The feature's name.
    pub name: String,
    /// How it is encoded.
    pub encoding: Encoding,
}

/// The fitted encoding of every feature of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureEncoder {
    /// The features, in the dataset's order.
    pub features: Vec<EncodedFeature>,
    /// Overall training return rate.
    pub prior: f64,
}

fn smoothed(returns: f64, n: f64, prior: f64) -> f64 {
    (returns + SMOOTHING * prior) / (n + SMOOTHING)
}

/// The median of `v` (0 when empty).
fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        f64::midpoint(v[m - 1], v[m])
    }
}

impl FeatureEncoder {
    /// Fits the encoding on the labelled rows `rows` of `ds`.
    pub fn fit(ds: &Dataset, rows: &[usize]) -> Self {
        let o = &ds.orders;
        let y = |i: usize| f64::from(u8::from(o.returned[i].unwrap_or(false)));
        let n = rows.len() as f64;
        let prior = if n > 0.0 {
            rows.iter().map(|&i| y(i)).sum::<f64>() / n
        } else {
            0.0
        };
        let features = o
            .features
            .iter()
            .enumerate()
            .map(|(f, col)| {
                let levels = ds.levels(f);
                let encoding = if col.spec.kind == FeatureKind::Numeric {
                    let known: Vec<f64> = rows.iter().filter_map(|&i| ds.number(f, i)).collect();
                    Encoding::Number {
                        flag: known.len() < rows.len(),
                        fill: median(known),
                    }
                } else {
                    let mut sums = vec![(0.0, 0.0); levels.len()];
                    for &i in rows {
                        if let Some(k) = ds.level(f, i) {
                            let s = &mut sums[k as usize];
                            s.0 += y(i);
                            s.1 += 1.0;
                        }
                    }
                    Encoding::Levels {
                        codes: match col.spec.levels.as_deref() {
                            // Two declared levels: an indicator of the first.
                            Some([first, second]) => {
                                BTreeMap::from([(first.clone(), 1.0), (second.clone(), 0.0)])
                            }
                            _ => levels
                                .iter()
                                .zip(&sums)
                                .filter(|(_, s)| s.1 > 0.0)
                                .map(|(name, s)| (name.clone(), smoothed(s.0, s.1, prior)))
                                .collect(),
                        },
                        unseen: prior,
                    }
                };
                EncodedFeature {
                    name: col.spec.name.clone(),
                    encoding,
                }
            })
            .collect();
        FeatureEncoder { features, prior }
    }

    /// Number of encoded columns: the features, then a flag per feature with missing values.
    pub fn width(&self) -> usize {
        self.features.len() + self.flags().count()
    }

    /// Indices of the features that carry a missing-flag column.
    fn flags(&self) -> impl Iterator<Item = usize> + '_ {
        self.features.iter().enumerate().filter_map(|(j, f)| {
            matches!(f.encoding, Encoding::Number { flag: true, .. }).then_some(j)
        })
    }

    /// The feature each encoded column comes from (a missing-flag column, its feature's).
    pub fn column_features(&self) -> Vec<usize> {
        (0..self.features.len()).chain(self.flags()).collect()
    }

    /// The encoded columns' names (for drivers).
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.features.iter().map(|f| f.name.clone()).collect();
        names.extend(
            self.flags()
                .map(|j| format!("{}_missing", self.features[j].name)),
        );
        names
    }

    /// Whether `ds` has exactly the features this encoder was fitted on, in order.
    pub fn fits(&self, ds: &Dataset) -> bool {
        self.features.len() == ds.orders.features.len()
            && self
                .features
                .iter()
                .zip(&ds.orders.features)
                .all(|(e, c)| e.name == c.spec.name)
    }

    /// Encodes the orders `rows` of `ds`. Features are found by name: one the data lacks
    /// is missing for every row (its fill, or the unseen code), never another column.
    pub fn encode_rows(&self, ds: &Dataset, rows: &[usize]) -> FeatureMatrix {
        let source: Vec<Option<usize>> = self
            .features
            .iter()
            .map(|e| ds.feature_index(&e.name))
            .collect();
        // A categorical feature's code per level index of this dataset, looked up once.
        let level_codes: Vec<Vec<f64>> = self
            .features
            .iter()
            .zip(&source)
            .map(|(e, src)| match (&e.encoding, src) {
                (Encoding::Levels { codes, unseen }, Some(f)) => ds
                    .levels(*f)
                    .iter()
                    .map(|l| codes.get(l).copied().unwrap_or(*unseen))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let flags: Vec<usize> = self.flags().collect();
        let number = |j: usize, i: usize| source[j].and_then(|f| ds.number(f, i));
        let mut m = FeatureMatrix::with_capacity(self.width(), rows.len());
        let mut row = vec![0.0; self.width()];
        for &i in rows {
            for (j, e) in self.features.iter().enumerate() {
                row[j] = match &e.encoding {
                    Encoding::Number { fill, .. } => number(j, i).unwrap_or(*fill),
                    Encoding::Levels { unseen, .. } => source[j]
                        .and_then(|f| ds.level(f, i))
                        .and_then(|k| level_codes[j].get(k as usize).copied())
                        .unwrap_or(*unseen),
                };
            }
            for (k, &j) in flags.iter().enumerate() {
                row[self.features.len() + k] = f64::from(u8::from(number(j, i).is_none()));
            }
            m.push(&row);
        }
        m
    }

    /// Encodes one order given as values by feature name (a feature not given is missing).
    pub fn encode(&self, order: &OrderFeatures) -> Vec<f64> {
        let value = |name: &str| order.values.get(name).unwrap_or(&OrderValue::Missing);
        let mut row: Vec<f64> = self
            .features
            .iter()
            .map(|e| match (&e.encoding, value(&e.name)) {
                (Encoding::Number { .. }, OrderValue::Number(v)) => *v,
                (Encoding::Number { fill, .. }, _) => *fill,
                (Encoding::Levels { codes, unseen }, OrderValue::Text(t)) => {
                    codes.get(t).copied().unwrap_or(*unseen)
                }
                (Encoding::Levels { unseen, .. }, _) => *unseen,
            })
            .collect();
        for j in self.flags().collect::<Vec<_>>() {
            let given = matches!(value(&self.features[j].name), OrderValue::Number(_));
            row.push(f64::from(u8::from(!given)));
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }
}
