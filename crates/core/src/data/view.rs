//! A feature's values resolved once, for reading many orders: which vector holds them and
//! how a missing value looks, decided once instead of per order (the cube sums 10M orders).

use super::features::MISSING_LEVEL;

/// A numeric feature's values (`get` is `None` when missing).
#[derive(Clone, Copy, Debug)]
pub enum NumberColumn<'a> {
    /// Not a numeric feature, or no such feature: every value is `None`.
    Absent,
    /// The price column (never missing).
    Price(&'a [f64]),
    /// A numeric column; NaN is missing.
    Numeric(&'a [f64]),
}

impl NumberColumn<'_> {
    /// Order `i`'s value.
    #[inline]
    pub fn get(self, i: usize) -> Option<f64> {
        match self {
            NumberColumn::Absent => None,
            NumberColumn::Price(v) => Some(v[i]),
            NumberColumn::Numeric(v) => Some(v[i]).filter(|x| !x.is_nan()),
        }
    }
}

/// A categorical feature's level indices (`get` is `None` when missing).
#[derive(Clone, Copy, Debug)]
pub enum LevelColumn<'a> {
    /// Not a categorical feature, or no such feature: every level is `None`.
    Absent,
    /// The category column (never missing).
    Category(&'a [u16]),
    /// Level codes; [`MISSING_LEVEL`] is missing.
    Codes(&'a [u32]),
}

impl LevelColumn<'_> {
    /// Order `i`'s level index.
    #[inline]
    pub fn get(self, i: usize) -> Option<u32> {
        match self {
            LevelColumn::Absent => None,
            LevelColumn::Category(v) => Some(u32::from(v[i])),
            LevelColumn::Codes(v) => Some(v[i]).filter(|&k| k != MISSING_LEVEL),
        }
    }
}

/// Whether each order was paid cash on delivery: the payment levels and the COD level
/// (`None` when no order has it).
#[derive(Clone, Copy, Debug)]
pub struct CodColumn<'a> {
    /// The payment feature's levels.
    pub payment: LevelColumn<'a>,
    /// The cash-on-delivery level.
    pub cod: Option<u32>,
}

impl CodColumn<'_> {
    /// Whether order `i` was paid cash on delivery (`None`: unknown payment).
    #[inline]
    pub fn get(self, i: usize) -> Option<bool> {
        let level = self.payment.get(i)?;
        Some(Some(level) == self.cod)
    }
}
