//! The binary model artifacts (`models.bin`): a round trip scores exactly as before, it is
//! a fraction of the JSON's size, and a file of another layout version, cut short or
//! corrupted is refused with a message that says so; runs from before keep their JSON.

use returnrisk_tui::config::TrainConfig;
use returnrisk_tui::data::{Dataset, LoadOptions, load_dir};
use returnrisk_tui::model::artifact::{self, ArtifactError, LAYOUT_VERSION};
use returnrisk_tui::model::runs::{artifacts_path, load_run_models};
use returnrisk_tui::model::{ModelSet, score_dataset, train_models};
use std::path::Path;
use std::sync::OnceLock;

/// The demo data, and models trained on it with few trees (seller models included).
fn trained() -> &'static (Dataset, ModelSet) {
    static T: OnceLock<(Dataset, ModelSet)> = OnceLock::new();
    T.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let (ds, _) = load_dir(&dir, &LoadOptions::strict()).unwrap();
        let mut cfg = TrainConfig::default();
        cfg.forest.n_trees = 12;
        let out = train_models(&ds, &cfg, &|_| {}).unwrap();
        assert!(!out.set.sellers.is_empty());
        (ds, out.set)
    })
}

#[test]
fn a_round_trip_gives_the_same_models_and_exactly_the_same_scores() {
    let (ds, set) = trained();
    let bytes = artifact::encode(set).unwrap();
    let back = artifact::decode(&bytes).unwrap();
    assert_eq!(&back, set);
    let (a, b) = (score_dataset(ds, set), score_dataset(ds, &back));
    assert_eq!(a.own_model, b.own_model);
    // Bit for bit, not within a tolerance.
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.risk), bits(&b.risk));
    let json = serde_json::to_vec(set).unwrap().len();
    eprintln!("models.bin {} bytes, JSON {json} bytes", bytes.len());
    assert!(bytes.len() * 4 < json, "{} vs {json}", bytes.len());
}

#[test]
fn another_layout_version_is_refused_saying_what_to_do() {
    let (_, set) = trained();
    let mut bytes = artifact::encode(set).unwrap();
    bytes[8..12].copy_from_slice(&(LAYOUT_VERSION + 1).to_le_bytes());
    let err = artifact::decode(&bytes).unwrap_err();
    assert!(matches!(err, ArtifactError::Version(v) if v == LAYOUT_VERSION + 1));
    assert_eq!(
        err.to_string(),
        format!(
            "model layout version {} (this build reads {LAYOUT_VERSION}); `returnrisk-tui train` trains models this build can read",
            LAYOUT_VERSION + 1
        )
    );
}

#[test]
fn cut_short_corrupted_or_foreign_files_are_refused() {
    let (_, set) = trained();
    let bytes = artifact::encode(set).unwrap();
    for cut in [13, bytes.len() / 2, bytes.len() - 1] {
        let err = artifact::decode(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err, ArtifactError::Damaged(_)),
            "cut at {cut}: {err}"
        );
    }
    // One flipped bit in the middle: zstd's content checksum (or its framing) notices.
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    assert!(artifact::decode(&flipped).is_err());
    for foreign in [&b"{\"format_version\":4}"[..], b"", b"RRMODEL"] {
        assert!(matches!(
            artifact::decode(foreign),
            Err(ArtifactError::NotModels)
        ));
    }
}

#[test]
fn a_run_from_before_the_binary_layout_is_read_from_its_json() {
    let (_, set) = trained();
    let data = tempfile::tempdir().unwrap();
    let run = data.path().join(".returnrisk/runs/20260101T000000Z-old1");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("models.json"), serde_json::to_vec(set).unwrap()).unwrap();
    let id = "20260101T000000Z-old1";
    assert_eq!(artifacts_path(data.path(), id), run.join("models.json"));
    assert_eq!(&load_run_models(data.path(), id).unwrap(), set);
    // Once a binary file is there it is the one read.
    std::fs::write(run.join("models.bin"), b"RRMODELS\x01\0\0\0junk").unwrap();
    assert_eq!(artifacts_path(data.path(), id), run.join("models.bin"));
    let err = load_run_models(data.path(), id).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}: damaged (", run.join("models.bin").display())),
        "{err}"
    );
}

#[test]
fn a_reader_decodes_only_the_forests_it_asks_for() {
    let (_, set) = trained();
    let bytes = artifact::encode(set).unwrap();
    let names: Vec<&String> = set.sellers.keys().take(2).collect();
    let two = artifact::decode_only(&bytes, &|n| names.iter().any(|k| *k == n)).unwrap();
    assert_eq!(two.sellers.keys().collect::<Vec<_>>(), names);
    for name in &names {
        assert_eq!(two.sellers[*name], set.sellers[*name]);
    }
    assert!(two.global.forest.trees.is_empty());
    let global = artifact::decode_only(&bytes, &|n| n == "global").unwrap();
    assert!(global.sellers.is_empty());
    assert_eq!(global.global, set.global);
    // A damaged forest is noticed when it is read.
    let last = bytes.len() - 3;
    let mut damaged = bytes.clone();
    damaged[last] ^= 0x10;
    let last_seller = set.sellers.keys().last().unwrap();
    assert!(artifact::decode_only(&damaged, &|n| n == last_seller).is_err());
}

/// Layout 1 (one zstd frame: meta length, meta, every tree), written here from its
/// description rather than by the code that reads it.
fn layout_one(set: &ModelSet) -> Vec<u8> {
    let mut meta = set.clone();
    for t in meta.global.forest.trees.iter_mut().chain(
        meta.sellers
            .values_mut()
            .flat_map(|m| m.forest.trees.iter_mut()),
    ) {
        t.nodes.clear();
        t.cover.clear();
    }
    let meta = serde_json::to_vec(&meta).unwrap();
    let mut body = (meta.len() as u64).to_le_bytes().to_vec();
    body.extend_from_slice(&meta);
    let forests =
        std::iter::once(&set.global.forest).chain(set.sellers.values().map(|m| &m.forest));
    for tree in forests.flat_map(|f| &f.trees) {
        body.extend_from_slice(&(tree.nodes.len() as u32).to_le_bytes());
        body.push(u8::from(!tree.cover.is_empty()));
        for n in &tree.nodes {
            let f = if n.feature == u32::MAX {
                u16::MAX
            } else {
                n.feature as u16
            };
            body.extend_from_slice(&f.to_le_bytes());
        }
        for n in &tree.nodes {
            body.extend_from_slice(&n.value.to_le_bytes());
        }
        for c in &tree.cover {
            body.extend_from_slice(&c.to_le_bytes());
        }
    }
    let mut out = b"RRMODELS".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&zstd::encode_all(&body[..], 3).unwrap());
    out
}

#[test]
fn a_file_of_the_first_layout_is_still_read() {
    let (_, set) = trained();
    let bytes = layout_one(set);
    assert_eq!(&artifact::decode(&bytes).unwrap(), set);
    let first = set.sellers.keys().next().unwrap();
    let one = artifact::decode_only(&bytes, &|n| n == first).unwrap();
    assert_eq!(one.sellers.len(), 1);
    assert_eq!(one.sellers[first], set.sellers[first]);
}
