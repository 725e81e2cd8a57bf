//! One model as an ONNX graph: each feature a one-dimensional input (one value per order, as
//! MLflow's ONNX flavour feeds a table's columns) as the data holds it (a number as a
//! double, NaN when missing; a level as a string), encoded inside the graph exactly as
//! [`FeatureEncoder`] does, then the forest as an `ai.onnx.ml` `TreeEnsemble` (opset 5)
//! whose splits, leaf values and output are doubles, averaged over the trees: the risk, as
//! `predict` computes it (a float32 output rounded it by up to 3e-8). Field numbers are onnx.proto's.

use super::proto::Message;
use crate::model::TrainedModel;
use crate::model::features::Encoding;
use crate::model::forest::CompactForest;

/// ONNX's IR version (ONNX 1.16 and later read it, as `TreeEnsemble` needs).
const IR_VERSION: i64 = 10;
/// The default domain's opset (IsNaN, Where, Cast, Gather, Concat).
pub const OPSET: i64 = 17;
/// The `ai.onnx.ml` opset: `TreeEnsemble`, in double precision throughout.
pub const ML_OPSET: i64 = 5;
/// The machine-learning operators' domain.
const ML: &str = "ai.onnx.ml";
/// The output's name.
pub const OUTPUT: &str = "risk";
/// The initializer holding the axis Unsqueeze adds.
const COLUMN_AXES: &str = "column_axes";

/// TensorProto data types.
const UINT8: i64 = 2;
const INT64: i64 = 7;
const STRING: i64 = 8;
const DOUBLE: i64 = 11;

/// The ONNX file of `model`, with `metadata` as the model's key-value properties.
pub fn model_bytes(model: &TrainedModel, metadata: &[(String, String)]) -> Vec<u8> {
    let mut g = Message::new();
    g.string(2, "returnrisk");
    // Each encoded value [N] becomes a column [N, 1] of the feature matrix.
    g.message(5, &tensor_i64(COLUMN_AXES, &[1], &[1]));
    let column = |g: &mut Message, value: &str| {
        let col = format!("{value}/column");
        g.message(
            1,
            &node("Unsqueeze", "", &[value, COLUMN_AXES], &[&col], &[]),
        );
        col
    };
    let mut columns = Vec::new();
    let mut flags = Vec::new();
    for f in &model.encoder.features {
        let name = f.name.as_str();
        match &f.encoding {
            Encoding::Number { fill, flag } => {
                g.message(11, &value_info(name, DOUBLE, &[]));
                let (missing, fill_name, value) = (
                    format!("{name}/missing"),
                    format!("{name}/fill"),
                    format!("{name}/value"),
                );
                g.message(5, &tensor_f64(&fill_name, &[1], &[*fill]));
                g.message(1, &node("IsNaN", "", &[name], &[&missing], &[]));
                let inputs = [missing.as_str(), fill_name.as_str(), name];
                g.message(1, &node("Where", "", &inputs, &[&value], &[]));
                if *flag {
                    let out = format!("{name}/missing_flag");
                    let to = attr_int("to", DOUBLE);
                    g.message(1, &node("Cast", "", &[&missing], &[&out], &[to]));
                    flags.push(column(&mut g, &out));
                }
                columns.push(column(&mut g, &value));
            }
            Encoding::Levels { codes, unseen } => {
                g.message(11, &value_info(name, STRING, &[]));
                let (index, table, value) = (
                    format!("{name}/index"),
                    format!("{name}/codes"),
                    format!("{name}/value"),
                );
                let (keys, ids, table_values) = level_table(codes.iter(), *unseen);
                g.message(
                    5,
                    &tensor_f64(&table, &[table_values.len() as i64], &table_values),
                );
                let attrs = [
                    attr_strings("keys_strings", &keys),
                    attr_ints("values_int64s", &ids),
                    attr_int("default_int64", table_values.len() as i64 - 1),
                ];
                g.message(1, &node("LabelEncoder", ML, &[name], &[&index], &attrs));
                let axis = attr_int("axis", 0);
                g.message(
                    1,
                    &node("Gather", "", &[&table, &index], &[&value], &[axis]),
                );
                columns.push(column(&mut g, &value));
            }
        }
    }
    columns.extend(flags);
    let inputs: Vec<&str> = columns.iter().map(String::as_str).collect();
    let concat = [attr_int("axis", 1)];
    g.message(1, &node("Concat", "", &inputs, &["features"], &concat));
    g.message(1, &ensemble(&model.forest));
    g.message(12, &value_info(OUTPUT, DOUBLE, &[1]));
    debug_assert_eq!(inputs.len(), model.encoder.width());
    model_message(&g, metadata).into_bytes()
}

/// A level's keys (as spelled, in lower case and in upper case, as the loader matches
/// levels ignoring case), each key's row in the code table, and the table: the codes, then
/// the unseen level's.
fn level_table<'a>(
    codes: impl Iterator<Item = (&'a String, &'a f64)>,
    unseen: f64,
) -> (Vec<String>, Vec<i64>, Vec<f64>) {
    let codes: Vec<(&String, &f64)> = codes.collect();
    let mut keys: Vec<String> = Vec::new();
    let mut ids = Vec::new();
    // Spellings first, so a variant never shadows another level's own spelling.
    for (k, (level, _)) in codes.iter().enumerate() {
        keys.push((*level).clone());
        ids.push(k as i64);
    }
    for (k, (level, _)) in codes.iter().enumerate() {
        for variant in [level.to_lowercase(), level.to_uppercase()] {
            if !keys.contains(&variant) {
                keys.push(variant);
                ids.push(k as i64);
            }
        }
    }
    let mut table: Vec<f64> = codes.iter().map(|(_, c)| **c).collect();
    table.push(unseen);
    if keys.is_empty() {
        // LabelEncoder needs a key: the empty string, which is unseen anyway.
        keys.push(String::new());
        ids.push(0);
    }
    (keys, ids, table)
}

/// The forest as an `ai.onnx.ml` `TreeEnsemble` (opset 5) on `features`, averaging the
/// trees' leaves in double precision. Opset 5 lists branches and leaves apart: a branch's
/// child is a branch or a leaf as its `*leafs` flag says, and each tree has a root branch
/// (a tree that is one leaf gets a branch whose two children are that leaf).
fn ensemble(forest: &CompactForest) -> Message {
    let mut b = Branches::default();
    let mut leaf_weights = Vec::new();
    let mut roots = Vec::new();
    for tree in &forest.trees {
        // Each node's id among the branches or among the leaves.
        let mut id = vec![0i64; tree.nodes.len()];
        let (mut branches, mut leaves) = (b.splits.len() as i64, leaf_weights.len() as i64);
        for (i, n) in tree.nodes.iter().enumerate() {
            let next = if tree.is_leaf(i) {
                &mut leaves
            } else {
                &mut branches
            };
            id[i] = *next;
            *next += 1;
            if tree.is_leaf(i) {
                leaf_weights.push(n.value);
            }
        }
        if tree.is_leaf(0) {
            roots.push(b.splits.len() as i64);
            b.push(0, 0.0, (id[0], true), (id[0], true));
            continue;
        }
        roots.push(id[0]);
        for (i, n) in tree.nodes.iter().enumerate() {
            if tree.is_leaf(i) {
                continue;
            }
            // x <= value goes left (the true branch), as CompactTree walks.
            let (l, r) = (n.left as usize, n.left as usize + 1);
            b.push(
                i64::from(n.feature),
                n.value,
                (id[l], tree.is_leaf(l)),
                (id[r], tree.is_leaf(r)),
            );
        }
    }
    let leaves = leaf_weights.len() as i64;
    let branches = b.splits.len() as i64;
    let attrs = [
        attr_int("aggregate_function", AVERAGE),
        attr_int("n_targets", 1),
        attr_int("post_transform", 0),
        attr_ints("tree_roots", &roots),
        attr_ints("nodes_featureids", &b.features),
        attr_tensor("nodes_modes", &tensor_u8(&vec![BRANCH_LEQ; b.splits.len()])),
        attr_tensor("nodes_splits", &tensor_f64("", &[branches], &b.splits)),
        attr_ints("nodes_truenodeids", &b.true_ids),
        attr_ints("nodes_trueleafs", &b.true_leafs),
        attr_ints("nodes_falsenodeids", &b.false_ids),
        attr_ints("nodes_falseleafs", &b.false_leafs),
        attr_ints("leaf_targetids", &vec![0; leaf_weights.len()]),
        attr_tensor("leaf_weights", &tensor_f64("", &[leaves], &leaf_weights)),
    ];
    node("TreeEnsemble", ML, &["features"], &[OUTPUT], &attrs)
}

/// `TreeEnsemble`'s `aggregate_function` for the mean of the trees.
const AVERAGE: i64 = 0;
/// `TreeEnsemble`'s `nodes_modes` for `x <= split`.
const BRANCH_LEQ: u8 = 0;

/// The branches of a `TreeEnsemble`, attribute by attribute.
#[derive(Default)]
struct Branches {
    features: Vec<i64>,
    splits: Vec<f64>,
    true_ids: Vec<i64>,
    true_leafs: Vec<i64>,
    false_ids: Vec<i64>,
    false_leafs: Vec<i64>,
}

impl Branches {
    /// A branch on `feature` at `split`, each child an id and whether it is a leaf.
    fn push(&mut self, feature: i64, split: f64, yes: (i64, bool), no: (i64, bool)) {
        self.features.push(feature);
        self.splits.push(split);
        self.true_ids.push(yes.0);
        self.true_leafs.push(i64::from(yes.1));
        self.false_ids.push(no.0);
        self.false_leafs.push(i64::from(no.1));
    }
}

/// ModelProto around a graph.
fn model_message(graph: &Message, metadata: &[(String, String)]) -> Message {
    let mut m = Message::new();
    m.int(1, IR_VERSION)
        .string(2, "returnrisk-tui")
        .string(3, env!("CARGO_PKG_VERSION"));
    for (domain, version) in [("", OPSET), (ML, ML_OPSET)] {
        let mut o = Message::new();
        o.string(1, domain).int(2, version);
        m.message(8, &o);
    }
    m.message(7, graph);
    for (k, v) in metadata {
        let mut e = Message::new();
        e.string(1, k).string(2, v);
        m.message(14, &e);
    }
    m
}

/// NodeProto.
fn node(op: &str, domain: &str, inputs: &[&str], outputs: &[&str], attrs: &[Message]) -> Message {
    let mut n = Message::new();
    n.strings(1, inputs.iter().copied())
        .strings(2, outputs.iter().copied())
        .string(3, &format!("{op}:{}", outputs.first().unwrap_or(&"")))
        .string(4, op);
    for a in attrs {
        n.message(5, a);
    }
    if !domain.is_empty() {
        n.string(7, domain);
    }
    n
}

/// ValueInfoProto of an `[N, ...]` tensor (`N` orders, any number, then `dims`).
fn value_info(name: &str, elem_type: i64, dims: &[i64]) -> Message {
    let mut rows = Message::new();
    rows.string(2, "N");
    let mut shape = Message::new();
    shape.message(1, &rows);
    for &d in dims {
        let mut dim = Message::new();
        dim.int(1, d);
        shape.message(1, &dim);
    }
    let mut tensor = Message::new();
    tensor.int(1, elem_type).message(2, &shape);
    let mut ty = Message::new();
    ty.message(1, &tensor);
    let mut v = Message::new();
    v.string(1, name).message(2, &ty);
    v
}

/// TensorProto of doubles (raw little-endian data).
fn tensor_f64(name: &str, dims: &[i64], values: &[f64]) -> Message {
    let mut t = Message::new();
    t.ints(1, dims.iter().copied()).int(2, DOUBLE);
    if !name.is_empty() {
        t.string(8, name);
    }
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    t.bytes(9, &raw);
    t
}

/// TensorProto of unsigned bytes (raw data), one dimension.
fn tensor_u8(values: &[u8]) -> Message {
    let mut t = Message::new();
    t.ints(1, [values.len() as i64]).int(2, UINT8);
    t.bytes(9, values);
    t
}

/// TensorProto of 64-bit integers (raw little-endian data).
fn tensor_i64(name: &str, dims: &[i64], values: &[i64]) -> Message {
    let mut t = Message::new();
    t.ints(1, dims.iter().copied())
        .int(2, INT64)
        .string(8, name);
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    t.bytes(9, &raw);
    t
}

/// AttributeProto types.
const ATTR_INT: i64 = 2;
const ATTR_TENSOR: i64 = 4;
const ATTR_INTS: i64 = 7;
const ATTR_STRINGS: i64 = 8;

fn attr(name: &str, ty: i64) -> Message {
    let mut a = Message::new();
    a.string(1, name).int(20, ty);
    a
}

fn attr_int(name: &str, v: i64) -> Message {
    let mut a = attr(name, ATTR_INT);
    a.int(3, v);
    a
}

fn attr_tensor(name: &str, t: &Message) -> Message {
    let mut a = attr(name, ATTR_TENSOR);
    a.message(5, t);
    a
}

fn attr_ints(name: &str, vs: &[i64]) -> Message {
    let mut a = attr(name, ATTR_INTS);
    a.packed_ints(8, vs.iter().copied());
    a
}

fn attr_strings(name: &str, vs: &[String]) -> Message {
    let mut a = attr(name, ATTR_STRINGS);
    a.strings(9, vs.iter().map(String::as_str));
    a
}
