//! The drift reports of a start, kept beside the scores (`.returnrisk/cache/drift.json`): they
//! depend only on the data, the active models (their reference period and their scores) and
//! the current windows, so a start with unchanged data and models reads them back instead of
//! comparing every column of the training period again (most of `report`'s time at 10M).
//!
//! ```text
//! RRDRIFT <version> <checksum of the JSON, hex>\n
//! {"key": {...}, "reports": [...]}
//! ```
//!
//! Unregistered model sets (no versions) are never kept; a file cut short, corrupted or of
//! another version is recomputed and rewritten, never trusted.

use super::reference::ReferenceMemo;
use super::report::{DriftError, DriftReport, drift_reports, drift_reports_keeping};
use crate::data::Dataset;
use crate::model::{ModelSet, Scores, VersionRef};
use crate::util::checksum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the file (and of the report's computation): another one is recomputed.
pub const VERSION: u32 = 1;

/// Where the drift reports of data directory `dir` are kept.
pub fn drift_path(dir: &Path) -> PathBuf {
    dir.join(".returnrisk").join("cache").join("drift.json")
}

#[derive(PartialEq, Serialize, Deserialize)]
struct Key {
    fingerprint: u64,
    orders: usize,
    versions: BTreeMap<String, VersionRef>,
    windows: Vec<u32>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    key: Key,
    reports: Vec<DriftReport>,
}

/// Whether the reports came from the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftFrom {
    /// Read back.
    Cache,
    /// Computed now (and kept when the set is registered).
    Computed,
}

/// [`drift_reports`] over every marketplace for `windows`, read back when the file holds them
/// for this data, these model versions and these windows. With a `memo`, a computation takes
/// the reference samples from it or keeps them there ([`drift_reports_keeping`]).
pub fn load_or_compute(
    ds: &Dataset,
    set: &ModelSet,
    scores: &Scores,
    windows: &[u32],
    memo: Option<&ReferenceMemo>,
) -> Result<(Vec<DriftReport>, DriftFrom), DriftError> {
    let key = Key {
        fingerprint: ds.fingerprint,
        orders: ds.orders.len(),
        versions: set.versions.clone(),
        windows: windows.to_vec(),
    };
    let cacheable = !set.versions.is_empty();
    let path = drift_path(&ds.dir);
    if cacheable {
        match read(&path, &key) {
            Ok(Some(reports)) => return Ok((reports, DriftFrom::Cache)),
            Ok(None) => {}
            Err(why) => tracing::warn!("{}: {why}; computing the drift again", path.display()),
        }
    }
    let reports = match memo {
        Some(memo) => drift_reports_keeping(ds, set, scores, windows, memo),
        None => drift_reports(ds, Some(set), Some(scores), windows, None)?,
    };
    if cacheable {
        let stored = Stored { key, reports };
        if let Err(e) = write(&path, &stored) {
            tracing::info!("drift not kept: {}: {e}", path.display());
        }
        return Ok((stored.reports, DriftFrom::Computed));
    }
    Ok((reports, DriftFrom::Computed))
}

fn read(path: &Path, key: &Key) -> Result<Option<Vec<DriftReport>>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let newline = bytes.iter().position(|&b| b == b'\n').ok_or("cut short")?;
    let header = std::str::from_utf8(&bytes[..newline]).map_err(|_| "not a drift file")?;
    let mut words = header.split(' ');
    if words.next() != Some("RRDRIFT") {
        return Err("not a drift file".into());
    }
    let version = words.next().and_then(|v| v.parse::<u32>().ok());
    if version != Some(VERSION) {
        return Err(format!("another version ({header})"));
    }
    let sum = words.next().and_then(|s| u64::from_str_radix(s, 16).ok());
    let body = &bytes[newline + 1..];
    if sum != Some(checksum(body)) {
        return Err("checksum mismatch".into());
    }
    let stored: Stored = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok((stored.key == *key).then_some(stored.reports))
}

fn write(path: &Path, stored: &Stored) -> std::io::Result<()> {
    let body = serde_json::to_vec(stored)?;
    let mut out = format!("RRDRIFT {VERSION} {:016x}\n", checksum(&body)).into_bytes();
    out.extend_from_slice(&body);
    crate::util::write_atomic(path, &out)
}
