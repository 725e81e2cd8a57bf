//! The demo generator: a realistic, deterministic marketplace whose returns follow a hidden
//! ground-truth model, so that models have something real to learn and their ceiling is known.
//!
//! # Ground truth
//! Each order's return probability is `sigmoid(z)` with
//! ```text
//! z = logit(category base rate)              Clothing .30, Footwear .26, Electronics .16, ...
//!   + 0.35 * ln(price / category median)     pricier than usual -> more returns
//!   + 0.015 * discount (percent)             deep discounts -> impulse buys
//!   + 0.14 * (delivery days - 4)             slow delivery
//!   + 0.35 if New customer
//!   + 0.60 COD, 0.10 Wallet, 0 Card, -0.05 UPI
//!   + 4.0 * (customer return rate - 0.15)
//!   - 0.55 * (product rating - 4)
//!   + seller effect ~ N(0, 0.12)              hidden: not a model feature
//!   + 0.08 on Saturdays and Sundays           hidden weekly seasonality
//!   + archetype drift (deteriorating/improving sellers, hidden part)
//! ```
//! Sellers have archetypes (reliable, COD-heavy, low-rated catalogue, slow shipping,
//! deteriorating over the last 30 days, improving over the period) that act mostly through
//! the observable features. In the last 30 days of the second marketplace the COD share and
//! delivery times rise (an injected shift for drift monitoring). Orders of the last 14 days
//! have an empty `Returned`: their return window is still open.

use super::histogram_auc::HistogramAuc;
use super::order_sink::{OrderSink, OrdersLayout};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Product categories: (name, base return rate, median price).
pub const CATEGORIES: [(&str, f64, f64); 10] = [
    ("Beauty", 0.13, 25.0),
    ("Books", 0.07, 15.0),
    ("Clothing", 0.30, 40.0),
    ("Electronics", 0.16, 250.0),
    ("Footwear", 0.26, 60.0),
    ("Grocery", 0.04, 12.0),
    ("Home", 0.12, 80.0),
    ("Jewelry", 0.18, 120.0),
    ("Sports", 0.13, 50.0),
    ("Toys", 0.11, 30.0),
];

/// Overall shift of the log-odds (sets the overall return rate near 20%).
pub const INTERCEPT: f64 = -0.25;

/// Days at the end of the data whose outcomes are not known yet.
pub const PENDING_DAYS: i64 = 14;
/// Length of the most recent period with the injected shift and deteriorating sellers.
pub const RECENT_DAYS: i64 = 30;
/// The marketplace (0-based) that gets the injected shift.
pub const SHIFTED_MARKETPLACE: usize = 1;

/// Most orders `generate` writes: what one data directory can hold (rows are counted in
/// u32), about 400 GB of CSV.
pub const MAX_ORDERS: u64 = 4_000_000_000;
/// Most sellers `generate` makes (their specs are held in memory).
pub const MAX_SELLERS: u64 = 1_000_000;
/// Most marketplaces `generate` makes.
pub const MAX_MARKETPLACES: u64 = 1_000;

/// Arguments of `generate`.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// Number of orders.
    pub orders: u64,
    /// Number of sellers.
    pub sellers: usize,
    /// Number of marketplaces.
    pub marketplaces: usize,
    /// Number of calendar days.
    pub days: u32,
    /// RNG seed: same options, byte-identical files.
    pub seed: u64,
    /// Last order date.
    pub end_date: NaiveDate,
    /// One CSV or a directory partitioned by day.
    pub layout: OrdersLayout,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            orders: 50_000,
            sellers: 40,
            marketplaces: 3,
            days: 180,
            seed: 42,
            end_date: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
            layout: OrdersLayout::Csv,
        }
    }
}

/// What `generate` wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GenerateSummary {
    /// Orders written.
    pub orders: u64,
    /// Orders with a known outcome.
    pub labelled: u64,
    /// Returned orders among the labelled.
    pub returned: u64,
    /// Orders with an empty `Returned`.
    pub pending: u64,
    /// returned / labelled.
    pub return_rate: f64,
    /// ROC AUC of the true probabilities on the labelled orders: the best any model can reach.
    pub bayes_auc: Option<f64>,
}

/// Seller archetypes: the stories the dashboard should be able to tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archetype {
    /// Low COD, fast delivery, good ratings.
    Reliable,
    /// Most orders cash on delivery.
    CodHeavy,
    /// Poorly rated catalogue.
    LowRated,
    /// Slow delivery.
    SlowShipping,
    /// Fine until the last 30 days, then delivery and ratings worsen.
    Deteriorating,
    /// Bad at the start, better by the end.
    Improving,
}

const ARCHETYPE_CYCLE: [Archetype; 10] = [
    Archetype::Reliable,
    Archetype::CodHeavy,
    Archetype::LowRated,
    Archetype::Reliable,
    Archetype::SlowShipping,
    Archetype::Deteriorating,
    Archetype::Reliable,
    Archetype::Improving,
    Archetype::CodHeavy,
    Archetype::Reliable,
];

const NAME_A: [&str; 12] = [
    "Bright", "Urban", "Golden", "Swift", "Blue", "Prime", "Happy", "Noble", "Green", "Silver",
    "Rapid", "Cosy",
];
const NAME_B: [&str; 10] = [
    "Threads", "Goods", "Bazaar", "Outlet", "Traders", "Corner", "Depot", "Market", "House",
    "Supply",
];

/// Hidden per-seller parameters.
struct SellerSpec {
    archetype: Archetype,
    marketplace: usize,
    cod_share: f64,
    delivery_mean: f64,
    rating_mean: f64,
    new_share: f64,
    effect: f64,
    /// Cumulative category weights.
    category_cdf: Vec<f64>,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller; 1 - u keeps the log argument in (0, 1].
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn pick(cdf: &[f64], u: f64) -> usize {
    let total = cdf.last().copied().unwrap_or(1.0);
    cdf.partition_point(|&c| c <= u * total).min(cdf.len() - 1)
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn make_sellers(opts: &GenerateOptions, rng: &mut ChaCha8Rng) -> (Vec<SellerSpec>, Vec<f64>) {
    let mut specs = Vec::with_capacity(opts.sellers);
    let mut size_cdf = Vec::with_capacity(opts.sellers);
    let mut acc = 0.0;
    for i in 0..opts.sellers {
        let archetype = ARCHETYPE_CYCLE[i % ARCHETYPE_CYCLE.len()];
        let (cod, delivery, rating) = match archetype {
            Archetype::Reliable => (0.12, 3.0, 4.3),
            Archetype::CodHeavy => (0.62, 4.0, 3.9),
            Archetype::LowRated => (0.22, 4.0, 2.7),
            Archetype::SlowShipping => (0.2, 8.0, 3.8),
            Archetype::Deteriorating => (0.18, 3.5, 4.1),
            Archetype::Improving => (0.25, 4.5, 3.7),
        };
        let mut weights: Vec<f64> = (0..CATEGORIES.len())
            .map(|_| rng.random::<f64>().powi(3))
            .collect();
        // Every seller has one main category.
        weights[rng.random_range(0..CATEGORIES.len())] += 1.5;
        let mut c = 0.0;
        let category_cdf = weights
            .iter()
            .map(|w| {
                c += w;
                c
            })
            .collect();
        specs.push(SellerSpec {
            archetype,
            marketplace: i % opts.marketplaces.max(1),
            cod_share: (cod + 0.05 * normal(rng)).clamp(0.02, 0.9),
            delivery_mean: delivery + 0.5 * normal(rng),
            rating_mean: (rating + 0.15 * normal(rng)).clamp(1.5, 4.8),
            new_share: if archetype == Archetype::CodHeavy {
                0.45
            } else {
                0.3
            },
            effect: 0.12 * normal(rng),
            category_cdf,
        });
        // Seller sizes: a long tail (a few large sellers, many small ones).
        acc += 1.0 / ((i % 17) as f64 + 1.0).powf(0.7) * (0.5 + rng.random::<f64>());
        size_cdf.push(acc);
    }
    (specs, size_cdf)
}

fn seller_id(i: usize) -> String {
    format!("S{:03}", i + 1)
}

fn marketplace_id(i: usize) -> String {
    format!("M{:03}", i + 1)
}

fn seller_name(i: usize) -> String {
    let a = NAME_A[i % NAME_A.len()];
    let b = NAME_B[(i / NAME_A.len() + i * 3) % NAME_B.len()];
    if i < NAME_A.len() * NAME_B.len() {
        format!("{a} {b}")
    } else {
        format!("{a} {b} {}", i / (NAME_A.len() * NAME_B.len()) + 1)
    }
}

/// Relative order volume by weekday (weekends are busier).
fn weekday_volume(w: Weekday) -> f64 {
    match w {
        Weekday::Mon => 0.9,
        Weekday::Tue | Weekday::Wed => 0.95,
        Weekday::Thu => 1.0,
        Weekday::Fri => 1.05,
        Weekday::Sat => 1.2,
        Weekday::Sun => 1.1,
    }
}

/// Writes `orders.csv`, `sellers.csv` and `ground_truth.csv` into `out`, streaming rows.
/// `progress` is called with the number of orders written so far. The files are written
/// under temporary names and each renamed into place once all are complete: an interrupted
/// run leaves no half-written data file, and a failed one no temporary file.
pub fn generate(
    out: &Path,
    opts: &GenerateOptions,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<GenerateSummary> {
    if opts.sellers == 0 || opts.marketplaces == 0 || opts.days == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "--sellers, --marketplaces and --days must be at least 1",
        ));
    }
    std::fs::create_dir_all(out)?;
    let names = ["sellers.csv", opts.layout.name(), "ground_truth.csv"];
    let tmp = |name: &str| out.join(format!(".{name}.tmp-{}-0", std::process::id()));
    let remove = |path: &Path| {
        if path.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        }
    };
    let written = write_files(opts, progress, &tmp).and_then(|summary| {
        for name in names {
            let target = out.join(name);
            if name == "orders" && target.is_dir() {
                // A directory is not replaced by a rename: move the old one aside first.
                // If the new one cannot take its place, the old one goes back.
                let old = tmp("orders.old");
                std::fs::rename(&target, &old)?;
                if let Err(e) = std::fs::rename(tmp(name), &target) {
                    std::fs::rename(&old, &target)?;
                    return Err(e);
                }
                std::fs::remove_dir_all(old)?;
            } else {
                std::fs::rename(tmp(name), target)?;
            }
        }
        // The orders in another form would be read instead of (or beside) these.
        for other in ["orders.parquet", "orders.csv", "orders"] {
            let path = out.join(other);
            if other != opts.layout.name() && path.exists() {
                remove(&path)?;
            }
        }
        Ok(summary)
    });
    if written.is_err() {
        for name in names {
            let _ = remove(&tmp(name));
        }
    }
    written
}

/// Writes the dataset's files to the paths `file` gives for their names.
fn write_files(
    opts: &GenerateOptions,
    progress: &mut dyn FnMut(u64),
    file: &dyn Fn(&str) -> std::path::PathBuf,
) -> std::io::Result<GenerateSummary> {
    let mut setup_rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x9e37_79b9_7f4a_7c15);
    let (specs, size_cdf) = make_sellers(opts, &mut setup_rng);

    let mut sellers_csv = BufWriter::new(std::fs::File::create(file("sellers.csv"))?);
    writeln!(sellers_csv, "seller_id,seller_name,marketplace_id")?;
    for (i, s) in specs.iter().enumerate() {
        writeln!(
            sellers_csv,
            "{},{},{}",
            seller_id(i),
            seller_name(i),
            marketplace_id(s.marketplace)
        )?;
    }
    sellers_csv.flush()?;

    let mut orders = OrderSink::create(
        &file(opts.layout.name()),
        opts.layout,
        "Order_ID,Product_Category,Product_Price,Discount_Applied,Delivery_Time_Days,Customer_Type,Payment_Method,Customer_Return_Rate,Product_Rating,Returned,seller_id,marketplace_id,order_timestamp",
    )?;
    let mut truth_csv =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(file("ground_truth.csv"))?);
    writeln!(truth_csv, "Order_ID,true_return_prob")?;

    let days = i64::from(opts.days);
    let start = opts.end_date - Duration::days(days - 1);
    let volume: Vec<f64> = (0..days)
        .map(|d| weekday_volume((start + Duration::days(d)).weekday()))
        .collect();
    let total_volume: f64 = volume.iter().sum();
    let seller_ids: Vec<String> = (0..specs.len()).map(seller_id).collect();
    let mp_ids: Vec<String> = (0..opts.marketplaces).map(marketplace_id).collect();

    let mut auc = HistogramAuc::new(100_000);
    let (mut written, mut labelled, mut returned) = (0u64, 0u64, 0u64);
    let mut cum_volume = 0.0;
    for d in 0..days {
        cum_volume += volume[d as usize];
        let target = (opts.orders as f64 * cum_volume / total_volume).round() as u64;
        let date = start + Duration::days(d);
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let recent = ((d - (days - RECENT_DAYS)) as f64 / RECENT_DAYS as f64).clamp(0.0, 1.0);
        let elapsed = d as f64 / days as f64;
        let pending = d >= days - PENDING_DAYS;
        let day = date.format("%Y-%m-%d").to_string();
        orders.start_day(&day)?;
        while written < target {
            let si = pick(&size_cdf, rng.random::<f64>());
            let s = &specs[si];
            let (mut delivery_mean, mut rating_mean, mut hidden, mut cod) =
                (s.delivery_mean, s.rating_mean, s.effect, s.cod_share);
            match s.archetype {
                Archetype::Deteriorating => {
                    delivery_mean += 3.0 * recent;
                    rating_mean -= 1.2 * recent;
                    hidden += 0.4 * recent;
                }
                Archetype::Improving => {
                    delivery_mean += 2.5 * (1.0 - elapsed);
                    rating_mean -= 1.0 * (1.0 - elapsed);
                    hidden += 0.3 * (1.0 - elapsed);
                }
                _ => {}
            }
            if s.marketplace == SHIFTED_MARKETPLACE.min(opts.marketplaces - 1) && recent > 0.0 {
                cod = (cod + 0.25).min(0.9);
                delivery_mean += 2.0;
            }
            let ci = pick(&s.category_cdf, rng.random::<f64>());
            let (cat, base, median) = CATEGORIES[ci];
            let price = ((median * (0.5 * normal(&mut rng)).exp()) * 100.0).round() / 100.0;
            let discount = if rng.random::<f64>() < 0.55 {
                0.0
            } else {
                5.0 * f64::from(rng.random_range(1..=10))
            };
            let delivery = (delivery_mean + 1.3 * normal(&mut rng)).round().max(1.0);
            let new_customer = rng.random::<f64>() < s.new_share;
            let payment = if rng.random::<f64>() < cod {
                "COD"
            } else {
                ["UPI", "Card", "Wallet"][pick(&[0.35, 0.8, 1.0], rng.random::<f64>())]
            };
            let crr = if new_customer {
                0.08 * rng.random::<f64>()
            } else {
                (0.02 - 0.13 * (1.0 - rng.random::<f64>()).ln()).min(0.95)
            };
            let crr = (crr * 1000.0).round() / 1000.0;
            let rating =
                ((rating_mean + 0.6 * normal(&mut rng)).clamp(1.0, 5.0) * 10.0).round() / 10.0;
            let pay_effect = match payment {
                "COD" => 0.60,
                "Wallet" => 0.10,
                "UPI" => -0.05,
                _ => 0.0,
            };
            let z = INTERCEPT
                + logit(base)
                + 0.35 * (price.max(0.01) / median).ln()
                + 0.015 * discount
                + 0.14 * (delivery - 4.0)
                + if new_customer { 0.35 } else { 0.0 }
                + pay_effect
                + 4.0 * (crr - 0.15)
                - 0.55 * (rating - 4.0)
                + hidden
                + if weekend { 0.08 } else { 0.0 };
            let p = 1.0 / (1.0 + (-z).exp());
            let outcome = rng.random::<f64>() < p;
            let secs = rng.random_range(0..86_400u32);
            written += 1;
            let id = format!("ORD{written:08}");
            let ret = if pending {
                ""
            } else {
                labelled += 1;
                returned += u64::from(outcome);
                auc.add(p, outcome);
                if outcome { "1" } else { "0" }
            };
            writeln!(
                orders.rows(),
                "{id},{cat},{price:.2},{discount},{delivery},{},{payment},{crr:.3},{rating:.1},{ret},{},{},{day}T{:02}:{:02}:{:02}",
                if new_customer { "New" } else { "Returning" },
                seller_ids[si],
                mp_ids[s.marketplace],
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            )?;
            writeln!(truth_csv, "{id},{p:.6}")?;
            if written % 100_000 == 0 {
                progress(written);
            }
        }
    }
    orders.finish()?;
    truth_csv.flush()?;
    progress(written);
    Ok(GenerateSummary {
        orders: written,
        labelled,
        returned,
        pending: written - labelled,
        return_rate: if labelled > 0 {
            returned as f64 / labelled as f64
        } else {
            0.0
        },
        bayes_auc: auc.auc(),
    })
}

/// A dataset generated with `opts` into a temporary directory and loaded strictly, for the
/// unit tests of what is computed from data.
#[cfg(test)]
pub(crate) fn generated(opts: &GenerateOptions) -> super::Dataset {
    let dir = tempfile::tempdir().expect("a temporary directory");
    generate(dir.path(), opts, &mut |_| {}).expect("generated");
    let strict = super::LoadOptions::strict();
    super::load_dir(dir.path(), &strict).expect("loaded").0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seller_names_are_unique_for_the_default_size() {
        let names: std::collections::HashSet<_> = (0..40).map(seller_name).collect();
        assert_eq!(names.len(), 40);
    }

    #[test]
    fn pick_respects_weights() {
        let cdf = [1.0, 1.0, 3.0];
        assert_eq!(pick(&cdf, 0.0), 0);
        assert_eq!(pick(&cdf, 0.5), 2);
        assert_eq!(pick(&cdf, 0.999), 2);
    }
}
