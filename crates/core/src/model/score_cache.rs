//! The scores of every order under the registry's active models, kept beside the dataset
//! cache (`.returnrisk/cache/scores.bin`), so a start on unchanged data and models scores
//! nothing: at 10M orders scoring is the longest step after loading.
//!
//! ```text
//! "RRSCORES" | version u32 | header length u32 | header JSON | orders u64 | checksum u64
//! | risk f64[orders] | own model u8[orders]
//! ```
//!
//! The key is the data fingerprint and the version (run) of every active model; artifacts
//! of a run never change, so equal keys mean equal scores. A set that is not registered
//! (trained but not saved) has no versions and is never cached. A damaged file is rescored
//! and rewritten, never trusted.
//!
//! When orders were appended (new days), the fingerprint changes but the cached orders are
//! still the first ones: the header also keeps a digest of everything scoring reads of the
//! scored orders (each one's seller id and feature values, levels by name; the feature
//! names). Same model versions and the same digest over the first orders of the new data:
//! those scores are kept and only the orders after them are scored (scoring one order does
//! not depend on the others, bit for bit).

use super::{ModelSet, Scores, VersionRef, score_orders_from};
use crate::data::Dataset;
use crate::data::features::{FeatureValues, MISSING_LEVEL};
use crate::util::checksum;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"RRSCORES";

/// Version of the layout; another version is rescored.
pub const VERSION: u32 = 2;

/// Where the scores of data directory `dir` are kept.
pub fn scores_path(dir: &Path) -> PathBuf {
    dir.join(".returnrisk").join("cache").join("scores.bin")
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
struct Key {
    fingerprint: u64,
    orders: usize,
    versions: BTreeMap<String, VersionRef>,
}

/// What the file says about its scores.
#[derive(Serialize, Deserialize)]
struct Header {
    key: Key,
    /// [`digest`] of the scored orders.
    digest: u64,
}

/// Whether the scores came from the file or were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoresFrom {
    /// Read back.
    Cache,
    /// Computed now (and written when the set is registered).
    Scored,
    /// The first orders read back, the appended ones computed.
    Appended {
        /// How many orders were scored now.
        scored: usize,
    },
}

/// The scores of every order of `ds` under `set`: read back when the file holds them for
/// this data and these model versions (or for its first orders: then only the others are
/// scored), else computed; written when anything was scored.
pub fn load_or_score(ds: &Dataset, set: &ModelSet) -> (Scores, ScoresFrom) {
    let key = Key {
        fingerprint: ds.fingerprint,
        orders: ds.orders.len(),
        versions: set.versions.clone(),
    };
    let cacheable = !set.versions.is_empty();
    let path = scores_path(&ds.dir);
    let cached = match cacheable.then(|| read(&path, &key, ds)) {
        Some(Ok(cached)) => cached,
        Some(Err(why)) => {
            tracing::warn!("{}: {why}; scoring again", path.display());
            None
        }
        None => None,
    };
    let (scores, from) = match cached {
        Some(scores) if scores.risk.len() == key.orders => return (scores, ScoresFrom::Cache),
        Some(mut scores) => {
            let more = score_orders_from(ds, set, scores.risk.len());
            let scored = more.risk.len();
            scores.risk.extend(more.risk);
            scores.own_model.extend(more.own_model);
            (scores, ScoresFrom::Appended { scored })
        }
        None => (score_orders_from(ds, set, 0), ScoresFrom::Scored),
    };
    if cacheable && let Err(e) = write(&path, &key, digest(ds, key.orders), &scores) {
        tracing::info!("scores not kept: {}: {e}", path.display());
    }
    (scores, from)
}

/// A digest of what scoring reads of the first `n` orders of `ds`: the feature names, and
/// per order its seller's id and each feature's value (numbers by their bits, levels and
/// categories by name, so codes renumbered by a new level do not matter).
fn digest(ds: &Dataset, n: usize) -> u64 {
    let name = |s: &str| checksum(s.as_bytes());
    let fold = |values: &mut dyn Iterator<Item = u64>| {
        values.fold(0x9e37_79b9_7f4a_7c15u64, |h, v| {
            (h ^ v).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29)
        })
    };
    let o = &ds.orders;
    let sellers: Vec<u64> = ds.sellers.iter().map(|s| name(&s.id)).collect();
    let categories: Vec<u64> = ds.categories.iter().map(|c| name(c)).collect();
    let columns: Vec<u64> = o
        .features
        .par_iter()
        .map(|f| {
            let column = match &f.values {
                FeatureValues::Numeric(v) => fold(&mut v[..n].iter().map(|x| x.to_bits())),
                FeatureValues::Price => fold(&mut o.price[..n].iter().map(|x| x.to_bits())),
                FeatureValues::Category => {
                    fold(&mut o.category[..n].iter().map(|&c| categories[c as usize]))
                }
                FeatureValues::Categorical { codes, levels } => {
                    let levels: Vec<u64> = levels.iter().map(|l| name(l)).collect();
                    fold(&mut codes[..n].iter().map(|&k| match k {
                        MISSING_LEVEL => u64::MAX,
                        k => levels[k as usize],
                    }))
                }
            };
            column ^ name(&f.spec.name)
        })
        .collect();
    let seller_column = fold(&mut o.seller[..n].iter().map(|&s| sellers[s as usize]));
    fold(&mut columns.into_iter().chain([seller_column, n as u64]))
}

/// The scores the file holds for `key`, or for the first orders of `ds` (fewer scores than
/// orders); `None` when it holds neither.
fn read(path: &Path, key: &Key, ds: &Dataset) -> Result<Option<Scores>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let cut = || "cut short".to_string();
    let word = |at: usize, n: usize| bytes.get(at..at + n).ok_or_else(cut);
    if word(0, 8)? != MAGIC {
        return Err("not a scores file".into());
    }
    let version = u32::from_le_bytes(crate::util::array(word(8, 4)?));
    if version != VERSION {
        return Err(format!(
            "scores version {version} (this build writes {VERSION})"
        ));
    }
    let header_len = u32::from_le_bytes(crate::util::array(word(12, 4)?)) as usize;
    let header: Header =
        serde_json::from_slice(word(16, header_len)?).map_err(|e| e.to_string())?;
    let stored = &header.key;
    let first_orders = stored.versions == key.versions
        && stored.orders < key.orders
        && digest(ds, stored.orders) == header.digest;
    if stored != key && !first_orders {
        return Ok(None);
    }
    let at = 16 + header_len;
    let n = u64::from_le_bytes(crate::util::array(word(at, 8)?)) as usize;
    let sum = u64::from_le_bytes(crate::util::array(word(at + 8, 8)?));
    let body = bytes.get(at + 16..).ok_or_else(cut)?;
    if n != stored.orders || body.len() != n * 9 {
        return Err(cut());
    }
    if checksum(body) != sum {
        return Err("checksum mismatch".into());
    }
    let (risk, own) = body.split_at(n * 8);
    Ok(Some(Scores {
        risk: risk
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(crate::util::array(c)))
            .collect(),
        own_model: own.iter().map(|&b| b != 0).collect(),
    }))
}

fn write(path: &Path, key: &Key, digest: u64, scores: &Scores) -> std::io::Result<()> {
    let key = serde_json::to_vec(&Header {
        key: key.clone(),
        digest,
    })?;
    let mut body = Vec::with_capacity(scores.risk.len() * 9);
    for r in &scores.risk {
        body.extend_from_slice(&r.to_le_bytes());
    }
    body.extend(scores.own_model.iter().map(|&b| u8::from(b)));
    let mut out = Vec::with_capacity(body.len() + key.len() + 32);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(&key);
    out.extend_from_slice(&(scores.risk.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&body).to_le_bytes());
    out.extend_from_slice(&body);
    crate::util::write_atomic(path, &out)
}
