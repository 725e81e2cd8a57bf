//! The size of a generated dataset, `ORDERS[:SELLERS]` (`bench --scale --sizes`), within what
//! `generate` makes.

use super::generate::{MAX_ORDERS, MAX_SELLERS};

/// One dataset size: orders and sellers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Orders.
    pub orders: u64,
    /// Sellers.
    pub sellers: usize,
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Size, String> {
        let (o, sellers) = s.split_once(':').unwrap_or((s, "1000"));
        let orders = o.replace('_', "").parse().map_err(|_| {
            format!("{s:?}: expected ORDERS[:SELLERS], e.g. 10000000:1000 (bad order count)")
        })?;
        let sellers = sellers
            .parse()
            .map_err(|_| format!("{s:?}: expected ORDERS[:SELLERS] (bad seller count)"))?;
        if !(1..=MAX_ORDERS).contains(&orders) || !(1..=MAX_SELLERS).contains(&(sellers as u64)) {
            return Err(format!(
                "{s:?}: expected 1 to {MAX_ORDERS} orders and 1 to {MAX_SELLERS} sellers"
            ));
        }
        Ok(Size { orders, sellers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_within_what_generate_makes() {
        let s: Size = "10_000_000:500".parse().unwrap();
        assert_eq!((s.orders, s.sellers), (10_000_000, 500));
        assert_eq!("2000".parse::<Size>().unwrap().sellers, 1000);
        for bad in ["0:10", "x:1", "10:0", "5000000000:10"] {
            assert!(bad.parse::<Size>().is_err(), "{bad}");
        }
    }
}
