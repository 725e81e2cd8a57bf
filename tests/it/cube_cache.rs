//! The cube kept beside the dataset cache: read back it is the cube a build gives, field by
//! field; other data, model versions, bands or schema roles build it again, and a damaged
//! file is rebuilt, never trusted.

use crate::common;
use common::small_data;
use returnrisk_tui::config::RiskBands;
use returnrisk_tui::data::{Dataset, LoadOptions, load_dir};
use returnrisk_tui::engine::cube::Cube;
use returnrisk_tui::engine::cube_cache::{CubeFrom, cube_path, load_or_build};
use returnrisk_tui::model::TrainConfig;
use returnrisk_tui::model::{ModelSet, VersionRef, score_dataset, train_models};

fn dataset() -> (tempfile::TempDir, Dataset) {
    let dir = small_data();
    let ds = load_dir(dir.path(), &LoadOptions::strict()).unwrap().0;
    (dir, ds)
}

fn models(ds: &Dataset, run: &str) -> ModelSet {
    let mut cfg = TrainConfig::default();
    cfg.forest.n_trees = 5;
    let mut set = train_models(ds, &cfg, &|_| {}).unwrap().set;
    set.versions.insert(
        "global".into(),
        VersionRef {
            version: 1,
            run_id: run.into(),
        },
    );
    set
}

#[test]
fn a_cube_read_back_is_the_cube_built() {
    let (_dir, ds) = dataset();
    let bands = RiskBands::default();
    let (built, from) = load_or_build(&ds, None, bands);
    assert_eq!(from, CubeFrom::Built);
    assert!(cube_path(&ds.dir, false).is_file());
    let (read, from) = load_or_build(&ds, None, bands);
    assert_eq!(from, CubeFrom::Cache);
    assert_eq!(read, built);
    assert_eq!(read, Cube::build(&ds, None, bands));
    assert!(!read.cells.is_empty() && !read.scored);

    let set = models(&ds, "run-a");
    let scores = score_dataset(&ds, &set);
    let (built, from) = load_or_build(&ds, Some((&scores, &set)), bands);
    assert_eq!(from, CubeFrom::Built);
    let (read, from) = load_or_build(&ds, Some((&scores, &set)), bands);
    assert_eq!(from, CubeFrom::Cache);
    assert_eq!(read, built);
    assert_eq!(read, Cube::build(&ds, Some(&scores), bands));
    assert!(read.scored && read.cells.iter().any(|c| c.risk_sum > 0.0));
}

#[test]
fn other_bands_or_versions_build_again_and_unregistered_models_are_not_kept() {
    let (_dir, ds) = dataset();
    let bands = RiskBands::default();
    let set = models(&ds, "run-a");
    let scores = score_dataset(&ds, &set);
    let scored = Some((&scores, &set));
    assert_eq!(load_or_build(&ds, scored, bands).1, CubeFrom::Built);
    assert_eq!(load_or_build(&ds, scored, bands).1, CubeFrom::Cache);
    let other_bands = RiskBands {
        medium: 0.2,
        high: 0.4,
    };
    let (cube, from) = load_or_build(&ds, scored, other_bands);
    assert_eq!(from, CubeFrom::Built);
    assert_eq!(cube, Cube::build(&ds, Some(&scores), other_bands));
    let mut other = set.clone();
    other.versions.get_mut("global").unwrap().version = 2;
    assert_eq!(
        load_or_build(&ds, Some((&scores, &other)), other_bands).1,
        CubeFrom::Built
    );
    assert_eq!(
        load_or_build(&ds, Some((&scores, &other)), other_bands).1,
        CubeFrom::Cache
    );

    // Another schema (here: no rating feature) reads the same files into other sums.
    load_or_build(&ds, None, bands);
    assert_eq!(load_or_build(&ds, None, bands).1, CubeFrom::Cache);
    let mut no_rating = ds.clone();
    no_rating.roles.rating = None;
    let (cube, from) = load_or_build(&no_rating, None, bands);
    assert_eq!(from, CubeFrom::Built);
    assert_eq!(cube, Cube::build(&no_rating, None, bands));
    assert!(cube.cells.iter().all(|c| c.rating_n == 0));

    std::fs::remove_file(cube_path(&ds.dir, true)).unwrap();
    let mut unregistered = set.clone();
    unregistered.versions.clear();
    for _ in 0..2 {
        let from = load_or_build(&ds, Some((&scores, &unregistered)), bands).1;
        assert_eq!(from, CubeFrom::Built);
    }
    assert!(!cube_path(&ds.dir, true).exists());
}

#[test]
fn a_damaged_cube_file_is_rebuilt_not_trusted() {
    let (_dir, ds) = dataset();
    let bands = RiskBands::default();
    let expected = load_or_build(&ds, None, bands).0;
    let path = cube_path(&ds.dir, false);
    let good = std::fs::read(&path).unwrap();
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 0x04;
    let damaged: [Vec<u8>; 4] = [
        flipped,
        good[..good.len() - 1].to_vec(),
        good[..40].to_vec(),
        b"not a cube".to_vec(),
    ];
    for bytes in damaged {
        std::fs::write(&path, &bytes).unwrap();
        let (cube, from) = load_or_build(&ds, None, bands);
        assert_eq!(from, CubeFrom::Built);
        assert_eq!(cube, expected);
        // Rewritten whole: the next start reads it.
        assert_eq!(std::fs::read(&path).unwrap(), good);
        assert_eq!(load_or_build(&ds, None, bands).1, CubeFrom::Cache);
    }
}
