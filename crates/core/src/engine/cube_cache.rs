//! The cube's cells kept beside the dataset cache (`.returnrisk/cache/cube-scored.bin` and
//! `cube-unscored.bin`): they depend only on the data, the scores (the active models'
//! versions), the risk bands and the schema (which features are the rating, the delivery
//! days and the payment method), so a start with nothing changed reads them back instead of
//! summing every order again (a second at 100M orders, half the dashboard's first frame).
//! Each day's sums per marketplace and the rollups are worked out from the cells as a build
//! does, so the cube read back is the one built (tested field by field).
//!
//! ```text
//! "RRCUBE\0\0" | version u32 | 0 u32 | key: fingerprint, orders, versions hash, medium
//! band bits, high band bits, schema hash (u64 each) | body length u64 | body checksum u64
//! | body:
//!     first day i64 | last day i64 | cells u64 | days u64
//!     day_start u64[days + 1] | cells' sums: 15 u64 words each | seller u32[cells]
//!     category u16[cells]
//! ```
//!
//! A file cut short, corrupted, of another version or for other data is rebuilt, never
//! trusted; one that cannot be written only costs the next start a build.

use super::cells::DayCells;
use super::cube::{Cell, Cube};
use crate::config::RiskBands;
use crate::data::{ByteReader, Dataset};
use crate::model::{ModelSet, Scores};
use std::path::{Path, PathBuf};

/// Version of the file; another one is rebuilt.
pub const VERSION: u32 = 2;

const MAGIC: &[u8; 8] = b"RRCUBE\0\0";

/// Words of the key.
const KEY: usize = 6;

/// Bytes before the body.
const HEADER: usize = 8 + 4 + 4 + KEY * 8 + 8 + 8;

/// Where the cube of data directory `dir` is kept, with scores or without.
pub fn cube_path(dir: &Path, scored: bool) -> PathBuf {
    let name = if scored {
        "cube-scored.bin"
    } else {
        "cube-unscored.bin"
    };
    dir.join(".returnrisk").join("cache").join(name)
}

/// Whether the cube came from the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CubeFrom {
    /// Read back.
    Cache,
    /// Built now (and kept when it can be).
    Built,
}

/// [`Cube::build`] of `ds` with the scores of `models` (or none), read back when the file
/// holds it for this data, these model versions and these bands. Unregistered model sets
/// (no versions) are never kept.
pub fn load_or_build(
    ds: &Dataset,
    scored: Option<(&Scores, &ModelSet)>,
    bands: RiskBands,
) -> (Cube, CubeFrom) {
    let versions = match scored {
        None => Some(0),
        Some((_, set)) if set.versions.is_empty() => None,
        Some((_, set)) => serde_json::to_vec(&set.versions)
            .ok()
            .map(|json| crate::util::checksum(&json)),
    };
    let build = || Cube::build(ds, scored.map(|(s, _)| s), bands);
    let Some(versions) = versions.filter(|_| !ds.orders.is_empty()) else {
        return (build(), CubeFrom::Built);
    };
    // The data files' fingerprint does not cover `schema.toml`, which says what the
    // rating, delivery and payment sums read.
    let schema = crate::util::checksum(format!("{:?} {:?}", ds.schema, ds.roles).as_bytes());
    let key = [
        ds.fingerprint,
        ds.orders.len() as u64,
        versions,
        bands.medium.to_bits(),
        bands.high.to_bits(),
        schema,
    ];
    let path = cube_path(&ds.dir, scored.is_some());
    match read(&path, &key, ds) {
        Ok(Some((first_day, last_day, cells))) => {
            let cube = Cube::from_cells(ds, first_day, last_day, scored.is_some(), cells);
            return (cube, CubeFrom::Cache);
        }
        Ok(None) => {}
        Err(why) => tracing::warn!("{}: {why}; building the cube again", path.display()),
    }
    let cube = build();
    if let Err(e) = write(&path, &key, &cube) {
        tracing::info!("cube not kept: {}: {e}", path.display());
    }
    (cube, CubeFrom::Built)
}

/// The cells in the file, `None` when there is none or it is for another key.
fn read(
    path: &Path,
    key: &[u64; KEY],
    ds: &Dataset,
) -> Result<Option<(i32, i32, DayCells)>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    // SAFETY: read only, and only while this function runs; the file is only ever replaced
    // by a rename (a new file), never rewritten in place.
    let map =
        unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(|e| e.to_string())?;
    let bytes = &map[..];
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err("not a cube file".into());
    }
    let mut words = ByteReader::new(&bytes[8..HEADER]);
    let version = words.u64()? as u32;
    if version != VERSION {
        return Err(format!("another version ({version})"));
    }
    let stored: Vec<u64> = (0..KEY).map(|_| words.u64()).collect::<Result<_, _>>()?;
    if stored != key {
        return Ok(None);
    }
    let (len, sum) = (words.u64()?, words.u64()?);
    let body = &bytes[HEADER..];
    if body.len() as u64 != len {
        return Err("cut short".into());
    }
    if crate::data::block_checksum(body) != sum {
        return Err("checksum mismatch".into());
    }
    decode(body, ds).map(Some)
}

/// The cells of a body, checked against `ds` (every seller and category one of its own).
fn decode(body: &[u8], ds: &Dataset) -> Result<(i32, i32, DayCells), String> {
    let mut w = ByteReader::new(body);
    let first_day = w.u64()? as i64 as i32;
    let last_day = w.u64()? as i64 as i32;
    let (n, days) = (w.u64()? as usize, w.u64()? as usize);
    let day_start: Vec<usize> = (0..=days)
        .map(|_| w.u64().map(|v| v as usize))
        .collect::<Result<_, _>>()?;
    let span = i64::from(last_day) - i64::from(first_day) + 1;
    let ordered = day_start.windows(2).all(|p| p[0] <= p[1]);
    if span != days as i64
        || day_start.first() != Some(&0)
        || day_start.last() != Some(&n)
        || !ordered
    {
        return Err("inconsistent days".into());
    }
    let cells = (0..n)
        .map(|_| {
            let mut c = [0u64; 15];
            for v in &mut c {
                *v = w.u64()?;
            }
            Ok(cell_of_words(c))
        })
        .collect::<Result<Vec<Cell>, String>>()?;
    let bytes_of = |width: usize| n.checked_mul(width).ok_or("cut short");
    let seller: Vec<u32> = w
        .take(bytes_of(4)?)?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(crate::util::array(b)))
        .collect();
    let category: Vec<u16> = w
        .take(bytes_of(2)?)?
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    if !w.is_at_end() {
        return Err("bytes after the cells".into());
    }
    if seller.iter().any(|&s| s as usize >= ds.sellers.len())
        || category
            .iter()
            .any(|&c| usize::from(c) >= ds.categories.len())
    {
        return Err("a cell's seller or category is not in the data".into());
    }
    Ok((
        first_day,
        last_day,
        DayCells {
            day_start,
            seller: seller.into(),
            category: category.into(),
            cells: cells.into(),
        },
    ))
}

/// Writes the file as a stream (no copy of the cells in memory), then fills in the body's
/// length and checksum from the file mapped back; replaced by a rename.
fn write(path: &Path, key: &[u64; KEY], cube: &Cube) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::util::write_atomic_with(path, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut *f);
        let mut put = |v: u64| w.write_all(&v.to_le_bytes());
        put(u64::from_le_bytes(*MAGIC))?;
        put(u64::from(VERSION))?;
        for &k in key {
            put(k)?;
        }
        put(0)?; // body length, filled in below
        put(0)?; // body checksum
        put(i64::from(cube.first_day) as u64)?;
        put(i64::from(cube.last_day) as u64)?;
        put(cube.cells.len() as u64)?;
        put(cube.day_start.len() as u64 - 1)?;
        for &d in &cube.day_start {
            put(d as u64)?;
        }
        for c in &cube.cells {
            for v in words_of_cell(c) {
                put(v)?;
            }
        }
        for s in &cube.seller {
            w.write_all(&s.to_le_bytes())?;
        }
        for c in &cube.category {
            w.write_all(&c.to_le_bytes())?;
        }
        w.flush()?;
        drop(w);
        // SAFETY: the temp file is this process's own, not yet renamed into place.
        let map = unsafe { memmap2::Mmap::map(&*f)? };
        let body = &map[HEADER..];
        let sums = [body.len() as u64, crate::data::block_checksum(body)];
        drop(map);
        f.seek(SeekFrom::Start((HEADER - 16) as u64))?;
        f.write_all(&sums[0].to_le_bytes())?;
        f.write_all(&sums[1].to_le_bytes())
    })
}

/// A cell's sums as 15 words: the counts, then the sums' bits.
fn words_of_cell(c: &Cell) -> [u64; 15] {
    [
        c.orders,
        c.labelled,
        c.returned,
        c.high,
        c.cod,
        c.payment_known,
        c.rating_n,
        c.delivery_n,
        c.risk_sum.to_bits(),
        c.risk_sq_sum.to_bits(),
        c.risk_max.to_bits(),
        c.revenue_at_risk.to_bits(),
        c.rating_sum.to_bits(),
        c.delivery_sum.to_bits(),
        c.price_sum.to_bits(),
    ]
}

fn cell_of_words(w: [u64; 15]) -> Cell {
    let f = f64::from_bits;
    Cell {
        orders: w[0],
        labelled: w[1],
        returned: w[2],
        high: w[3],
        cod: w[4],
        payment_known: w[5],
        rating_n: w[6],
        delivery_n: w[7],
        risk_sum: f(w[8]),
        risk_sq_sum: f(w[9]),
        risk_max: f(w[10]),
        revenue_at_risk: f(w[11]),
        rating_sum: f(w[12]),
        delivery_sum: f(w[13]),
        price_sum: f(w[14]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field goes to a word of its own and comes back to the same field (real cells
    /// can hold equal counts in two fields, which would hide a swap).
    #[test]
    fn a_cell_round_trips_field_by_field() {
        let c = Cell {
            orders: 1,
            labelled: 2,
            returned: 3,
            high: 4,
            cod: 5,
            payment_known: 6,
            rating_n: 7,
            delivery_n: 8,
            risk_sum: 9.5,
            risk_sq_sum: 10.5,
            risk_max: 11.5,
            revenue_at_risk: 12.5,
            rating_sum: 13.5,
            delivery_sum: 14.5,
            price_sum: -0.0,
        };
        let words = words_of_cell(&c);
        assert_eq!(words[..8], [1, 2, 3, 4, 5, 6, 7, 8]);
        let back = cell_of_words(words);
        assert_eq!(back, c);
        assert!(back.price_sum.is_sign_negative());
        assert_eq!(back.delivery_sum, 14.5);
        assert_eq!(back.risk_max, 11.5);
    }
}
