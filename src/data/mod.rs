//! The order/seller data model, loading with validation, and the demo generator.
//!
//! Orders are held column-wise ([`Orders`]) with categories, sellers and marketplaces interned
//! to small integer ids: the engine aggregates over millions of rows and never clones strings.

pub mod csv_scan;
pub mod dates;
pub mod error;
pub mod generate;
pub mod load;
pub(crate) mod table;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use error::{LoadError, RowError};
pub use load::{LoadOptions, LoadReport, load_dir};

/// The files of a data directory that are input data: never written by any command.
pub const INPUT_FILES: [&str; 5] = [
    "orders.csv",
    "orders.parquet",
    "sellers.csv",
    "sellers.parquet",
    "ground_truth.csv",
];

/// The input files of data directory `dir` (whether they exist or not).
pub fn input_files(dir: &std::path::Path) -> Vec<PathBuf> {
    INPUT_FILES.iter().map(|f| dir.join(f)).collect()
}

/// Whether the customer has ordered before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerType {
    /// First order on the marketplace.
    New,
    /// Has ordered before.
    Returning,
}

impl CustomerType {
    /// Parses `New`/`Returning`, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "new" => Some(Self::New),
            "returning" => Some(Self::Returning),
            _ => None,
        }
    }
    /// The canonical spelling used in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Returning => "Returning",
        }
    }
}

/// How the order was paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentMethod {
    /// Cash on delivery.
    Cod,
    /// Unified Payments Interface (bank transfer).
    Upi,
    /// Credit or debit card.
    Card,
    /// Digital wallet.
    Wallet,
}

impl PaymentMethod {
    /// All methods, in a fixed order (used for encodings and tables).
    pub const ALL: [PaymentMethod; 4] = [Self::Cod, Self::Upi, Self::Card, Self::Wallet];

    /// Parses COD/UPI/Card/Wallet, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cod" => Some(Self::Cod),
            "upi" => Some(Self::Upi),
            "card" => Some(Self::Card),
            "wallet" => Some(Self::Wallet),
            _ => None,
        }
    }
    /// The canonical spelling used in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cod => "COD",
            Self::Upi => "UPI",
            Self::Card => "Card",
            Self::Wallet => "Wallet",
        }
    }
}

/// A seller as listed in `sellers.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Seller {
    /// `seller_id`.
    pub id: String,
    /// `seller_name`.
    pub name: String,
    /// Index into [`Dataset::marketplaces`].
    pub marketplace: u16,
}

/// The model's inputs for one order: the eight features, with the category as text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderFeatures {
    /// `Product_Category` (free text).
    pub category: String,
    /// `Product_Price`, >= 0.
    pub price: f64,
    /// `Discount_Applied`, >= 0.
    pub discount: f64,
    /// `Delivery_Time_Days`.
    pub delivery_days: f64,
    /// `Customer_Type`.
    pub customer_type: CustomerType,
    /// `Payment_Method`.
    pub payment_method: PaymentMethod,
    /// `Customer_Return_Rate`, in 0-1.
    pub customer_return_rate: f64,
    /// `Product_Rating`, in 1-5.
    pub rating: f64,
}

/// All orders, column-wise. Row `i` of every vector is the same order.
#[derive(Clone, Debug, Default)]
pub struct Orders {
    /// `Order_ID`.
    pub id: Vec<String>,
    /// Index into [`Dataset::categories`].
    pub category: Vec<u16>,
    /// `Product_Price`.
    pub price: Vec<f64>,
    /// `Discount_Applied`.
    pub discount: Vec<f64>,
    /// `Delivery_Time_Days`.
    pub delivery_days: Vec<f64>,
    /// `Customer_Type`.
    pub customer_type: Vec<CustomerType>,
    /// `Payment_Method`.
    pub payment: Vec<PaymentMethod>,
    /// `Customer_Return_Rate`.
    pub customer_return_rate: Vec<f64>,
    /// `Product_Rating`.
    pub rating: Vec<f64>,
    /// `Returned`: `None` while the return window is open (a pending order).
    pub returned: Vec<Option<bool>>,
    /// Index into [`Dataset::sellers`].
    pub seller: Vec<u32>,
    /// Order date as days since 0001-01-01 (chrono's `num_days_from_ce`).
    pub day: Vec<i32>,
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
#[derive(Clone, Debug)]
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
}

impl Dataset {
    /// Index of a seller by id.
    pub fn seller_index(&self, id: &str) -> Option<usize> {
        self.sellers.iter().position(|s| s.id == id)
    }
    /// Index of a marketplace by id.
    pub fn marketplace_index(&self, id: &str) -> Option<usize> {
        self.marketplaces.iter().position(|m| m == id)
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
