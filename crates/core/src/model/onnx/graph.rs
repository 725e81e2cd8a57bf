//! One model as an ONNX graph: each feature a one-dimensional input (one value per order, as
//! MLflow's ONNX flavour feeds a table's columns) as the data holds it (a number as a
//! double, NaN when missing; a level as a string), encoded inside the graph exactly as
//! [`FeatureEncoder`] does, then the forest as an `ai.onnx.ml` `TreeEnsembleRegressor` whose
//! thresholds and leaf values are doubles (`*_as_tensor`), averaged over the trees: the
//! risk. Field numbers are onnx.proto's.

use super::proto::Message;
use crate::model::TrainedModel;
use crate::model::features::Encoding;
use crate::model::forest::CompactForest;

/// ONNX's IR version (ONNX 1.10 and later read it).
const IR_VERSION: i64 = 8;
/// The default domain's opset (IsNaN, Where, Cast, Gather, Concat).
pub const OPSET: i64 = 17;
/// The `ai.onnx.ml` opset: `TreeEnsembleRegressor` with double attributes.
pub const ML_OPSET: i64 = 3;
/// The machine-learning operators' domain.
const ML: &str = "ai.onnx.ml";
/// The output's name.
pub const OUTPUT: &str = "risk";
/// The initializer holding the axis Unsqueeze adds.
const COLUMN_AXES: &str = "column_axes";

/// TensorProto data types.
const FLOAT: i64 = 1;
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
    g.message(12, &value_info(OUTPUT, FLOAT, &[1]));
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

/// The forest as a `TreeEnsembleRegressor` on `features`, averaging the trees' leaves.
fn ensemble(forest: &CompactForest) -> Message {
    let mut tree_ids = Vec::new();
    let mut node_ids = Vec::new();
    let mut feature_ids = Vec::new();
    let mut modes = Vec::new();
    let mut thresholds = Vec::new();
    let mut true_ids = Vec::new();
    let mut false_ids = Vec::new();
    let (mut leaf_trees, mut leaf_nodes, mut leaf_values) = (Vec::new(), Vec::new(), Vec::new());
    for (t, tree) in forest.trees.iter().enumerate() {
        for (i, n) in tree.nodes.iter().enumerate() {
            tree_ids.push(t as i64);
            node_ids.push(i as i64);
            if tree.is_leaf(i) {
                feature_ids.push(0);
                modes.push("LEAF".to_string());
                thresholds.push(0.0);
                true_ids.push(0);
                false_ids.push(0);
                leaf_trees.push(t as i64);
                leaf_nodes.push(i as i64);
                leaf_values.push(n.value);
            } else {
                // x <= value goes left (the true branch), as CompactTree walks.
                feature_ids.push(i64::from(n.feature));
                modes.push("BRANCH_LEQ".to_string());
                thresholds.push(n.value);
                true_ids.push(i64::from(n.left));
                false_ids.push(i64::from(n.left) + 1);
            }
        }
    }
    let n = thresholds.len() as i64;
    let leaves = leaf_values.len() as i64;
    let attrs = [
        attr_string("aggregate_function", "AVERAGE"),
        attr_int("n_targets", 1),
        attr_string("post_transform", "NONE"),
        attr_ints("nodes_treeids", &tree_ids),
        attr_ints("nodes_nodeids", &node_ids),
        attr_ints("nodes_featureids", &feature_ids),
        attr_strings("nodes_modes", &modes),
        attr_tensor("nodes_values_as_tensor", &tensor_f64("", &[n], &thresholds)),
        attr_ints("nodes_truenodeids", &true_ids),
        attr_ints("nodes_falsenodeids", &false_ids),
        attr_ints("target_treeids", &leaf_trees),
        attr_ints("target_nodeids", &leaf_nodes),
        attr_ints("target_ids", &vec![0; leaf_values.len()]),
        attr_tensor(
            "target_weights_as_tensor",
            &tensor_f64("", &[leaves], &leaf_values),
        ),
    ];
    node(
        "TreeEnsembleRegressor",
        ML,
        &["features"],
        &[OUTPUT],
        &attrs,
    )
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
const ATTR_STRING: i64 = 3;
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

fn attr_string(name: &str, v: &str) -> Message {
    let mut a = attr(name, ATTR_STRING);
    a.string(4, v);
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
