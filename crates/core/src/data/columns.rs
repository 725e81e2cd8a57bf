//! The dataset cache's body ([`super::cache`]): a JSON meta block, then every column as the
//! little-endian values the machine holds, each starting at a multiple of 8 bytes in the
//! file, so a read maps them where they are ([`Column::mapped`]) instead of decoding them;
//! and a checksum over it all, summed in parallel blocks.

use super::cache::{Meta, Stored};
use super::column::{Column, Plain};
use super::features::FeatureValues;
use super::ids::OrderIds;
use super::{Dataset, LoadReport, Orders};
use memmap2::Mmap;
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Every column starts at a multiple of this many bytes in the file.
const ALIGN: u64 = 8;

/// Writes bytes and counts where in the file they end.
struct Placed<'a, W> {
    out: &'a mut W,
    at: u64,
}

impl<W: Write> Placed<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.at += bytes.len() as u64;
        self.out.write_all(bytes)
    }
    /// Zeroes up to the next multiple of [`ALIGN`], then `values`.
    fn column<T: Plain>(&mut self, values: &Column<T>) -> std::io::Result<()> {
        let pad = (ALIGN - self.at % ALIGN) % ALIGN;
        self.put(&[0; ALIGN as usize][..pad as usize])?;
        self.put(values.as_bytes())
    }
}

/// Writes the body for `ds` to `out`, which is at byte `at` of the file.
pub(super) fn encode(
    ds: &Dataset,
    report: &LoadReport,
    at: u64,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let o = &ds.orders;
    let meta = serde_json::to_vec(&Meta::of(ds, report))?;
    let mut w = Placed { out, at };
    w.put(&(meta.len() as u64).to_le_bytes())?;
    w.put(&meta)?;
    let (text, ends) = o.id.columns();
    w.column(ends)?;
    w.column(text)?;
    w.column(&o.category)?;
    w.column(&o.price)?;
    w.column(&o.returned)?;
    w.column(&o.seller)?;
    w.column(&o.day)?;
    for f in &o.features {
        match &f.values {
            FeatureValues::Numeric(v) => w.column(v)?,
            FeatureValues::Categorical { codes, .. } => w.column(codes)?,
            FeatureValues::Category | FeatureValues::Price => {}
        }
    }
    Ok(())
}

/// The dataset and report in the body at bytes `body` of `map` (the data directory is
/// `dir`): every column a range of the map, checked (bounds, alignment, values, indices).
pub(super) fn decode(
    map: &Arc<Mmap>,
    body: std::ops::Range<usize>,
    dir: &Path,
) -> Result<(Dataset, LoadReport), String> {
    let mut r = Reader::new(map.get(body.clone()).ok_or("cut short")?);
    r.base = body.start;
    let meta_len = r.u64()? as usize;
    let meta: Meta = serde_json::from_slice(r.take(meta_len)?).map_err(|e| e.to_string())?;
    let n = meta.orders;
    let ends: Column<u64> = r.column(map, n)?;
    let text_len = ends
        .last()
        .map_or(Ok(0), |&e| usize::try_from(e))
        .map_err(|e| e.to_string())?;
    let text: Column<u8> = r.column(map, text_len)?;
    let (id, columns) = rayon::join(
        || OrderIds::from_columns(text, ends).ok_or("an order id is outside the text"),
        || columns(&mut r, map, &meta, n),
    );
    let (mut orders, values) = columns?;
    orders.id = id?;
    meta.dataset(dir, orders, values)
}

/// Every column after the ids (the orders' `id` left empty), and each feature's values.
fn columns(
    r: &mut Reader<'_>,
    map: &Arc<Mmap>,
    meta: &Meta,
    n: usize,
) -> Result<(Orders, Vec<(usize, FeatureValues)>), String> {
    let category: Column<u16> = r.column(map, n)?;
    let price = r.column(map, n)?;
    let returned = r.column(map, n)?;
    let seller: Column<u32> = r.column(map, n)?;
    let day = r.column(map, n)?;
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
            Stored::Numeric => FeatureValues::Numeric(r.column(map, n)?),
            Stored::Categorical(levels) => FeatureValues::Categorical {
                codes: r.column(map, n)?,
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

/// Bytes per block of [`checksum`].
const BLOCK: usize = 1 << 20;

/// The body's checksum: each block of [`BLOCK`] bytes summed on its own (in parallel, in
/// four lanes of 8-byte words), then the blocks' sums in order. Every step is a bijection
/// of the running sum for a given word, so any one changed word changes it.
pub fn checksum(bytes: &[u8]) -> u64 {
    let blocks: Vec<u64> = bytes.par_chunks(BLOCK).map(block_sum).collect();
    blocks.into_iter().fold(SEED ^ bytes.len() as u64, mix)
}

const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29)
}

fn block_sum(block: &[u8]) -> u64 {
    let word = |b: &[u8]| u64::from_le_bytes(crate::util::array(b));
    let mut lanes = [SEED, SEED ^ 1, SEED ^ 2, SEED ^ 3];
    let mut quads = block.chunks_exact(32);
    for q in &mut quads {
        for (k, lane) in lanes.iter_mut().enumerate() {
            *lane = mix(*lane, word(&q[8 * k..8 * k + 8]));
        }
    }
    let h = lanes.into_iter().fold(SEED, mix);
    quads
        .remainder()
        .iter()
        .fold(h, |h, &b| mix(h, u64::from(b)))
}

/// Reads values off a byte slice; any shortfall is an error.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Where `bytes` start in the file.
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            at: 0,
            base: 0,
        }
    }
    /// `n` values of the next column of `map` (after the padding to [`ALIGN`]).
    fn column<T: Plain>(&mut self, map: &Arc<Mmap>, n: usize) -> Result<Column<T>, String> {
        let pad = (ALIGN as usize - (self.base + self.at) % ALIGN as usize) % ALIGN as usize;
        self.take(pad)?;
        let start = self.base + self.at;
        self.take(n.checked_mul(std::mem::size_of::<T>()).ok_or("cut short")?)?;
        Column::mapped(map, start, n)
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("cut short")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(super) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(crate::util::array(self.take(4)?)))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(crate::util::array(self.take(8)?)))
    }
    /// Bytes not read yet.
    pub(super) fn rest(&self) -> usize {
        self.bytes.len() - self.at
    }
    pub(crate) fn is_at_end(&self) -> bool {
        self.at == self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_changes_with_any_byte_and_the_length() {
        let bytes: Vec<u8> = (0..2 * BLOCK + 37).map(|i| (i * 31 % 251) as u8).collect();
        let sum = checksum(&bytes);
        let edges = [
            0,
            7,
            8,
            31,
            32,
            BLOCK - 1,
            BLOCK,
            2 * BLOCK + 4,
            2 * BLOCK + 36,
        ];
        for at in edges.into_iter().chain((0..bytes.len()).step_by(4093)) {
            let mut changed = bytes.clone();
            changed[at] ^= 0x10;
            assert_ne!(checksum(&changed), sum, "byte {at}");
        }
        assert_ne!(checksum(&bytes[..bytes.len() - 1]), sum);
        let mut moved = bytes.clone();
        moved.swap(0, BLOCK);
        assert_ne!(checksum(&moved), sum, "blocks are summed in order");
    }
}
