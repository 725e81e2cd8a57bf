//! The scores of every order under the registry's active models, kept beside the dataset
//! cache (`.returnrisk/cache/scores.bin`), so a start on unchanged data and models scores
//! nothing: at 10M orders scoring is the longest step after loading.
//!
//! ```text
//! "RRSCORES" | version u32 | key length u32 | key JSON | orders u64 | checksum u64
//! | risk f64[orders] | own model u8[orders]
//! ```
//!
//! The key is the data fingerprint and the version (run) of every active model; artifacts
//! of a run never change, so equal keys mean equal scores. A set that is not registered
//! (trained but not saved) has no versions and is never cached. A damaged file is rescored
//! and rewritten, never trusted.

use super::{ModelSet, Scores, VersionRef, score_dataset};
use crate::data::Dataset;
use crate::util::checksum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"RRSCORES";

/// Version of the layout; another version is rescored.
pub const VERSION: u32 = 1;

/// Where the scores of data directory `dir` are kept.
pub fn scores_path(dir: &Path) -> PathBuf {
    dir.join(".returnrisk").join("cache").join("scores.bin")
}

#[derive(PartialEq, Serialize, Deserialize)]
struct Key {
    fingerprint: u64,
    orders: usize,
    versions: BTreeMap<String, VersionRef>,
}

/// Whether the scores came from the file or were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoresFrom {
    /// Read back.
    Cache,
    /// Computed now (and written when the set is registered).
    Scored,
}

/// The scores of every order of `ds` under `set`: read back when the file holds them for
/// this data and these model versions, else computed and written.
pub fn load_or_score(ds: &Dataset, set: &ModelSet) -> (Scores, ScoresFrom) {
    let key = Key {
        fingerprint: ds.fingerprint,
        orders: ds.orders.len(),
        versions: set.versions.clone(),
    };
    let cacheable = !set.versions.is_empty();
    let path = scores_path(&ds.dir);
    if cacheable {
        match read(&path, &key) {
            Ok(Some(scores)) => return (scores, ScoresFrom::Cache),
            Ok(None) => {}
            Err(why) => tracing::warn!("{}: {why}; scoring again", path.display()),
        }
    }
    let scores = score_dataset(ds, set);
    if cacheable && let Err(e) = write(&path, &key, &scores) {
        tracing::info!("scores not kept: {}: {e}", path.display());
    }
    (scores, ScoresFrom::Scored)
}

fn read(path: &Path, key: &Key) -> Result<Option<Scores>, String> {
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
    let version = u32::from_le_bytes(word(8, 4)?.try_into().expect("4"));
    if version != VERSION {
        return Err(format!(
            "scores version {version} (this build writes {VERSION})"
        ));
    }
    let key_len = u32::from_le_bytes(word(12, 4)?.try_into().expect("4")) as usize;
    let stored: Key = serde_json::from_slice(word(16, key_len)?).map_err(|e| e.to_string())?;
    if &stored != key {
        return Ok(None);
    }
    let at = 16 + key_len;
    let n = u64::from_le_bytes(word(at, 8)?.try_into().expect("8")) as usize;
    let sum = u64::from_le_bytes(word(at + 8, 8)?.try_into().expect("8"));
    let body = bytes.get(at + 16..).ok_or_else(cut)?;
    if n != key.orders || body.len() != n * 9 {
        return Err(cut());
    }
    if checksum(body) != sum {
        return Err("checksum mismatch".into());
    }
    let (risk, own) = body.split_at(n * 8);
    Ok(Some(Scores {
        risk: risk
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8")))
            .collect(),
        own_model: own.iter().map(|&b| b != 0).collect(),
    }))
}

fn write(path: &Path, key: &Key, scores: &Scores) -> std::io::Result<()> {
    let key = serde_json::to_vec(key)?;
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
