//! A dataset of the sellers, categories and schema alone, for answering from a cube built
//! elsewhere (`--cube DIR`): the sellers table and `schema.toml` are read and validated as a
//! load does; the orders stay in the lake, their categories come from the cube.

use super::features::{FeatureColumn, FeatureValues};
use super::load::{SELLER_COLUMNS, load_sellers};
use super::schema::{FeatureKind, load_schema};
use super::table::read_table;
use super::{Dataset, LoadError, LoadReport, Orders};
use crate::util::Fnv64;
use std::path::Path;

/// The dataset of `dir` without its orders, with `categories` (sorted and deduplicated
/// here): every column a feature of the schema, with no rows.
pub fn load_without_orders(
    dir: &Path,
    mut categories: Vec<String>,
) -> Result<(Dataset, LoadReport), LoadError> {
    let schema = load_schema(dir)?;
    let mut fp = Fnv64::default();
    let mut report = LoadReport::default();
    let table = read_table(dir, "sellers", &SELLER_COLUMNS, &mut fp)?;
    let st = load_sellers(&table, &mut report)?;
    categories.sort();
    categories.dedup();
    let features = schema
        .features
        .iter()
        .map(|spec| {
            let values = if spec.column == schema.category {
                FeatureValues::Category
            } else if spec.column == schema.price {
                FeatureValues::Price
            } else if spec.kind == FeatureKind::Numeric {
                FeatureValues::Numeric(Vec::new().into())
            } else {
                FeatureValues::Categorical {
                    codes: Vec::new().into(),
                    levels: spec.levels.clone().unwrap_or_default(),
                }
            };
            FeatureColumn {
                spec: spec.clone(),
                values,
                missing: 0,
            }
        })
        .collect();
    let mut ds = Dataset {
        dir: dir.to_path_buf(),
        orders: Orders {
            features,
            ..Orders::default()
        },
        sellers: st.sellers,
        categories,
        marketplaces: st.marketplaces,
        fingerprint: fp.finish(),
        schema,
        roles: Default::default(),
        origin: Default::default(),
    };
    ds.roles = ds.find_roles();
    Ok((ds, report))
}
