//! A run's model artifacts on disk: `models.bin`, a versioned and checked binary layout.
//!
//! ```text
//! magic "RRMODELS" | layout version u32 LE (2) | forests u32 | frame lengths u64[1 + forests]
//! then zstd frames (each with its content checksum), one after another:
//!     meta: the ModelSet as JSON with every tree's nodes left out
//!     one per forest (global, then sellers by id), per tree:
//!         nodes u32 | has covers u8 | features u16[nodes] | values f64[nodes] | covers u32[nodes]
//! ```
//!
//! Each forest is a frame of its own, so a reader decodes only the forests it needs (the
//! active set takes a few sellers from each of several runs) and decodes them in parallel.
//! Layout 1 (one frame holding the meta and every forest) is still read, whole.
//!
//! Children are not stored: trees are laid out breadth first with each split's children
//! adjacent, so the k-th split's left child is node `2k + 1`. Values stay f64, so a model
//! read back scores exactly like the one written. Runs written before this layout keep
//! their `models.json` (read as before: an older format, migrated in memory).

use super::forest::{CompactForest, CompactTree, Node};
use super::{GLOBAL, ModelSet};
use rayon::prelude::*;
use std::io::Read as _;

/// The artifacts file of a run written by this build.
pub const FILE: &str = "models.bin";

/// What development builds before the binary layout wrote instead (JSON): recognised only
/// to say that `train` makes models this build reads.
pub const OLDER_BUILD_FILE: &str = "models.json";

/// What to do with artifacts an older development build wrote.
pub const OLDER_BUILD: &str = "trained by an older development build: run `returnrisk-tui train` to train models this build reads";

/// First bytes of every `models.bin`.
const MAGIC: &[u8; 8] = b"RRMODELS";

/// Version of the binary layout written; bump when it changes.
pub const LAYOUT_VERSION: u32 = 2;

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
    /// A layout this build does not read: an older development build's, or a newer build's.
    #[error("{}", layout_message(*.0))]
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

/// Encodes a model set as the bytes of `models.bin` (forests compressed in parallel).
pub fn encode(set: &ModelSet) -> Result<Vec<u8>, ArtifactError> {
    let frames = std::iter::once(compress(&meta_json(set)?))
        .chain(
            forests(set)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|forest| {
                    let mut body = Vec::new();
                    for tree in &forest.trees {
                        encode_tree(tree, &mut body)?;
                    }
                    compress(&body)
                })
                .collect::<Vec<_>>(),
        )
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(frames.iter().map(Vec::len).sum::<usize>() + 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&LAYOUT_VERSION.to_le_bytes());
    out.extend_from_slice(&(frames.len() as u32 - 1).to_le_bytes());
    for f in &frames {
        out.extend_from_slice(&(f.len() as u64).to_le_bytes());
    }
    for f in &frames {
        out.extend_from_slice(f);
    }
    Ok(out)
}

/// The set as JSON without its trees' nodes and covers.
fn meta_json(set: &ModelSet) -> Result<Vec<u8>, ArtifactError> {
    let mut meta = set.clone();
    for f in forests_mut(&mut meta) {
        for t in &mut f.trees {
            t.nodes = Vec::new();
            t.cover = Vec::new();
        }
    }
    serde_json::to_vec(&meta).map_err(|e| ArtifactError::Encode(e.to_string()))
}

/// One zstd frame with its content checksum.
fn compress(body: &[u8]) -> Result<Vec<u8>, ArtifactError> {
    let encode = |e: std::io::Error| ArtifactError::Encode(e.to_string());
    let mut out = Vec::with_capacity(body.len() / 3);
    let mut enc = zstd::stream::Encoder::new(&mut out, LEVEL).map_err(encode)?;
    enc.include_checksum(true).map_err(encode)?;
    std::io::Write::write_all(&mut enc, body).map_err(encode)?;
    enc.finish().map_err(encode)?;
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
    decode_only(bytes, &|_| true)
}

/// [`decode`] of the forests `wanted` names ([`GLOBAL`] or a seller's id): other sellers are
/// left out of the set, and the global model keeps no trees unless it is wanted.
pub fn decode_only(bytes: &[u8], wanted: &dyn Fn(&str) -> bool) -> Result<ModelSet, ArtifactError> {
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(ArtifactError::NotModels);
    }
    let version = u32::from_le_bytes(crate::util::array(&bytes[8..12]));
    let mut set = match version {
        LAYOUT_VERSION => decode_frames(&bytes[12..], wanted)?,
        _ => return Err(ArtifactError::Version(version)),
    };
    keep_only(&mut set, wanted);
    Ok(set)
}

/// Leaves out of `set` the sellers `wanted` does not name, and the global model's trees
/// unless it names [`GLOBAL`].
pub fn keep_only(set: &mut ModelSet, wanted: &dyn Fn(&str) -> bool) {
    set.sellers.retain(|name, _| wanted(name));
    if !wanted(GLOBAL) {
        set.global.forest.trees.clear();
    }
}

/// Layout 2 after its version: the frame table, the meta, then only the wanted forests'
/// frames, decompressed in parallel.
fn decode_frames(bytes: &[u8], wanted: &dyn Fn(&str) -> bool) -> Result<ModelSet, ArtifactError> {
    let cut = || ArtifactError::Damaged("cut short".into());
    let mut r = Reader { inner: bytes };
    let forests = r.u32()? as usize;
    if forests.saturating_add(1).saturating_mul(8) > r.inner.len() {
        return Err(cut());
    }
    let lengths = (0..=forests)
        .map(|_| usize::try_from(r.u64()?).map_err(|_| cut()))
        .collect::<Result<Vec<usize>, _>>()?;
    let mut frames = Vec::with_capacity(lengths.len());
    for len in lengths {
        let (frame, rest) = r.inner.split_at_checked(len).ok_or_else(cut)?;
        frames.push(frame);
        r.inner = rest;
    }
    if !r.inner.is_empty() {
        let after = r.inner.len();
        return Err(ArtifactError::Damaged(format!(
            "{after} bytes after the last forest"
        )));
    }
    let meta = zstd::stream::decode_all(frames[0]).map_err(damaged)?;
    let mut set: ModelSet =
        serde_json::from_slice(&meta).map_err(|e| ArtifactError::Damaged(e.to_string()))?;
    if forests != 1 + set.sellers.len() {
        return Err(ArtifactError::Damaged(format!(
            "{forests} forests for {} models",
            1 + set.sellers.len()
        )));
    }
    let keep: Vec<bool> = std::iter::once(wanted(GLOBAL))
        .chain(set.sellers.keys().map(|name| wanted(name)))
        .collect();
    let wanted_forests: Vec<(&mut CompactForest, &[u8])> = forests_mut(&mut set)
        .zip(frames[1..].iter().copied())
        .zip(keep)
        .filter_map(|(pair, keep)| keep.then_some(pair))
        .collect();
    wanted_forests
        .into_par_iter()
        .try_for_each(|(forest, frame)| {
            let body = zstd::stream::decode_all(frame).map_err(damaged)?;
            let mut r = Reader { inner: &body[..] };
            for tree in &mut forest.trees {
                *tree = decode_tree(&mut r)?;
            }
            match r.inner.len() {
                0 => Ok(()),
                after => Err(ArtifactError::Damaged(format!(
                    "{after} bytes after a forest's last tree"
                ))),
            }
        })?;
    Ok(set)
}

/// What a layout version other than [`LAYOUT_VERSION`] means for the user.
fn layout_message(version: u32) -> String {
    if version < LAYOUT_VERSION {
        format!("model layout {version}: {OLDER_BUILD}")
    } else {
        format!(
            "model layout {version}, this build reads {LAYOUT_VERSION}: written by a newer returnrisk-tui"
        )
    }
}

fn damaged(e: std::io::Error) -> ArtifactError {
    ArtifactError::Damaged(e.to_string())
}

fn decode_tree<R: std::io::Read>(r: &mut Reader<R>) -> Result<CompactTree, ArtifactError> {
    let n = r.u32()? as usize;
    let has_cover = r.array::<1>()?[0] != 0;
    let features = r.take(n * 2)?;
    let values = r.take(n * 8)?;
    let mut splits = 0u32;
    let nodes = features
        .chunks_exact(2)
        .zip(values.chunks_exact(8))
        .map(|(f, v)| {
            let f = u16::from_le_bytes([f[0], f[1]]);
            let value = f64::from_le_bytes(crate::util::array(v));
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
            .map(|c| u32::from_le_bytes(crate::util::array(c)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(CompactTree { nodes, cover })
}

/// Reads little-endian values off a stream, any shortfall an error.
struct Reader<R: std::io::Read> {
    inner: R,
}

impl<R: std::io::Read> Reader<R> {
    /// The next `n` bytes. The buffer grows with the bytes that arrive, so a damaged length
    /// cannot ask for more memory than the stream holds.
    fn take(&mut self, n: usize) -> Result<Vec<u8>, ArtifactError> {
        let mut out = Vec::with_capacity(n.min(1 << 20));
        let got = std::io::Read::take(&mut self.inner, n as u64)
            .read_to_end(&mut out)
            .map_err(damaged)?;
        if got != n {
            return Err(ArtifactError::Damaged("cut short".into()));
        }
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ArtifactError> {
        let mut out = [0u8; N];
        self.inner
            .read_exact(&mut out)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => ArtifactError::Damaged("cut short".into()),
                _ => damaged(e),
            })?;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32, ArtifactError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, ArtifactError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}
