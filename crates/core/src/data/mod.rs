//! The order/seller data model, loading with validation, and the demo generator.
//!
//! Orders are held column-wise ([`Orders`]) with categories, sellers and marketplaces interned
//! to small integer ids: the engine aggregates over millions of rows and never clones strings.

mod append;
mod append_buffer;
pub mod cache;
pub mod column;
mod columns;
pub mod csv_scan;
mod csv_stream;
pub mod dataset_size;
pub mod dates;
pub mod error;
pub mod features;
pub mod generate;
mod histogram_auc;
pub mod id_index;
pub mod ids;
pub mod label;
pub mod load;
pub mod order;
pub mod order_sink;
pub mod partitioned;
mod places;
pub mod schema;
pub mod table;
mod validate;
pub mod view;
pub mod without_orders;

use chrono::NaiveDate;
use serde::Serialize;
use std::path::PathBuf;

pub use column::Column;
pub(crate) use columns::Reader as ByteReader;
pub use columns::checksum as block_checksum;
pub use error::{LoadError, RowError};
pub use load::{LABEL_FALSE, LABEL_TRUE, LoadOptions, LoadReport, SELLER_COLUMNS, load_dir};

/// The files of a data directory that are input data: never written by any command.
pub const INPUT_FILES: [&str; 5] = [
    "orders.csv",
    "orders.parquet",
    "sellers.csv",
    "sellers.parquet",
    "ground_truth.csv",
];

/// The tables that may be partitioned directories of Parquet parts (`orders/`, `sellers/`).
pub const PARTITIONED_TABLES: [&str; 2] = ["orders", "sellers"];

/// The input files of data directory `dir` (whether they exist or not), the directories of
/// partitioned tables, and every part file they hold now (a watcher calls this again to
/// see a part added).
pub fn input_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = INPUT_FILES.iter().map(|f| dir.join(f)).collect();
    for table in PARTITIONED_TABLES {
        let root = dir.join(table);
        let parts = if root.is_dir() {
            partitioned::part_files(dir, &root).unwrap_or_default()
        } else {
            Vec::new()
        };
        files.push(root);
        files.extend(parts.into_iter().map(|p| p.path));
    }
    files
}

/// A seller as listed in `sellers.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Seller {
    /// `seller_id`.
    pub id: String,
    /// `seller_name`.
    pub name: String,
    /// Index into [`Dataset::marketplaces`].
    pub marketplace: u16,
}

/// One value of a single order's feature, as given (for scoring one order).
#[derive(Clone, Debug, PartialEq)]
pub enum OrderValue {
    /// A number.
    Number(f64),
    /// A level (category, payment method, ...).
    Text(String),
    /// Not known.
    Missing,
}

/// The model's inputs for one order: each feature's value by feature name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderFeatures {
    /// Values by feature name; a feature not listed is missing.
    pub values: std::collections::BTreeMap<String, OrderValue>,
}

/// All orders, column-wise. Row `i` of every column is the same order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Orders {
    /// Order ids.
    pub id: ids::OrderIds,
    /// Index into [`Dataset::categories`].
    pub category: Column<u16>,
    /// Price.
    pub price: Column<f64>,
    /// The label: `None` while the outcome is not known (a pending order).
    pub returned: Column<Option<bool>>,
    /// Index into [`Dataset::sellers`].
    pub seller: Column<u32>,
    /// Order date as days since 0001-01-01 (chrono's `num_days_from_ce`).
    pub day: Column<i32>,
    /// The model's features, in the schema's order.
    pub features: Vec<features::FeatureColumn>,
}

impl Orders {
    /// Number of orders.
    pub fn len(&self) -> usize {
        self.id.len()
    }
    /// True when there are no orders.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// A loaded, validated dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The directory it was loaded from.
    pub dir: PathBuf,
    /// Orders, column-wise.
    pub orders: Orders,
    /// Sellers; `Orders::seller` indexes this.
    pub sellers: Vec<Seller>,
    /// Distinct category names, sorted.
    pub categories: Vec<String>,
    /// Distinct marketplace ids, sorted.
    pub marketplaces: Vec<String>,
    /// Hash of the input files' bytes: models are reused while it is unchanged.
    pub fingerprint: u64,
    /// Which column plays which role.
    pub schema: schema::Schema,
    /// The features behind the rating, delivery and cash-on-delivery numbers.
    pub roles: Roles,
    /// The files it was read from, as they were then (not part of its value).
    pub origin: cache::Origin,
}

/// The features the engine shows as the product rating, the delivery days and the share of
/// cash-on-delivery orders (each `None` when the dataset has no such feature: n/a).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    /// The rating feature.
    pub rating: Option<usize>,
    /// The delivery-days feature.
    pub delivery_days: Option<usize>,
    /// The payment feature.
    pub payment: Option<usize>,
    /// With a cash-on-delivery value declared: its level (`None` when no order has it).
    pub cod: Option<Option<u32>>,
}

impl Dataset {
    /// Index of a seller by id.
    pub fn seller_index(&self, id: &str) -> Option<usize> {
        self.sellers.iter().position(|s| s.id == id)
    }
    /// Index of a category by name.
    pub fn category_index(&self, name: &str) -> Option<usize> {
        self.categories.iter().position(|c| c == name)
    }
    /// Index of a marketplace by id.
    pub fn marketplace_index(&self, id: &str) -> Option<usize> {
        self.marketplaces.iter().position(|m| m == id)
    }
    /// Feature `f`'s number for order `i` (`None` when missing or not numeric).
    pub fn number(&self, f: usize, i: usize) -> Option<f64> {
        self.number_column(f).get(i)
    }
    /// Feature `f`'s numbers, for reading many orders.
    pub fn number_column(&self, f: usize) -> view::NumberColumn<'_> {
        match &self.orders.features[f].values {
            features::FeatureValues::Price => view::NumberColumn::Price(&self.orders.price),
            features::FeatureValues::Numeric(v) => view::NumberColumn::Numeric(v),
            _ => view::NumberColumn::Absent,
        }
    }
    /// Feature `f`'s level index for order `i` (`None` when missing or not categorical).
    pub fn level(&self, f: usize, i: usize) -> Option<u32> {
        self.level_column(f).get(i)
    }
    /// Feature `f`'s level indices, for reading many orders.
    pub fn level_column(&self, f: usize) -> view::LevelColumn<'_> {
        match &self.orders.features[f].values {
            features::FeatureValues::Category => view::LevelColumn::Category(&self.orders.category),
            features::FeatureValues::Categorical { codes, .. } => view::LevelColumn::Codes(codes),
            _ => view::LevelColumn::Absent,
        }
    }
    /// The level names of categorical feature `f` (empty for a numeric one).
    pub fn levels(&self, f: usize) -> &[String] {
        match &self.orders.features[f].values {
            features::FeatureValues::Category => &self.categories,
            features::FeatureValues::Categorical { levels, .. } => levels,
            _ => &[],
        }
    }
    /// The index of the feature named `name`.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.schema.feature(name).map(|(i, _)| i)
    }
    /// Finds the role features of the loaded data.
    pub fn find_roles(&self) -> Roles {
        let s = &self.schema;
        Roles {
            rating: s.rating.as_deref().and_then(|n| self.feature_index(n)),
            delivery_days: s
                .delivery_days
                .as_deref()
                .and_then(|n| self.feature_index(n)),
            payment: s.payment.as_deref().and_then(|n| self.feature_index(n)),
            cod: s.cod_value.as_ref().and_then(|value| {
                let f = self.feature_index(s.payment.as_deref()?)?;
                let k = self.levels(f).iter().position(|l| l == value);
                Some(k.map(|k| k as u32))
            }),
        }
    }
    /// Order `i`'s rating (`None`: missing, or no rating feature).
    pub fn rating(&self, i: usize) -> Option<f64> {
        self.rating_column().get(i)
    }
    /// Every order's rating.
    pub fn rating_column(&self) -> view::NumberColumn<'_> {
        self.role_numbers(self.roles.rating)
    }
    /// Order `i`'s delivery days (`None`: missing, or no such feature).
    pub fn delivery_days(&self, i: usize) -> Option<f64> {
        self.delivery_column().get(i)
    }
    /// Every order's delivery days.
    pub fn delivery_column(&self) -> view::NumberColumn<'_> {
        self.role_numbers(self.roles.delivery_days)
    }
    fn role_numbers(&self, feature: Option<usize>) -> view::NumberColumn<'_> {
        feature.map_or(view::NumberColumn::Absent, |f| self.number_column(f))
    }
    /// Whether order `i` was paid cash on delivery (`None`: unknown payment, or no payment
    /// feature with a cash-on-delivery value).
    pub fn is_cod(&self, i: usize) -> Option<bool> {
        self.cod_column()?.get(i)
    }
    /// Whether each order was paid cash on delivery (`None`: no payment feature with a
    /// cash-on-delivery value).
    pub fn cod_column(&self) -> Option<view::CodColumn<'_>> {
        Some(view::CodColumn {
            cod: self.roles.cod?,
            payment: self.level_column(self.roles.payment?),
        })
    }
    /// Order `i`'s payment method (`None`: missing, or no payment feature).
    pub fn payment(&self, i: usize) -> Option<&str> {
        self.level_name(self.roles.payment?, i)
    }
    /// Order `i`'s level of categorical feature `f` as text.
    pub fn level_name(&self, f: usize, i: usize) -> Option<&str> {
        let k = self.level(f, i)?;
        self.levels(f).get(k as usize).map(String::as_str)
    }
    /// Marketplace index of order `i` (its seller's marketplace).
    pub fn order_marketplace(&self, i: usize) -> u16 {
        self.sellers[self.orders.seller[i] as usize].marketplace
    }
}

/// Converts a date to the day number stored in [`Orders::day`].
pub fn date_to_day(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce()
}

/// A stored day number as `YYYY-MM-DD` (`None` outside chrono's range).
pub fn day_str(day: i32) -> Option<String> {
    day_to_date(day).map(|d| d.format("%Y-%m-%d").to_string())
}

/// A stored day number as `YYYY-MM-DD`, empty outside chrono's range.
pub fn day_string(day: i32) -> String {
    day_str(day).unwrap_or_default()
}

/// Converts a stored day number back to a date.
pub fn day_to_date(day: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(day)
}
