//! Olist-shaped tables of any size for the import benchmark: orders drawn with replacement
//! from a real Olist directory, each with fresh order, customer and review ids (its items,
//! payments and reviews copied along); products, sellers and category names are the
//! source's. Customers keep their person (`customer_unique_id`), so repeat buyers and their
//! review histories grow with the size, as in a real marketplace.

use super::tables::{OlistTables, read_tables};
use color_eyre::eyre::{Result, WrapErr};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::fmt::Write as _;
use std::path::Path;

fn time(t: Option<chrono::NaiveDateTime>) -> String {
    t.map_or(String::new(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// Writes `orders` resampled orders (seeded by `seed`) from the Olist tables in `src` into
/// `out`, as Olist CSV files.
pub fn resample(src: &Path, out: &Path, orders: usize, seed: u64) -> Result<()> {
    let t = read_tables(src)?;
    std::fs::create_dir_all(out).wrap_err_with(|| format!("cannot create {}", out.display()))?;
    let text = tables_csv(&t, orders, seed);
    for (name, body) in text {
        let path = out.join(name);
        std::fs::write(&path, body).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    for name in [
        "olist_products_dataset.csv",
        "olist_sellers_dataset.csv",
        "product_category_name_translation.csv",
    ] {
        let from = t
            .files
            .iter()
            .find(|f| f.path.file_name().is_some_and(|n| n == name))
            .map_or_else(|| src.join(name), |f| f.path.clone());
        std::fs::copy(&from, out.join(name))
            .wrap_err_with(|| format!("cannot copy {}", from.display()))?;
    }
    Ok(())
}

/// The five per-order tables as CSV text, by file name.
fn tables_csv(t: &OlistTables, orders: usize, seed: u64) -> Vec<(&'static str, String)> {
    let items = t.items_by_order();
    let reviews = t.reviews_by_order();
    let mut o_csv = String::from(
        "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date\n",
    );
    let mut c_csv = String::from(
        "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state\n",
    );
    let mut i_csv = String::from(
        "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n",
    );
    let mut p_csv = String::from(
        "order_id,payment_sequential,payment_type,payment_installments,payment_value\n",
    );
    let mut r_csv = String::from(
        "review_id,order_id,review_score,review_comment_title,review_comment_message,review_creation_date,review_answer_timestamp\n",
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for k in 0..orders {
        let o = &t.orders[rng.random_range(0..t.orders.len())];
        let id = format!("{k:08x}{}", o.id.get(8..).unwrap_or(&o.id));
        let customer = format!("c{k:08x}");
        let _ = writeln!(
            o_csv,
            "{id},{customer},{},{},,,{},{}",
            o.status,
            time(Some(o.purchased)),
            time(o.delivered),
            time(o.estimated)
        );
        if let Some(c) = t.customers.get(&o.customer) {
            let _ = writeln!(c_csv, "{customer},{},,,{}", c.unique, c.state);
        }
        for it in items.get(o.id.as_str()).into_iter().flatten() {
            let _ = writeln!(
                i_csv,
                "{id},{},{},{},,{:.2},{:.2}",
                it.item, it.product, it.seller, it.price, it.freight
            );
        }
        for p in t.payments.get(&o.id).into_iter().flatten() {
            let _ = writeln!(
                p_csv,
                "{id},{},{},{},{:.2}",
                p.sequential, p.kind, p.installments, p.value
            );
        }
        for (j, r) in reviews.get(o.id.as_str()).into_iter().flatten().enumerate() {
            let _ = writeln!(
                r_csv,
                "r{k:08x}{j},{id},{},,,{},",
                r.score,
                time(Some(r.created))
            );
        }
    }
    vec![
        ("olist_orders_dataset.csv", o_csv),
        ("olist_customers_dataset.csv", c_csv),
        ("olist_order_items_dataset.csv", i_csv),
        ("olist_order_payments_dataset.csv", p_csv),
        ("olist_order_reviews_dataset.csv", r_csv),
    ]
}
