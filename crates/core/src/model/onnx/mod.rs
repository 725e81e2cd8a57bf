//! ONNX export: every forest of a model set as an ONNX model ([`graph`]) and a manifest
//! ([`Manifest`]) that says which file scores which seller, what the inputs are and what the
//! output means, written to a new folder atomically (a temporary folder renamed into place).

mod data_columns;
mod graph;
mod proto;

pub use data_columns::DataColumns;
pub use graph::{ML_OPSET, OPSET, OUTPUT};

use super::features::Encoding;
use super::runs::fingerprint_hex;
use super::{GLOBAL, ModelSet, TrainedModel};
use crate::config::RiskBands;
use crate::data::schema::{FeatureKind, Schema};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The manifest's format version (a reader refuses others).
pub const MANIFEST_VERSION: u32 = 2;

/// What a program that knows nothing of ours needs to route and score an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `returnrisk-onnx`.
    pub format: String,
    /// [`MANIFEST_VERSION`].
    pub format_version: u32,
    /// The program and version that wrote it.
    pub producer: String,
    /// Which models: `active registry versions` or `run ID`.
    pub source: String,
    /// When the models were trained.
    pub trained_at: String,
    /// Fingerprint of the data they were trained on.
    pub data_fingerprint: String,
    /// The label the risk is the probability of.
    pub label: ManifestLabel,
    /// Risk bands: Medium from `medium`, High from `high`.
    pub risk_bands: RiskBands,
    /// Every model's inputs, one `[N]` tensor each (a value per order).
    pub inputs: Vec<ManifestInput>,
    /// The output.
    pub output: ManifestOutput,
    /// Opsets the files import.
    pub opsets: BTreeMap<String, i64>,
    /// How an order finds its model.
    pub routing: String,
    /// The orders file's column holding the seller's id (what routing reads).
    pub seller_column: String,
    /// The orders file's column holding the order's id.
    pub order_id_column: String,
    /// The models: the global one first, then each seller's own.
    pub models: Vec<ManifestModel>,
    /// The columns a program aggregating the scored orders (the cube) reads.
    pub data: DataColumns,
}

/// The label in words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestLabel {
    /// One order: `return`, `bad review`.
    pub name: String,
    /// Several.
    pub plural: String,
    /// What it means where it is not a return.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

/// One input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestInput {
    /// The input's name (the feature's).
    pub name: String,
    /// The orders file's column it comes from.
    pub column: String,
    /// `double` or `string`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Known levels of a string input (matched as spelled, all lower or all upper case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
    /// Words the file may hold for a number, and the number to feed.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, f64>,
    /// How to give a missing value, and what the model does with it.
    pub missing: String,
}

/// The output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestOutput {
    /// [`OUTPUT`].
    pub name: String,
    /// `double`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `["N", 1]`.
    pub shape: (String, u32),
    /// What it is.
    pub meaning: String,
}

/// One model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestModel {
    /// `global` or the seller's id.
    pub name: String,
    /// Whether it scores its seller's orders (routing uses it); a seller model that does
    /// not (a candidate the registry did not promote) is exported for comparison only.
    pub scores: bool,
    /// The file, relative to the manifest.
    pub file: String,
    /// Registry version, when registered.
    pub version: Option<u32>,
    /// The run that trained it.
    pub run_id: Option<String>,
    /// Decision threshold (F1-best on its holdout).
    pub threshold: f64,
    /// Trees.
    pub trees: usize,
    /// Nodes of all its trees.
    pub nodes: usize,
    /// File size.
    pub bytes: u64,
}

/// What the manifest needs beside the models.
#[derive(Clone, Copy, Debug)]
pub struct ExportContext<'a> {
    /// The data's schema (feature columns, levels, label words).
    pub schema: &'a Schema,
    /// Risk bands in use.
    pub bands: RiskBands,
    /// Which models these are, in words (`active registry versions`, `run ...`).
    pub source: &'a str,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The output folder is there already.
    #[error("{0} exists: the export never replaces a folder; choose a new one or remove it")]
    Exists(PathBuf),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Writes every model of `set` (the global one and each seller's own, the ones that do not
/// score marked so) and the manifest into the new folder `out`; returns the manifest.
pub fn export(set: &ModelSet, cx: &ExportContext, out: &Path) -> Result<Manifest, ExportError> {
    if out.exists() {
        return Err(ExportError::Exists(out.to_path_buf()));
    }
    let io = |path: &Path, source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    crate::util::fill_new_folder(out, |tmp| write_all(set, cx, tmp), io)
}

/// An I/O error at `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The models: the global one, then each seller's own.
fn all_models(set: &ModelSet) -> Vec<(&str, &TrainedModel)> {
    std::iter::once((GLOBAL, &set.global))
        .chain(set.sellers.iter().map(|(id, m)| (id.as_str(), m)))
        .collect()
}

/// A seller's file: its id when that is a plain file name, else its position.
fn file_name(k: usize, name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    match (name, plain) {
        (GLOBAL, _) if k == 0 => "global.onnx".into(),
        (_, true) => format!("sellers/{name}.onnx"),
        _ => format!("sellers/seller-{k}.onnx"),
    }
}

fn write_all(set: &ModelSet, cx: &ExportContext, dir: &Path) -> Result<Manifest, ExportError> {
    std::fs::create_dir_all(dir.join("sellers")).map_err(io(dir))?;
    let label = &cx.schema.label_noun;
    let models = all_models(set);
    let entries: Vec<ManifestModel> = models
        .par_iter()
        .enumerate()
        .map(|(k, (name, m))| {
            let version = set.version_of(name);
            let file = file_name(k, name);
            let mut meta = vec![
                ("model".to_string(), (*name).to_string()),
                ("label".to_string(), label.singular.clone()),
                ("threshold".to_string(), m.metrics.threshold.to_string()),
            ];
            if let Some(v) = version {
                meta.push(("version".into(), v.version.to_string()));
                meta.push(("run_id".into(), v.run_id.clone()));
            }
            let bytes = graph::model_bytes(m, &meta);
            let path = dir.join(&file);
            write_file(&path, &bytes).map_err(io(&path))?;
            Ok(ManifestModel {
                name: (*name).to_string(),
                scores: k == 0 || m.active,
                file,
                version: version.map(|v| v.version),
                run_id: version.map(|v| v.run_id.clone()),
                threshold: m.metrics.threshold,
                trees: m.forest.trees.len(),
                nodes: m.forest.trees.iter().map(|t| t.nodes.len()).sum(),
                bytes: bytes.len() as u64,
            })
        })
        .collect::<Result<_, ExportError>>()?;
    let manifest = Manifest {
        format: "returnrisk-onnx".into(),
        format_version: MANIFEST_VERSION,
        producer: format!("returnrisk-tui {}", env!("CARGO_PKG_VERSION")),
        source: cx.source.to_string(),
        trained_at: set.trained_at.clone(),
        data_fingerprint: fingerprint_hex(set.fingerprint),
        label: ManifestLabel {
            name: label.singular.clone(),
            plural: label.plural.clone(),
            definition: cx.schema.label_definition.clone(),
        },
        risk_bands: cx.bands,
        inputs: inputs(set, cx.schema),
        output: ManifestOutput {
            name: OUTPUT.into(),
            kind: "double".into(),
            shape: ("N".into(), 1),
            meaning: format!(
                "the probability of a {}: the mean of the forest's trees",
                label.singular
            ),
        },
        opsets: BTreeMap::from([(String::new(), OPSET), ("ai.onnx.ml".into(), ML_OPSET)]),
        routing: format!(
            "an order of a seller whose model in models has scores = true scores with that \
             model; every other order with {GLOBAL}"
        ),
        seller_column: cx.schema.seller.clone(),
        order_id_column: cx.schema.order_id.clone(),
        models: entries,
        data: DataColumns::of(cx.schema),
    };
    let path = dir.join(MANIFEST);
    let mut text = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    text.push(b'\n');
    write_file(&path, &text).map_err(io(&path))?;
    Ok(manifest)
}

/// Writes and flushes one file.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The inputs, from the schema's features in the models' order, with every level any
/// model knows.
fn inputs(set: &ModelSet, schema: &Schema) -> Vec<ManifestInput> {
    let models = all_models(set);
    set.global
        .encoder
        .features
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let spec = schema.features.iter().find(|s| s.name == f.name);
            let numeric = matches!(f.encoding, Encoding::Number { .. });
            let levels: BTreeSet<String> = models
                .iter()
                .filter_map(|(_, m)| match &m.encoder.features.get(j)?.encoding {
                    Encoding::Levels { codes, .. } => Some(codes.keys().cloned()),
                    Encoding::Number { .. } => None,
                })
                .flatten()
                .collect();
            debug_assert!(spec.is_none_or(|s| (s.kind == FeatureKind::Numeric) == numeric));
            ManifestInput {
                name: f.name.clone(),
                column: spec.map_or_else(|| f.name.clone(), |s| s.column.clone()),
                kind: if numeric { "double" } else { "string" }.into(),
                levels: (!numeric).then(|| levels.into_iter().collect()),
                values: spec.map(|s| s.values.clone()).unwrap_or_default(),
                missing: if numeric {
                    "NaN: the model uses its training median (and a missing flag when its \
                     training data had missing values)"
                } else {
                    "any string not among levels (or empty): the model uses the overall rate of \
                     its training data"
                }
                .into(),
            }
        })
        .collect()
}
