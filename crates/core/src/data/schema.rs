//! Which column of a dataset plays which role: the order id, timestamp, label, seller,
//! marketplace, category and price, and the model's feature columns (numeric or
//! categorical). A data directory may hold `schema.toml` (written by `import olist`, or by a
//! user for their own data); without one, the ReturnRisk columns are assumed
//! ([`Schema::returnrisk`]), exactly as before schemas existed.

use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// How a feature enters the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeatureKind {
    /// A number (missing values allowed when the feature is optional).
    Numeric,
    /// A value from a set (target-encoded by the model).
    Categorical,
}

/// One model feature.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSpec {
    /// The name models, drivers and drift use (`price`, `customer_type`).
    pub name: String,
    /// The column of the orders file.
    pub column: String,
    /// Numeric or categorical.
    pub kind: FeatureKind,
    /// A closed set of values (matched case-insensitively, stored in this spelling); `None`:
    /// any value.
    pub levels: Option<Vec<String>>,
    /// Valid range of a numeric feature and the reason given outside it.
    pub range: Option<(f64, f64, String)>,
    /// Whether an empty value is allowed (counted; the model imputes it) or an invalid row.
    pub optional: bool,
    /// Text values mapped to numbers (e.g. `"Y" = 1`).
    pub values: BTreeMap<String, f64>,
}

impl FeatureSpec {
    fn numeric(name: &str, column: &str, min: f64, max: f64, reason: &str) -> FeatureSpec {
        FeatureSpec {
            name: name.into(),
            column: column.into(),
            kind: FeatureKind::Numeric,
            levels: None,
            range: Some((min, max, reason.into())),
            optional: false,
            values: BTreeMap::new(),
        }
    }
    fn categorical(name: &str, column: &str, levels: Option<&[&str]>) -> FeatureSpec {
        FeatureSpec {
            name: name.into(),
            column: column.into(),
            kind: FeatureKind::Categorical,
            levels: levels.map(|l| l.iter().map(std::string::ToString::to_string).collect()),
            range: None,
            optional: false,
            values: BTreeMap::new(),
        }
    }

    /// Why a numeric value is out of range (`None` when it is fine).
    pub fn range_error(&self, v: f64) -> Option<&str> {
        let (min, max, reason) = self.range.as_ref()?;
        (!(*min..=*max).contains(&v)).then_some(reason.as_str())
    }
}

/// Which column plays which role.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// Order id column.
    pub order_id: String,
    /// Order timestamp column (date or date-time).
    pub timestamp: String,
    /// Label column: 1 (returned), 0 (kept), empty (not known yet).
    pub label: String,
    /// What the label means, where it is not a return (e.g. Olist's bad-review proxy).
    pub label_definition: Option<String>,
    /// What one labelled-positive order is called (`[label] name`, `return` by default).
    pub label_noun: super::label::LabelNoun,
    /// Seller id column (sellers come from `sellers.csv`).
    pub seller: String,
    /// Marketplace column, checked against the seller's, if the orders file has one.
    pub marketplace: Option<String>,
    /// What the marketplace is, where it is not a marketplace (e.g. a region).
    pub marketplace_definition: Option<String>,
    /// Category column (free text).
    pub category: String,
    /// Price column (revenue at risk).
    pub price: String,
    /// The model's features, in order.
    pub features: Vec<FeatureSpec>,
    /// The feature shown as the product rating (and its rule), if any.
    pub rating: Option<String>,
    /// The feature shown as delivery days, if any.
    pub delivery_days: Option<String>,
    /// The feature shown as the payment method, if any.
    pub payment: Option<String>,
    /// The payment value meaning cash on delivery (the COD share and its rule), if any.
    pub cod_value: Option<String>,
    /// The prices' currency as screens write it after an amount (`[display] currency`,
    /// `BRL`), if given.
    pub currency: Option<String>,
}

impl Schema {
    /// The ReturnRisk columns: what a data directory without `schema.toml` holds.
    pub fn returnrisk() -> Schema {
        Schema {
            order_id: "Order_ID".into(),
            timestamp: "order_timestamp".into(),
            label: "Returned".into(),
            label_definition: None,
            label_noun: super::label::LabelNoun::default(),
            seller: "seller_id".into(),
            marketplace: Some("marketplace_id".into()),
            marketplace_definition: None,
            category: "Product_Category".into(),
            price: "Product_Price".into(),
            features: vec![
                FeatureSpec::categorical("category", "Product_Category", None),
                FeatureSpec::numeric(
                    "price",
                    "Product_Price",
                    0.0,
                    f64::INFINITY,
                    "negative price",
                ),
                FeatureSpec::numeric(
                    "discount",
                    "Discount_Applied",
                    0.0,
                    f64::INFINITY,
                    "negative discount",
                ),
                FeatureSpec::numeric(
                    "delivery_days",
                    "Delivery_Time_Days",
                    0.0,
                    f64::INFINITY,
                    "negative delivery time",
                ),
                FeatureSpec::categorical(
                    "customer_type",
                    "Customer_Type",
                    Some(&["New", "Returning"]),
                ),
                FeatureSpec::categorical(
                    "payment_method",
                    "Payment_Method",
                    Some(&["COD", "UPI", "Card", "Wallet"]),
                ),
                FeatureSpec::numeric(
                    "customer_return_rate",
                    "Customer_Return_Rate",
                    0.0,
                    1.0,
                    "return rate outside 0-1",
                ),
                FeatureSpec::numeric("rating", "Product_Rating", 1.0, 5.0, "rating outside 1-5"),
            ],
            rating: Some("rating".into()),
            delivery_days: Some("delivery_days".into()),
            payment: Some("payment_method".into()),
            cod_value: Some("COD".into()),
            currency: None,
        }
    }

    /// The feature named `name`.
    pub fn feature(&self, name: &str) -> Option<(usize, &FeatureSpec)> {
        self.features
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
    }

    /// The columns the orders file must have, each with the schema key that names it.
    pub fn required_columns(&self) -> Vec<(String, String)> {
        let mut cols = vec![
            ("columns.order_id".to_string(), self.order_id.clone()),
            ("columns.category".into(), self.category.clone()),
            ("columns.price".into(), self.price.clone()),
        ];
        for f in &self.features {
            let key = match f.kind {
                FeatureKind::Numeric => "features.numeric",
                FeatureKind::Categorical => "features.categorical",
            };
            cols.push((key.into(), f.column.clone()));
        }
        cols.push(("label.column".into(), self.label.clone()));
        cols.push(("columns.seller".into(), self.seller.clone()));
        if let Some(m) = &self.marketplace {
            cols.push(("columns.marketplace".into(), m.clone()));
        }
        cols.push(("columns.timestamp".into(), self.timestamp.clone()));
        let mut seen = HashSet::new();
        cols.retain(|(_, c)| seen.insert(c.clone()));
        cols
    }
}

/// A `schema.toml` that cannot be used: the file, the key and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}: {key}: {message}", path.display())]
pub struct SchemaError {
    /// The file.
    pub path: PathBuf,
    /// The key (`features.numeric`, `columns.seller`, ...).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    version: u32,
    label: LabelSection,
    columns: ColumnsSection,
    features: FeaturesSection,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, f64>>,
    #[serde(default)]
    display: DisplaySection,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DisplaySection {
    currency: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelSection {
    column: String,
    definition: Option<String>,
    name: Option<String>,
    plural: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnsSection {
    order_id: String,
    timestamp: String,
    seller: String,
    marketplace: Option<String>,
    marketplace_definition: Option<String>,
    category: String,
    price: String,
    rating: Option<String>,
    delivery_days: Option<String>,
    payment: Option<String>,
    cash_on_delivery: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeaturesSection {
    #[serde(default)]
    numeric: Vec<String>,
    #[serde(default)]
    categorical: Vec<String>,
}

/// The version of `schema.toml` this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The schema of the data directory `dir`: its `schema.toml`, else [`Schema::returnrisk`].
pub fn load_schema(dir: &Path) -> Result<Schema, SchemaError> {
    let path = dir.join("schema.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Schema::returnrisk()),
        Err(e) => {
            return Err(SchemaError {
                path,
                key: "(file)".into(),
                message: format!("cannot read: {e}"),
            });
        }
    };
    parse_schema(&text, &path)
}

/// Parses and checks `schema.toml` text (`path` names it in errors).
pub fn parse_schema(text: &str, path: &Path) -> Result<Schema, SchemaError> {
    let err = |key: &str, message: String| SchemaError {
        path: path.to_path_buf(),
        key: key.into(),
        message,
    };
    let file: SchemaFile = toml::from_str(text).map_err(|e| {
        let message = e.message().to_string();
        let key = e
            .span()
            .map(|s| text[..s.start].lines().count().max(1))
            .map_or("(file)".to_string(), |line| format!("line {line}"));
        err(&key, message)
    })?;
    if file.version != SCHEMA_VERSION {
        return Err(err(
            "version",
            format!("{} (this build reads {SCHEMA_VERSION})", file.version),
        ));
    }
    let c = file.columns;
    let mut features = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (key, names, kind) in [
        (
            "features.numeric",
            &file.features.numeric,
            FeatureKind::Numeric,
        ),
        (
            "features.categorical",
            &file.features.categorical,
            FeatureKind::Categorical,
        ),
    ] {
        for name in names {
            if !seen.insert(name) {
                return Err(err(key, format!("{name:?} is listed twice")));
            }
            for (role, col) in [
                ("order_id", &c.order_id),
                ("timestamp", &c.timestamp),
                ("seller", &c.seller),
            ] {
                if name == col {
                    return Err(err(
                        key,
                        format!("{name:?} is the {role} column, not a feature"),
                    ));
                }
            }
            if *name == file.label.column {
                return Err(err(
                    key,
                    format!("{name:?} is the label: a feature must not be the answer"),
                ));
            }
            features.push(FeatureSpec {
                name: name.clone(),
                column: name.clone(),
                kind,
                levels: None,
                range: None,
                optional: true,
                values: file.values.get(name).cloned().unwrap_or_default(),
            });
        }
    }
    if features.is_empty() {
        return Err(err("features", "no feature columns".into()));
    }
    let roles = [
        ("columns.order_id", &c.order_id),
        ("columns.timestamp", &c.timestamp),
        ("columns.seller", &c.seller),
        ("label.column", &file.label.column),
    ];
    for (i, (key, col)) in roles.iter().enumerate() {
        if let Some((other, _)) = roles[..i].iter().find(|(_, c2)| c2 == col) {
            return Err(err(key, format!("{col:?} is already {other}")));
        }
    }
    for name in file.values.keys() {
        if !features.iter().any(|f| &f.name == name) {
            return Err(err(
                &format!("values.{name}"),
                "not a feature column".into(),
            ));
        }
    }
    let feature_of = |key: &str, name: &Option<String>, kind: FeatureKind| match name {
        None => Ok(None),
        Some(n) if features.iter().any(|f| &f.name == n && f.kind == kind) => Ok(Some(n.clone())),
        Some(n) => Err(err(
            key,
            format!("{n:?} is not a {kind:?} feature").to_lowercase(),
        )),
    };
    let rating = feature_of("columns.rating", &c.rating, FeatureKind::Numeric)?;
    let delivery_days = feature_of(
        "columns.delivery_days",
        &c.delivery_days,
        FeatureKind::Numeric,
    )?;
    let payment = feature_of("columns.payment", &c.payment, FeatureKind::Categorical)?;
    // A currency is a short word or symbol written after amounts: nothing that could break a
    // line or a cell.
    let currency = match file.display.currency.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c)
            if c.chars().count() <= 8
                && c.chars().all(|x| !x.is_control() && !x.is_whitespace()) =>
        {
            Some(c.to_string())
        }
        Some(c) => {
            return Err(err(
                "display.currency",
                format!("{c:?} is not a currency: at most 8 characters, no spaces (BRL, USD, €)"),
            ));
        }
    };
    if file
        .label
        .name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty())
    {
        return Err(err(
            "label.name",
            "empty: name what one labelled order is, such as \"bad review\"".into(),
        ));
    }
    Ok(Schema {
        order_id: c.order_id,
        timestamp: c.timestamp,
        label: file.label.column,
        label_noun: match &file.label.name {
            Some(n) => super::label::LabelNoun::new(n, file.label.plural.as_deref()),
            None => super::label::LabelNoun::default(),
        },
        label_definition: file.label.definition,
        seller: c.seller,
        marketplace: c.marketplace,
        marketplace_definition: c.marketplace_definition,
        category: c.category,
        price: c.price,
        features,
        rating,
        delivery_days,
        cod_value: c.cash_on_delivery.filter(|_| payment.is_some()),
        payment,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
version = 1
[label]
column = "bad_review"
definition = "bad review (score <= 2), a proxy for a return"
[columns]
order_id = "order_id"
timestamp = "ts"
seller = "seller_id"
category = "category"
price = "price"
rating = "score"
[features]
numeric = ["price", "score", "flag"]
categorical = ["category", "payment_type"]
[values.flag]
"Y" = 1
"N" = 0
"#;

    fn parse(text: &str) -> Result<Schema, String> {
        parse_schema(text, Path::new("d/schema.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_good_schema_reads_with_its_roles_and_value_maps() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.features.len(), 5);
        assert_eq!(s.rating.as_deref(), Some("score"));
        assert_eq!(s.features[2].values["Y"], 1.0);
        assert!(s.features.iter().all(|f| f.optional));
        assert_eq!((s.payment, s.cod_value), (None, None));
    }

    #[test]
    fn bad_schemas_name_the_file_and_the_key() {
        let cases = [
            (
                GOOD.replace("\"flag\"]", "\"flag\", \"price\"]"),
                "d/schema.toml: features.numeric: \"price\" is listed twice",
            ),
            (
                GOOD.replace("\"flag\"]", "\"flag\", \"bad_review\"]"),
                "d/schema.toml: features.numeric: \"bad_review\" is the label: a feature must not be the answer",
            ),
            (
                GOOD.replace("seller = \"seller_id\"", "seller = \"order_id\""),
                "d/schema.toml: columns.seller: \"order_id\" is already columns.order_id",
            ),
            (
                GOOD.replace("rating = \"score\"", "rating = \"payment_type\""),
                "d/schema.toml: columns.rating: \"payment_type\" is not a numeric feature",
            ),
            (
                GOOD.replace("[values.flag]", "[values.nope]"),
                "d/schema.toml: values.nope: not a feature column",
            ),
            (
                GOOD.replace("version = 1", "version = 7"),
                "d/schema.toml: version: 7 (this build reads 1)",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(&text).unwrap_err(), expected);
        }
        let unknown = parse(&GOOD.replace("[columns]", "[columns]\ncolour = \"x\"")).unwrap_err();
        assert!(unknown.starts_with("d/schema.toml: line "), "{unknown}");
        assert!(unknown.contains("unknown field `colour`"), "{unknown}");
    }

    #[test]
    fn a_currency_is_a_short_word_written_after_amounts() {
        assert_eq!(parse(GOOD).unwrap().currency, None);
        // `c` as TOML writes it between quotes.
        let with = |c: &str| parse(&format!("{GOOD}\n[display]\ncurrency = \"{c}\"\n"));
        assert_eq!(with("BRL").unwrap().currency.as_deref(), Some("BRL"));
        assert_eq!(with("€").unwrap().currency.as_deref(), Some("€"));
        assert_eq!(with("  ").unwrap().currency, None);
        for bad in ["Brazilian real", "BRL\\u001b[31m", "ABCDEFGHIJ"] {
            let e = with(bad).unwrap_err();
            assert!(e.starts_with("d/schema.toml: display.currency: "), "{e}");
        }
    }

    #[test]
    fn the_builtin_schema_is_the_returnrisk_columns() {
        let s = Schema::returnrisk();
        let names: Vec<&str> = s.features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "category",
                "price",
                "discount",
                "delivery_days",
                "customer_type",
                "payment_method",
                "customer_return_rate",
                "rating"
            ]
        );
        let cols: Vec<String> = s.required_columns().into_iter().map(|(_, c)| c).collect();
        assert_eq!(cols, crate::data::load::ORDER_COLUMNS);
    }
}
