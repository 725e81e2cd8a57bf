//! The predictions file: every order's score with the model, version and run that made it.

use crate::config::RiskBands;
use crate::data::Dataset;
use crate::model::{GLOBAL, ModelSet, Scores};
use crate::text::csv_field;

/// Header of the predictions CSV.
pub const PREDICTIONS_HEADER: &str =
    "Order_ID,seller_id,marketplace_id,risk_score,risk_label,model,model_version,run_id";

/// Every order's score as CSV: `model` is `global` or the seller id, `model_version` and
/// `run_id` name the registered version that scored it (empty for unregistered models).
pub fn predictions_csv(ds: &Dataset, set: &ModelSet, scores: &Scores, bands: RiskBands) -> String {
    let mut csv = String::with_capacity(ds.orders.len() * 80);
    csv.push_str(PREDICTIONS_HEADER);
    csv.push('\n');
    // Per seller: the model columns, quoted once.
    let model_cols: Vec<[String; 2]> = ds
        .sellers
        .iter()
        .map(|s| {
            let ver = |name: &str| match set.version_of(name) {
                Some(v) => format!("{},{}", v.version, csv_field(&v.run_id)),
                None => ",".to_string(),
            };
            [
                format!("{},{}", csv_field(&s.id), ver(&s.id)),
                format!("{GLOBAL},{}", ver(GLOBAL)),
            ]
        })
        .collect();
    for i in 0..ds.orders.len() {
        let si = ds.orders.seller[i] as usize;
        let s = &ds.sellers[si];
        let r = scores.risk[i];
        let model = &model_cols[si][usize::from(!scores.own_model[i])];
        csv.push_str(&format!(
            "{},{},{},{r},{},{model}\n",
            csv_field(&ds.orders.id[i]),
            csv_field(&s.id),
            csv_field(&ds.marketplaces[s.marketplace as usize]),
            bands.label(r).as_str(),
        ));
    }
    csv
}
