//! A columnar cache of the validated dataset (`.returnrisk/cache/dataset.bin`), so a start
//! on unchanged data reads columns instead of parsing and validating every row again.
//!
//! ```text
//! "RRDATA\0\0" | version u32 | header length u32 | header JSON (the key)
//! | body length u64 | body checksum u64 | body: meta length u64 | meta JSON | columns
//! ```
//!
//! Each column starts at a multiple of 8 bytes in the file (zeroes before it), so the
//! dataset read from the cache maps its columns where they are ([`super::Column`]).
//!
//! The key is the input files' size, modification time and inode (every part of a
//! partitioned table), and `--strict`. The date range the rows were validated with is kept
//! beside it: another range reads the cache only when it keeps every order kept and no row
//! was skipped just for its date (so the default range, which moves every day, does not
//! invalidate it). A cache whose key differs, or whose files changed less than [`RACY_SECONDS`] before it
//! was written (a change within the clock's granularity would not show in the stamps), is
//! not used: the data is loaded from the files and the cache rewritten (temp + rename). A
//! file of another version, cut short or failing its checksum is rebuilt, never trusted.

use super::PARTITIONED_TABLES;
use super::dates::DateRange;
use super::features::{FeatureColumn, FeatureValues};
use super::id_index::KnownIds;
use super::partitioned::part_files;
use super::{Dataset, LoadError, LoadOptions, LoadReport, Orders, RowError, Seller};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

const MAGIC: &[u8; 8] = b"RRDATA\0\0";

/// Version of the cache layout; a cache of another version is rebuilt.
pub const VERSION: u32 = 3;

/// Files changed this close to the cache's writing are not trusted by their stamps.
pub const RACY_SECONDS: i128 = 2;

/// The files a load reads (whichever exist).
const KEYED_FILES: [&str; 5] = [
    "orders.csv",
    "orders.parquet",
    "sellers.csv",
    "sellers.parquet",
    "schema.toml",
];

/// Where the cache of data directory `dir` lives.
pub fn cache_path(dir: &Path) -> PathBuf {
    dir.join(".returnrisk").join("cache").join("dataset.bin")
}

/// How a dataset was obtained, for logs and `bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Read from the cache.
    Cache,
    /// Loaded from the files; the cache was written.
    Files,
    /// Loaded from the files; no cache was written (the reason is logged).
    FilesUncached,
    /// Read from the cache, with the new parts of a partitioned `orders/` appended.
    Appended,
}

/// One input file's stamp: absent, or its size, modification time and inode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    name: String,
    len: u64,
    mtime_ns: i128,
    inode: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Key {
    files: Vec<Stamp>,
    strict: bool,
}

/// The files a dataset was read from, as they were when read, so that an append reads only
/// the parts added since ([`load_onto`]). Not part of the dataset's value: datasets equal
/// in every other field are equal whatever files they were read from.
#[derive(Clone, Default)]
pub struct Origin(Option<Arc<Key>>);

impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

// Not part of the value either: a dataset's debug text is the same whatever its files.
impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Origin")
    }
}

/// The date range a cache was validated with, and what that range decided.
#[derive(Serialize, Deserialize)]
struct Dates {
    first: NaiveDate,
    last: NaiveDate,
    /// Rows skipped only for their date.
    out_of_range: usize,
    /// First and last day of the orders kept.
    days: Option<(i32, i32)>,
}

impl Dates {
    /// Whether loading with `range` gives what this cache holds: the same range, or (the
    /// default range moves with the date) one that keeps every order kept and where no row
    /// was skipped only for its date (a row with another problem is checked for that first).
    fn serve(&self, range: DateRange) -> bool {
        let same = (self.first, self.last) == (range.first, range.last);
        let inside = |d: i32| super::day_to_date(d).is_some_and(|x| range.contains(x));
        same || (self.out_of_range == 0 && self.days.is_some_and(|(a, b)| inside(a) && inside(b)))
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    key: Key,
    dates: Dates,
    written_ns: i128,
}

fn nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

fn key_of(dir: &Path, opts: &LoadOptions) -> Key {
    use std::os::unix::fs::MetadataExt;
    // The part files of partitioned tables (a part added or removed is another key).
    let parts = PARTITIONED_TABLES
        .iter()
        .filter(|t| dir.join(t).is_dir())
        .flat_map(|t| part_files(dir, &dir.join(t)).unwrap_or_default())
        .map(|p| p.name);
    let files = KEYED_FILES
        .iter()
        .map(std::string::ToString::to_string)
        .chain(parts)
        .filter_map(|name| {
            let m = std::fs::metadata(dir.join(&name)).ok()?;
            Some(Stamp {
                name,
                len: m.len(),
                mtime_ns: m.modified().map_or(0, nanos),
                inode: m.ino(),
            })
        })
        .collect();
    Key {
        files,
        strict: opts.strict,
    }
}

/// What the cache holds for the files as they are now.
enum Cached {
    /// The dataset of exactly these files.
    Same(Dataset, LoadReport),
    /// The dataset of the first `parts` parts of a partitioned `orders/`, which has gained
    /// parts after them (everything else unchanged).
    Extended {
        dataset: Dataset,
        report: LoadReport,
        parts: usize,
    },
    /// Nothing usable: no cache, or one for other files or dates.
    Nothing,
}

/// Loads `dir` like [`super::load_dir`], from the cache when it is valid for the files as
/// they are now; else from the files, then writes the cache. When the only change is new
/// parts of a partitioned `orders/` sorting after the cached ones, only those are read and
/// appended (the same dataset as a full load; see `append`).
pub fn load(dir: &Path, opts: &LoadOptions) -> Result<(Dataset, LoadReport, Source), LoadError> {
    let key = key_of(dir, opts);
    let path = cache_path(dir);
    let cached = read(&path, &key, opts.dates, dir).unwrap_or_else(|why| {
        tracing::warn!("{}: {why}; rebuilding it from the data", path.display());
        Cached::Nothing
    });
    let appended = match cached {
        Cached::Same(mut ds, report) => {
            ds.origin = Origin(Some(Arc::new(key)));
            return Ok((ds, report, Source::Cache));
        }
        Cached::Extended {
            dataset,
            report,
            parts,
        } => {
            let all = part_files(dir, &dir.join("orders"))?;
            let new = all.get(parts..).unwrap_or_default();
            let mut known = KnownIds::default();
            super::append::append_parts(dir, opts, &dataset, report, new, &mut known)?
        }
        Cached::Nothing => None,
    };
    let (source, (mut ds, report)) = match appended {
        Some(loaded) => (Source::Appended, loaded),
        None => (Source::Files, super::load_dir(dir, opts)?),
    };
    // The files must not have changed while they were read.
    if key_of(dir, opts) != key {
        return Ok((ds, report, uncached(source)));
    }
    ds.origin = Origin(Some(Arc::new(key)));
    let written = store(&ds, &report, opts);
    Ok((ds, report, if written { source } else { uncached(source) }))
}

/// `base` (read by [`load`] or by this) with the parts its partitioned `orders/` gained
/// since it was read, reading and validating only those; `known` indexes `base`'s ids and
/// then the result's (see [`KnownIds`]). `None` when the files changed otherwise, or a new
/// row needs the others (see `append`): a [`load`] is then needed. `base` is not changed
/// and its columns are shared, and the cache is not written: [`store`] does that, after
/// the caller has shown the result.
pub fn load_onto(
    base: &Dataset,
    report: &LoadReport,
    known: &mut KnownIds,
    opts: &LoadOptions,
) -> Result<Option<(Dataset, LoadReport)>, LoadError> {
    let dir = base.dir.as_path();
    let key = key_of(dir, opts);
    let Some(parts) = base.origin.0.as_ref().and_then(|old| extension(old, &key)) else {
        return Ok(None);
    };
    let all = part_files(dir, &dir.join("orders"))?;
    let new = all.get(parts..).unwrap_or_default();
    let appended = super::append::append_parts(dir, opts, base, report.clone(), new, known)?;
    let Some((mut ds, report)) = appended.filter(|_| key_of(dir, opts) == key) else {
        return Ok(None);
    };
    ds.origin = Origin(Some(Arc::new(key)));
    Ok(Some((ds, report)))
}

/// Writes the cache of `ds` (and its load `report`), read by [`load`] or [`load_onto`]
/// from its folder's files as they still are; false when it was not written (the files
/// changed since, or too recently to trust their stamps, or the write failed: logged).
pub fn store(ds: &Dataset, report: &LoadReport, opts: &LoadOptions) -> bool {
    let Some(key) = ds.origin.0.as_deref() else {
        return false;
    };
    let now = nanos(SystemTime::now());
    let racy = key
        .files
        .iter()
        .any(|f| f.mtime_ns > now - RACY_SECONDS * 1_000_000_000);
    if racy || key_of(&ds.dir, opts) != *key {
        return false;
    }
    let dates = Dates {
        first: opts.dates.first,
        last: opts.dates.last,
        out_of_range: report.out_of_range,
        days: ds
            .orders
            .day
            .iter()
            .min()
            .zip(ds.orders.day.iter().max())
            .map(|(a, b)| (*a, *b)),
    };
    let path = cache_path(&ds.dir);
    if let Err(e) = write(&path, key, dates, now, ds, report) {
        tracing::info!("no dataset cache: {}: {e}", path.display());
        return false;
    }
    true
}

/// `source` when the cache could not be written.
fn uncached(source: Source) -> Source {
    match source {
        Source::Files => Source::FilesUncached,
        other => other,
    }
}

/// How many leading parts of `new`'s partitioned `orders/` are `old`'s, when `old` differs
/// from `new` only by parts added after them.
fn extension(old: &Key, new: &Key) -> Option<usize> {
    let split = |k: &Key| -> (Vec<Stamp>, Vec<Stamp>) {
        k.files
            .iter()
            .cloned()
            .partition(|f| f.name.starts_with("orders/"))
    };
    let ((old_parts, old_rest), (new_parts, new_rest)) = (split(old), split(new));
    // An orders.parquet is read instead of orders/.
    let whole = new_rest.iter().any(|f| f.name == "orders.parquet");
    let extends = !old_parts.is_empty()
        && new_parts.len() > old_parts.len()
        && new_parts[..old_parts.len()] == old_parts[..];
    (old.strict == new.strict && old_rest == new_rest && !whole && extends)
        .then_some(old_parts.len())
}

/// What the cache at `path` holds for files `key` and dates `range`; `Err` when it is
/// damaged.
fn read(path: &Path, key: &Key, range: DateRange, dir: &Path) -> Result<Cached, String> {
    let bytes = match map(path) {
        Ok(b) => Arc::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Cached::Nothing),
        Err(e) => return Err(e.to_string()),
    };
    let mut r = super::columns::Reader::new(&bytes);
    if r.take(8)? != MAGIC {
        return Err("not a dataset cache".into());
    }
    let version = r.u32()?;
    if version != VERSION {
        return Err(format!(
            "cache version {version} (this build writes {VERSION})"
        ));
    }
    let header_len = r.u32()? as usize;
    let header: Header = serde_json::from_slice(r.take(header_len)?).map_err(|e| e.to_string())?;
    let extended = if &header.key == key {
        None
    } else {
        match extension(&header.key, key) {
            Some(parts) => Some(parts),
            None => return Ok(Cached::Nothing),
        }
    };
    let racy = header
        .key
        .files
        .iter()
        .any(|f| f.mtime_ns > header.written_ns - RACY_SECONDS * 1_000_000_000);
    if racy || !header.dates.serve(range) {
        return Ok(Cached::Nothing);
    }
    let body_len = r.u64()? as usize;
    let checksum = r.u64()?;
    let body_start = bytes.len() - r.take(body_len)?.len() - r.rest();
    if !r.is_at_end() {
        return Err("bytes after the body".into());
    }
    let body = body_start..body_start + body_len;
    // The checksum is summed while the columns are checked; a mismatch discards them.
    let (sum, decoded) = rayon::join(
        || super::columns::checksum(&bytes[body.clone()]),
        || super::columns::decode(&bytes, body.clone(), dir),
    );
    if sum != checksum {
        return Err("checksum mismatch".into());
    }
    let (dataset, report) = decoded?;
    Ok(match extended {
        None => Cached::Same(dataset, report),
        Some(parts) => Cached::Extended {
            dataset,
            report,
            parts,
        },
    })
}

/// The cache file's bytes, mapped into memory: the dataset's columns are read where they
/// are for as long as it lives ([`super::Column`]), not copied into fresh memory.
fn map(path: &Path) -> std::io::Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the map is only read, and the cache is only ever replaced by a rename (a new
    // file; this map keeps the old one), never rewritten in place, so the mapped file does
    // not change under it. Another program truncating it in place would be a crash (SIGBUS),
    // as with any mapped file; one cut short before is caught by the length checks.
    unsafe { memmap2::MmapOptions::new().populate().map(&file) }
}

fn write(
    path: &Path,
    key: &Key,
    dates: Dates,
    now: i128,
    ds: &Dataset,
    report: &LoadReport,
) -> std::io::Result<()> {
    let header = serde_json::to_vec(&Header {
        key: key.clone(),
        dates,
        written_ns: now,
    })?;
    crate::util::write_atomic_with(path, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut *f);
        w.write_all(MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&(header.len() as u32).to_le_bytes())?;
        w.write_all(&header)?;
        // The body's length and checksum, filled in once it is written.
        let sums_at = (MAGIC.len() + 8 + header.len()) as u64;
        w.write_all(&[0; 16])?;
        super::columns::encode(ds, report, sums_at + 16, &mut w)?;
        w.flush()?;
        drop(w);
        // SAFETY: the temp file is this process's own, not yet renamed into place.
        let map = unsafe { memmap2::Mmap::map(&*f)? };
        let body = &map[sums_at as usize + 16..];
        let sums = [(body.len() as u64), super::columns::checksum(body)];
        drop(map);
        f.seek(SeekFrom::Start(sums_at))?;
        f.write_all(&sums[0].to_le_bytes())?;
        f.write_all(&sums[1].to_le_bytes())
    })
}

/// What the cache keeps besides the columns.
#[derive(Serialize, Deserialize)]
pub(super) struct Meta {
    pub(super) orders: usize,
    pub(super) sellers: Vec<Seller>,
    pub(super) categories: Vec<String>,
    pub(super) marketplaces: Vec<String>,
    pub(super) fingerprint: u64,
    pub(super) skipped_rows: usize,
    pub(super) errors: Vec<RowError>,
    pub(super) warnings: Vec<String>,
    pub(super) missing: Vec<(String, usize)>,
    pub(super) out_of_range: usize,
    /// Per feature (the schema's order): its missing count and how its values are kept.
    pub(super) features: Vec<(usize, Stored)>,
}

/// How a feature's values are kept in the cache.
#[derive(Serialize, Deserialize)]
pub(super) enum Stored {
    /// The orders' category column.
    Category,
    /// The orders' price column.
    Price,
    /// An f64 column.
    Numeric,
    /// A u32 code column with these levels.
    Categorical(Vec<String>),
}

impl Meta {
    pub(super) fn of(ds: &Dataset, report: &LoadReport) -> Meta {
        Meta {
            orders: ds.orders.len(),
            sellers: ds.sellers.clone(),
            categories: ds.categories.clone(),
            marketplaces: ds.marketplaces.clone(),
            fingerprint: ds.fingerprint,
            skipped_rows: report.skipped_rows,
            errors: report.errors.clone(),
            warnings: report.warnings.clone(),
            missing: report.missing.clone(),
            out_of_range: report.out_of_range,
            features: ds
                .orders
                .features
                .iter()
                .map(|f| {
                    let stored = match &f.values {
                        FeatureValues::Category => Stored::Category,
                        FeatureValues::Price => Stored::Price,
                        FeatureValues::Numeric(_) => Stored::Numeric,
                        FeatureValues::Categorical { levels, .. } => {
                            Stored::Categorical(levels.clone())
                        }
                    };
                    (f.missing, stored)
                })
                .collect(),
        }
    }

    /// The dataset around decoded `orders` and feature `values` (the schema read from
    /// `dir`, as a load does; its features must be the cached ones).
    pub(super) fn dataset(
        self,
        dir: &Path,
        mut orders: Orders,
        values: Vec<(usize, FeatureValues)>,
    ) -> Result<(Dataset, LoadReport), String> {
        let schema = super::schema::load_schema(dir).map_err(|e| e.to_string())?;
        if schema.features.len() != values.len() {
            return Err("the schema's features are not the cached ones".into());
        }
        orders.features = schema
            .features
            .iter()
            .zip(values)
            .map(|(spec, (missing, values))| FeatureColumn {
                spec: spec.clone(),
                values,
                missing,
            })
            .collect();
        let mut ds = Dataset {
            dir: dir.to_path_buf(),
            orders,
            sellers: self.sellers,
            categories: self.categories,
            marketplaces: self.marketplaces,
            fingerprint: self.fingerprint,
            schema,
            roles: Default::default(),
            origin: Default::default(),
        };
        ds.roles = ds.find_roles();
        let report = LoadReport {
            skipped_rows: self.skipped_rows,
            errors: self.errors,
            warnings: self.warnings,
            missing: self.missing,
            out_of_range: self.out_of_range,
        };
        Ok((ds, report))
    }
}
