//! One order, explained: its features, the model that scores it, its risk and each feature's
//! exact contribution (TreeSHAP); and the same order with some features changed (what-if),
//! scored without touching the data.

use super::Engine;
use crate::data::{Dataset, OrderFeatures, OrderValue};
use crate::model::shap::Explanation;

/// Rows sampled to choose a numeric feature's what-if step.
const STEP_SAMPLE: usize = 10_000;

/// How the what-if changes one feature.
#[derive(Clone, Debug, PartialEq)]
pub enum Stepper {
    /// Steps a number (whole-number columns by whole numbers), kept within the values the
    /// data holds: a what-if never asks the model about an order unlike any it saw.
    Number {
        /// The step.
        step: f64,
        /// The smallest value in the data.
        min: f64,
        /// The largest value in the data.
        max: f64,
    },
    /// Cycles through the dataset's levels.
    Levels(Vec<String>),
}

/// One feature of the order: its name, value and how what-if changes it.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderFeature {
    /// The feature's name.
    pub name: String,
    /// Its step or levels.
    pub stepper: Stepper,
}

/// Where an order stands to the model that scores it: whether its risk is in-sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelSide {
    /// Labelled and placed in the model's training period: the model learned from this
    /// order, so its risk is in-sample and flatters the model. `exact` is false when the
    /// data changed since training (the order may have been labelled since).
    Training {
        /// The models were trained on this very data.
        exact: bool,
    },
    /// Placed on or after the holdout's first day: an out-of-sample risk.
    Holdout,
    /// Not labelled (yet): the model never saw its outcome.
    Unlabelled,
}

impl std::fmt::Display for ModelSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelSide::Training { exact: true } => "in the training set: this risk is in-sample",
            ModelSide::Training { exact: false } => {
                "in the training period: probably in-sample (the data changed since training)"
            }
            ModelSide::Holdout => "in the holdout: this risk is out-of-sample",
            ModelSide::Unlabelled => "not labelled: the model never saw its outcome",
        })
    }
}

/// An order's explanation by the model that scores it.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderExplanation {
    /// The scoring model (`global` or the seller id).
    pub model: String,
    /// Whether the model trained on the order.
    pub side: ModelSide,
    /// The values explained.
    pub values: OrderFeatures,
    /// The risk and contributions (`None`: the model was saved without node covers).
    pub explanation: Option<Explanation>,
}

/// Order `i`'s features by name, as a single order is given to the model.
pub fn order_features(ds: &Dataset, i: usize) -> OrderFeatures {
    let values = ds
        .orders
        .features
        .iter()
        .enumerate()
        .map(|(f, col)| {
            let value = match ds.levels(f).is_empty() {
                true => ds
                    .number(f, i)
                    .map_or(OrderValue::Missing, OrderValue::Number),
                false => ds
                    .level_name(f, i)
                    .map_or(OrderValue::Missing, |l| OrderValue::Text(l.to_string())),
            };
            (col.spec.name.clone(), value)
        })
        .collect();
    OrderFeatures { values }
}

/// A round step near `x`: 1, 2 or 5 times a power of ten.
fn nice_step(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= x)
        .unwrap_or(10.0 * p)
}

/// Every feature of `ds` with the step what-if changes it by: a tenth of the spread between
/// the 10th and 90th percentiles, rounded (whole numbers for whole-number columns), within
/// the column's smallest and largest value; or the levels of a categorical feature.
pub fn steppers(ds: &Dataset) -> Vec<OrderFeature> {
    let n = ds.orders.len();
    let stride = (n / STEP_SAMPLE).max(1);
    ds.orders
        .features
        .iter()
        .enumerate()
        .map(|(f, col)| {
            let levels = ds.levels(f);
            let stepper = if levels.is_empty() {
                let mut v: Vec<f64> = (0..n)
                    .step_by(stride)
                    .filter_map(|i| ds.number(f, i))
                    .collect();
                v.sort_by(f64::total_cmp);
                let at = |q: f64| v.get(((v.len() as f64 - 1.0) * q) as usize).copied();
                let spread = at(0.9).zip(at(0.1)).map_or(1.0, |(h, l)| h - l);
                let whole = v.iter().all(|x| x.fract() == 0.0);
                let step = nice_step(spread / 10.0);
                let column = ds.number_column(f);
                let (min, max) = (0..n)
                    .filter_map(|i| column.get(i))
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(x), hi.max(x))
                    });
                let (min, max) = if min <= max { (min, max) } else { (0.0, 0.0) };
                Stepper::Number {
                    step: if whole { step.max(1.0).round() } else { step },
                    min,
                    max,
                }
            } else {
                Stepper::Levels(levels.to_vec())
            };
            OrderFeature {
                name: col.spec.name.clone(),
                stepper,
            }
        })
        .collect()
}

/// `value` moved `by` steps: a level cycles; a number stays within the data's smallest and
/// largest value (a missing number starts at 0, or the nearest end of that range).
pub fn step_value(value: &OrderValue, stepper: &Stepper, by: i32) -> OrderValue {
    match stepper {
        Stepper::Number { step, min, max } => {
            let x = match value {
                OrderValue::Number(x) => *x,
                _ => 0.0_f64.clamp(*min, *max),
            };
            OrderValue::Number((x + f64::from(by) * step).clamp(*min, *max))
        }
        Stepper::Levels(levels) if !levels.is_empty() => {
            let n = levels.len() as i32;
            let at = match value {
                OrderValue::Text(t) => levels.iter().position(|l| l == t).map(|k| k as i32),
                _ => None,
            };
            let k = match at {
                Some(k) => (k + by).rem_euclid(n),
                None if by >= 0 => 0,
                None => n - 1,
            };
            OrderValue::Text(levels[k as usize].clone())
        }
        Stepper::Levels(_) => value.clone(),
    }
}

impl Engine {
    /// The what-if's features ([`steppers`] of the data), computed at the first what-if:
    /// the range scan reads every order once per engine, not once per `x`.
    pub fn steppers(&self) -> &[OrderFeature] {
        self.steppers.get_or_init(|| steppers(&self.data))
    }

    /// The index of the order with id `id`.
    pub fn order_index(&self, id: &str) -> Option<usize> {
        self.data.orders.id.position(id)
    }

    /// Order `i` explained by the model that scores its seller, with `values` in place of its
    /// own features when given (what-if). `None` until models are loaded.
    pub fn explain_order(
        &self,
        i: usize,
        values: Option<OrderFeatures>,
    ) -> Option<OrderExplanation> {
        let values = values.unwrap_or_else(|| order_features(&self.data, i));
        self.explain(&self.order_context(i), values)
    }

    /// What decides order `i`'s model and side.
    pub fn order_context(&self, i: usize) -> OrderContext {
        let o = &self.data.orders;
        OrderContext {
            seller_id: self.data.sellers[o.seller[i] as usize].id.clone(),
            day: o.day[i],
            returned: o.returned[i],
            data_trained_on: self
                .models
                .as_ref()
                .is_some_and(|m| m.fingerprint == self.data.fingerprint),
        }
    }

    /// An order with features `values` explained by the model that scores its seller.
    /// `None` until models are loaded.
    pub fn explain(&self, order: &OrderContext, values: OrderFeatures) -> Option<OrderExplanation> {
        let models = self.models.as_ref()?;
        let (model, name) = models.model_for(&order.seller_id);
        let day = crate::data::day_string(order.day);
        let m = &model.metrics;
        let in_training = m.train_start.as_ref().is_some_and(|s| day >= *s)
            && m.test_start.as_ref().is_none_or(|t| day < *t);
        let side = match order.returned {
            None => ModelSide::Unlabelled,
            Some(_) if in_training => ModelSide::Training {
                exact: order.data_trained_on,
            },
            Some(_) => ModelSide::Holdout,
        };
        Some(OrderExplanation {
            model: name.to_string(),
            side,
            explanation: model.explain(&values),
            values,
        })
    }
}

/// What decides which model explains an order and whether its risk is in-sample.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderContext {
    /// Its seller's id.
    pub seller_id: String,
    /// Its day.
    pub day: i32,
    /// Its label (`None`: not known yet).
    pub returned: Option<bool>,
    /// Whether it is in the very data the models were trained on (else a training-period
    /// order is only probably in-sample).
    pub data_trained_on: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.37), 0.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(12.0), 20.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn values_step_and_cycle() {
        let levels = Stepper::Levels(vec!["A".into(), "B".into(), "C".into()]);
        let t = |s: &str| OrderValue::Text(s.into());
        assert_eq!(step_value(&t("C"), &levels, 1), t("A"));
        assert_eq!(step_value(&t("A"), &levels, -1), t("C"));
        assert_eq!(step_value(&OrderValue::Missing, &levels, 1), t("A"));
        let num = Stepper::Number {
            step: 2.0,
            min: -20.0,
            max: 6.0,
        };
        let n = OrderValue::Number;
        assert_eq!(step_value(&n(3.0), &num, 1), n(5.0));
        // Past either end of the data's range: the end.
        assert_eq!(step_value(&n(5.0), &num, 1), n(6.0));
        assert_eq!(step_value(&n(6.0), &num, 1), n(6.0));
        assert_eq!(step_value(&n(-19.0), &num, -1), n(-20.0));
        // Negative values the data holds are reachable (no floor at 0).
        assert_eq!(step_value(&n(1.0), &num, -1), n(-1.0));
        assert_eq!(step_value(&n(-1.0), &num, -1), n(-3.0));
        assert_eq!(step_value(&OrderValue::Missing, &num, 1), n(2.0));
        let positive = Stepper::Number {
            step: 0.5,
            min: 1.0,
            max: 5.0,
        };
        assert_eq!(step_value(&OrderValue::Missing, &positive, 0), n(1.0));
        assert_eq!(step_value(&n(4.8), &positive, 1), n(5.0));
        assert_eq!(step_value(&n(1.2), &positive, -1), n(1.0));
    }
}
