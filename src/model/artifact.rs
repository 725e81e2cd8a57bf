//! A run's model artifacts on disk: `models.bin`, a versioned and checked binary layout.
//!
//! ```text
//! magic "RRMODELS" | layout version u32 LE | zstd frame (with its content checksum):
//!     meta length u64 | meta: the ModelSet as JSON with every tree's nodes left out
//!     per forest (global, then sellers by id), per tree:
//!         nodes u32 | has covers u8 | features u16[nodes] | values f64[nodes] | covers u32[nodes]
//! ```
//!
//! Children are not stored: trees are laid out breadth first with each split's children
//! adjacent, so the k-th split's left child is node `2k + 1`. Values stay f64, so a model
//! read back scores exactly like the one written. Runs written before this layout keep
//! their `models.json` (read as before: an older format, migrated in memory).

use super::ModelSet;
use super::forest::{CompactForest, CompactTree, Node};

/// The artifacts file of a run written by this build.
pub const FILE: &str = "models.bin";

/// The artifacts file of runs written before the binary layout (JSON).
pub const LEGACY_FILE: &str = "models.json";

/// First bytes of every `models.bin`.
const MAGIC: &[u8; 8] = b"RRMODELS";

/// Version of the binary layout; bump when it changes.
pub const LAYOUT_VERSION: u32 = 1;

/// zstd level: fast to write (seconds for a thousand forests) and still small.
const LEVEL: i32 = 3;

/// A feature index that marks a leaf in the file.
const LEAF_FEATURE: u16 = u16::MAX;

/// Why artifacts could not be encoded or decoded (the caller adds the path).
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// Not a `models.bin` at all.
    #[error("not a returnrisk-tui model file (no RRMODELS header)")]
    NotModels,
    /// A layout this build does not read.
    #[error(
        "model layout version {0} (this build reads {LAYOUT_VERSION}); `returnrisk-tui train` trains models this build can read"
    )]
    Version(u32),
    /// Cut short or corrupted (the checksum or a length disagrees).
    #[error("damaged ({0})")]
    Damaged(String),
    /// A tree this layout cannot hold (too many features, or not laid out breadth first).
    #[error("cannot encode the models: {0}")]
    Encode(String),
}

/// The forests of a set in file order: global first, then sellers by id.
fn forests(set: &ModelSet) -> impl Iterator<Item = &CompactForest> {
    std::iter::once(&set.global.forest).chain(set.sellers.values().map(|m| &m.forest))
}

fn forests_mut(set: &mut ModelSet) -> impl Iterator<Item = &mut CompactForest> {
    std::iter::once(&mut set.global.forest).chain(set.sellers.values_mut().map(|m| &mut m.forest))
}

/// Encodes a model set as the bytes of `models.bin`.
pub fn encode(set: &ModelSet) -> Result<Vec<u8>, ArtifactError> {
    let mut meta = set.clone();
    for f in forests_mut(&mut meta) {
        for t in &mut f.trees {
            t.nodes = Vec::new();
            t.cover = Vec::new();
        }
    }
    let meta = serde_json::to_vec(&meta).map_err(|e| ArtifactError::Encode(e.to_string()))?;
    let mut body = Vec::with_capacity(meta.len() + (1 << 20));
    body.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    body.extend_from_slice(&meta);
    for forest in forests(set) {
        for tree in &forest.trees {
            encode_tree(tree, &mut body)?;
        }
    }
    let mut out = Vec::with_capacity(body.len() / 3);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&LAYOUT_VERSION.to_le_bytes());
    let mut enc = zstd::stream::Encoder::new(&mut out, LEVEL)
        .map_err(|e| ArtifactError::Encode(e.to_string()))?;
    enc.include_checksum(true)
        .map_err(|e| ArtifactError::Encode(e.to_string()))?;
    std::io::Write::write_all(&mut enc, &body).map_err(|e| ArtifactError::Encode(e.to_string()))?;
    enc.finish()
        .map_err(|e| ArtifactError::Encode(e.to_string()))?;
    Ok(out)
}

fn encode_tree(tree: &CompactTree, out: &mut Vec<u8>) -> Result<(), ArtifactError> {
    let mut splits = 0u32;
    for n in &tree.nodes {
        if !is_leaf(n) {
            if n.left != 2 * splits + 1 {
                return Err(ArtifactError::Encode(
                    "a tree is not laid out breadth first".into(),
                ));
            }
            if n.feature >= u32::from(LEAF_FEATURE) {
                return Err(ArtifactError::Encode(format!(
                    "feature {} is too large",
                    n.feature
                )));
            }
            splits += 1;
        }
    }
    let has_cover = !tree.cover.is_empty();
    out.extend_from_slice(&(tree.nodes.len() as u32).to_le_bytes());
    out.push(u8::from(has_cover));
    for n in &tree.nodes {
        let f = if is_leaf(n) {
            LEAF_FEATURE
        } else {
            n.feature as u16
        };
        out.extend_from_slice(&f.to_le_bytes());
    }
    for n in &tree.nodes {
        out.extend_from_slice(&n.value.to_le_bytes());
    }
    if has_cover {
        for c in &tree.cover {
            out.extend_from_slice(&c.to_le_bytes());
        }
    }
    Ok(())
}

fn is_leaf(n: &Node) -> bool {
    n.feature == u32::MAX
}

/// Decodes the bytes of `models.bin` (the trees are checked by the caller).
pub fn decode(bytes: &[u8]) -> Result<ModelSet, ArtifactError> {
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(ArtifactError::NotModels);
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != LAYOUT_VERSION {
        return Err(ArtifactError::Version(version));
    }
    let body = zstd::stream::decode_all(&bytes[12..])
        .map_err(|e| ArtifactError::Damaged(e.to_string()))?;
    let mut r = Reader {
        bytes: &body,
        at: 0,
    };
    let meta_len = r.u64()? as usize;
    let meta = r.take(meta_len)?;
    let mut set: ModelSet =
        serde_json::from_slice(meta).map_err(|e| ArtifactError::Damaged(e.to_string()))?;
    for forest in forests_mut(&mut set) {
        for tree in &mut forest.trees {
            *tree = decode_tree(&mut r)?;
        }
    }
    if r.at != body.len() {
        return Err(ArtifactError::Damaged(format!(
            "{} bytes after the last tree",
            body.len() - r.at
        )));
    }
    Ok(set)
}

fn decode_tree(r: &mut Reader) -> Result<CompactTree, ArtifactError> {
    let n = r.u32()? as usize;
    let has_cover = r.take(1)?[0] != 0;
    let features = r.take(n * 2)?;
    let values = r.take(n * 8)?;
    let mut splits = 0u32;
    let nodes = features
        .chunks_exact(2)
        .zip(values.chunks_exact(8))
        .map(|(f, v)| {
            let f = u16::from_le_bytes([f[0], f[1]]);
            let value = f64::from_le_bytes(v.try_into().expect("8 bytes"));
            if f == LEAF_FEATURE {
                Node {
                    value,
                    feature: u32::MAX,
                    left: 0,
                }
            } else {
                splits += 1;
                Node {
                    value,
                    feature: u32::from(f),
                    left: 2 * splits - 1,
                }
            }
        })
        .collect();
    let cover = if has_cover {
        r.take(n * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect()
    } else {
        Vec::new()
    };
    Ok(CompactTree { nodes, cover })
}

/// Reads little-endian values off a byte slice, any shortfall an error.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ArtifactError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| ArtifactError::Damaged("cut short".into()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, ArtifactError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, ArtifactError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}
