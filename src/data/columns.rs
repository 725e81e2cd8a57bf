//! The dataset cache's body ([`super::cache`]): a JSON meta block, then every column as
//! little-endian arrays, and a fast checksum over it all.

use super::cache::{Meta, Stored};
use super::features::FeatureValues;
use super::ids::OrderIds;
use super::{Dataset, LoadReport, Orders};
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;

pub(super) use crate::util::checksum;

/// Appends fixed-width values as little-endian bytes.
macro_rules! put {
    ($out:expr, $values:expr) => {
        for v in $values {
            $out.write_all(&v.to_le_bytes())?;
        }
    };
}

/// Writes the body for `ds` to `out` (buffered: values go one at a time).
pub(super) fn encode(
    ds: &Dataset,
    report: &LoadReport,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let o = &ds.orders;
    let meta = serde_json::to_vec(&Meta::of(ds, report))?;
    out.write_all(&(meta.len() as u64).to_le_bytes())?;
    out.write_all(&meta)?;
    out.write_all(&0u64.to_le_bytes())?;
    put!(out, o.id.ends());
    out.write_all(o.id.text().as_bytes())?;
    put!(out, &o.category);
    put!(out, &o.price);
    put!(
        out,
        o.returned.iter().map(|r| match r {
            None => 2u8,
            Some(false) => 0,
            Some(true) => 1,
        })
    );
    put!(out, &o.seller);
    put!(out, &o.day);
    for f in &o.features {
        match &f.values {
            FeatureValues::Numeric(v) => put!(out, v),
            FeatureValues::Categorical { codes, .. } => put!(out, codes),
            FeatureValues::Category | FeatureValues::Price => {}
        }
    }
    Ok(())
}

/// Reads `n` fixed-width values (in parallel chunks: the cache's columns are hundreds of MB).
macro_rules! take {
    ($r:expr, $ty:ty, $n:expr) => {{
        const W: usize = std::mem::size_of::<$ty>();
        $r.take($n * W)?
            .par_chunks_exact(W)
            .map(|c| <$ty>::from_le_bytes(c.try_into().expect("width")))
            .collect::<Vec<$ty>>()
    }};
}

/// The dataset and report in a body (the data directory is `dir`). The order ids and the
/// other columns are decoded side by side.
pub(super) fn decode(body: &[u8], dir: &Path) -> Result<(Dataset, LoadReport), String> {
    let mut r = Reader::new(body);
    let meta_len = r.u64()? as usize;
    let meta: Meta = serde_json::from_slice(r.take(meta_len)?).map_err(|e| e.to_string())?;
    let n = meta.orders;
    if r.u64()? != 0 {
        return Err("the order ids do not start at 0".into());
    }
    let ends = take!(r, u64, n);
    let text = r.take(*ends.last().unwrap_or(&0) as usize)?;
    let (id, columns) = rayon::join(|| ids(ends, text), || columns(&mut r, &meta, n));
    let (mut orders, values) = columns?;
    orders.id = id?;
    meta.dataset(dir, orders, values)
}

/// The order ids: `text` cut at each id's end.
fn ids(ends: Vec<u64>, text: &[u8]) -> Result<OrderIds, String> {
    let text = std::str::from_utf8(text).map_err(|e| e.to_string())?;
    OrderIds::from_parts(text.to_string(), ends)
        .ok_or_else(|| "an order id is outside the text".into())
}

/// Every column after the ids (the orders' `id` left empty), and each feature's values.
fn columns(
    r: &mut Reader<'_>,
    meta: &Meta,
    n: usize,
) -> Result<(Orders, Vec<(usize, FeatureValues)>), String> {
    let category = take!(r, u16, n);
    let price = take!(r, f64, n);
    let labels = r.take(n)?;
    if labels.par_iter().any(|&b| b > 2) {
        return Err("a label is not 0, 1 or pending".into());
    }
    let returned = labels
        .par_iter()
        .map(|b| match b {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        })
        .collect();
    let seller = take!(r, u32, n);
    let day = take!(r, i32, n);
    if seller.par_iter().any(|&s| s as usize >= meta.sellers.len())
        || category
            .par_iter()
            .any(|&c| c as usize >= meta.categories.len())
    {
        return Err("a seller or category index is out of range".into());
    }
    let mut values = Vec::with_capacity(meta.features.len());
    for (missing, stored) in &meta.features {
        let v = match stored {
            Stored::Category => FeatureValues::Category,
            Stored::Price => FeatureValues::Price,
            Stored::Numeric => FeatureValues::Numeric(take!(r, f64, n)),
            Stored::Categorical(levels) => FeatureValues::Categorical {
                codes: take!(r, u32, n),
                levels: levels.clone(),
            },
        };
        values.push((*missing, v));
    }
    if !r.is_at_end() {
        return Err("bytes after the last column".into());
    }
    let orders = Orders {
        id: OrderIds::default(),
        category,
        price,
        returned,
        seller,
        day,
        features: Vec::new(),
    };
    Ok((orders, values))
}

/// Reads values off a byte slice; any shortfall is an error.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("cut short")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(super) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
    pub(super) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8")))
    }
    pub(super) fn is_at_end(&self) -> bool {
        self.at == self.bytes.len()
    }
}
