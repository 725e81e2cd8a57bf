//! The binary model artifacts (`models.bin`): a round trip scores exactly as before, it is
//! a fraction of the JSON's size, and a file of another layout version, cut short or
//! corrupted is refused with a message that says so; an older development build's runs say to
//! train again.

use returnrisk_tui::data::{Dataset, LoadOptions, load_dir};
use returnrisk_tui::model::TrainConfig;
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
            "model layout {}, this build reads {LAYOUT_VERSION}: written by a newer returnrisk-tui",
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
fn a_run_of_an_older_development_build_says_to_train_and_is_never_retrained_silently() {
    let (_, set) = trained();
    let data = tempfile::tempdir().unwrap();
    let run = data.path().join(".returnrisk/runs/20260101T000000Z-old1");
    std::fs::create_dir_all(&run).unwrap();
    let id = "20260101T000000Z-old1";
    // Its JSON artifacts: named, with what to do.
    std::fs::write(run.join("models.json"), serde_json::to_vec(set).unwrap()).unwrap();
    let err = load_run_models(data.path(), id).unwrap_err().to_string();
    let json = run.join("models.json");
    assert!(
        err.starts_with(&format!(
            "{}: trained by an older development build: run `returnrisk-tui train`",
            json.display()
        )),
        "{err}"
    );
    // The first binary layout: the same advice.
    let mut layout_one = b"RRMODELS".to_vec();
    layout_one.extend_from_slice(&1u32.to_le_bytes());
    std::fs::write(run.join("models.bin"), &layout_one).unwrap();
    assert_eq!(artifacts_path(data.path(), id), run.join("models.bin"));
    let err = load_run_models(data.path(), id).unwrap_err().to_string();
    assert!(
        err.contains("model layout 1: trained by an older development build"),
        "{err}"
    );
    // The data directory's active run made that way: `report` says so and trains nothing.
    let dir = crate::common::trained_copy();
    let runs = dir.path().join(".returnrisk/runs");
    let count = || std::fs::read_dir(&runs).unwrap().count();
    let before = count();
    for entry in std::fs::read_dir(&runs).unwrap() {
        let bin = entry.unwrap().path().join("models.bin");
        if bin.exists() {
            std::fs::rename(&bin, bin.with_file_name("models.json")).unwrap();
        }
    }
    let out = crate::common::run_on(crate::common::p(dir.path()), &["report"]);
    assert_eq!(out.status.code(), Some(1));
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("trained by an older development build"),
        "{err}"
    );
    assert_eq!(count(), before);
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
