//! The dataset cache: a start on unchanged files reads the cache and gets exactly what
//! loading the files gives; a changed file, a file changed too recently to trust its stamp,
//! and a cache cut short or corrupted all mean loading the files (and rebuilding the cache),
//! never trusting it.

use returnrisk_tui::data::cache::{Source, cache_path, load};
use returnrisk_tui::data::{LoadOptions, load_dir};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The demo data in a temp dir, its files dated an hour ago (so their stamps are trusted).
fn demo_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for f in ["orders.csv", "sellers.csv"] {
        std::fs::copy(src.join(f), d.path().join(f)).unwrap();
    }
    age(d.path());
    d
}

/// Dates every input file an hour back.
fn age(dir: &Path) {
    let then = SystemTime::now() - Duration::from_secs(3600);
    for f in ["orders.csv", "sellers.csv"] {
        let file = std::fs::File::options()
            .append(true)
            .open(dir.join(f))
            .unwrap();
        file.set_modified(then).unwrap();
    }
}

#[test]
fn unchanged_files_are_read_from_the_cache_as_loading_them_gives() {
    let d = demo_copy();
    let opts = LoadOptions::default();
    let (first, first_report, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Files);
    assert!(cache_path(d.path()).is_file());
    let (cached, report, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Cache);
    let (direct, direct_report) = load_dir(d.path(), &opts).unwrap();
    assert_eq!(cached, direct);
    assert_eq!(report, direct_report);
    assert_eq!(first, direct);
    assert_eq!(first_report, direct_report);
    // Other load options are another key.
    let (_, _, source) = load(d.path(), &LoadOptions::strict()).unwrap();
    assert_eq!(source, Source::Files);
}

#[test]
fn a_changed_file_invalidates_the_cache() {
    let d = demo_copy();
    let opts = LoadOptions::default();
    load(d.path(), &opts).unwrap();
    let orders = d.path().join("orders.csv");
    let text = std::fs::read_to_string(&orders).unwrap();
    let last = text.lines().last().unwrap().to_string();
    let id = last.split(',').next().unwrap();
    let extra = last.replacen(id, "ORD-CACHE-TEST", 1);
    std::fs::write(&orders, format!("{text}{extra}\n")).unwrap();
    age(d.path());
    let (ds, _, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Files);
    assert!(ds.orders.id.iter().any(|i| i == "ORD-CACHE-TEST"));
    assert_eq!(ds, load_dir(d.path(), &opts).unwrap().0);
    // Same size, same stamp but another inode (a file replaced by a rename): also a change.
    let copy = d.path().join("orders.tmp");
    std::fs::copy(&orders, &copy).unwrap();
    std::fs::rename(&copy, &orders).unwrap();
    age(d.path());
    assert_eq!(load(d.path(), &opts).unwrap().2, Source::Files);
    assert_eq!(load(d.path(), &opts).unwrap().2, Source::Cache);
}

#[test]
fn a_file_changed_within_the_clock_granularity_is_never_cached() {
    let d = demo_copy();
    let opts = LoadOptions::default();
    // Touched just now: its stamp could hide a second change in the same tick.
    let file = std::fs::File::options()
        .append(true)
        .open(d.path().join("orders.csv"))
        .unwrap();
    file.set_modified(SystemTime::now()).unwrap();
    assert_eq!(load(d.path(), &opts).unwrap().2, Source::FilesUncached);
    assert!(!cache_path(d.path()).exists());
    assert_eq!(load(d.path(), &opts).unwrap().2, Source::FilesUncached);
}

#[test]
fn a_cache_cut_short_or_corrupted_is_rebuilt_not_trusted() {
    let d = demo_copy();
    let opts = LoadOptions::default();
    let (expected, _, _) = load(d.path(), &opts).unwrap();
    let path = cache_path(d.path());
    let good = std::fs::read(&path).unwrap();
    let mid = good.len() / 2;
    let mut flipped = good.clone();
    flipped[mid] ^= 0x01;
    let damaged: [&[u8]; 5] = [
        &good[..mid],
        &good[..good.len() - 1],
        &flipped,
        b"",
        b"RRDATA",
    ];
    for bytes in damaged {
        std::fs::write(&path, bytes).unwrap();
        let (ds, _, source) = load(d.path(), &opts).unwrap();
        assert_eq!(source, Source::Files, "{} bytes", bytes.len());
        assert_eq!(ds, expected);
        // Rebuilt: the next start reads it again.
        assert_eq!(std::fs::read(&path).unwrap().len(), good.len());
        assert_eq!(load(d.path(), &opts).unwrap().2, Source::Cache);
    }
    // Another version's cache is rebuilt too.
    let mut other = good.clone();
    other[8] = other[8].wrapping_add(1);
    std::fs::write(&path, other).unwrap();
    assert_eq!(load(d.path(), &opts).unwrap().2, Source::Files);
}

#[test]
fn scores_are_read_back_only_for_the_same_data_and_model_versions() {
    use returnrisk_tui::model::TrainConfig;
    use returnrisk_tui::model::score_cache::{ScoresFrom, load_or_score, scores_path};
    use returnrisk_tui::model::score_dataset;
    use returnrisk_tui::model::store::load_or_train;
    let d = demo_copy();
    let (ds, _) = load_dir(d.path(), &LoadOptions::default()).unwrap();
    let mut cfg = TrainConfig::default();
    cfg.forest.n_trees = 5;
    let (set, _) = load_or_train(&ds, &cfg, false, &|_| {}).unwrap();
    assert!(!set.versions.is_empty());
    let expected = score_dataset(&ds, &set);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let (first, from) = load_or_score(&ds, &set);
    assert_eq!(from, ScoresFrom::Scored);
    let (again, from) = load_or_score(&ds, &set);
    assert_eq!(from, ScoresFrom::Cache);
    for s in [&first, &again] {
        assert_eq!(bits(&s.risk), bits(&expected.risk));
        assert_eq!(s.own_model, expected.own_model);
    }
    // Another version of a model: scored again.
    let mut other = set.clone();
    other.versions.get_mut("global").unwrap().version += 1;
    assert_eq!(load_or_score(&ds, &other).1, ScoresFrom::Scored);
    assert_eq!(load_or_score(&ds, &other).1, ScoresFrom::Cache);
    assert_eq!(load_or_score(&ds, &set).1, ScoresFrom::Scored);
    // Cut short or corrupted: scored again, never trusted; then rewritten.
    let path = scores_path(d.path());
    let good = std::fs::read(&path).unwrap();
    let mut flipped = good.clone();
    let at = good.len() - 10;
    flipped[at] ^= 0x40;
    for bytes in [&good[..good.len() - 3], &flipped[..]] {
        std::fs::write(&path, bytes).unwrap();
        let (s, from) = load_or_score(&ds, &set);
        assert_eq!(from, ScoresFrom::Scored);
        assert_eq!(bits(&s.risk), bits(&expected.risk));
        assert_eq!(std::fs::read(&path).unwrap(), good);
    }
    // Models that are not registered have no versions to key on: never kept.
    let mut unsaved = set.clone();
    unsaved.versions.clear();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(load_or_score(&ds, &unsaved).1, ScoresFrom::Scored);
    assert!(!path.exists());
}

#[test]
fn drift_reports_are_read_back_only_for_the_same_data_models_and_windows() {
    use returnrisk_tui::drift::cache::{DriftFrom, drift_path, load_or_compute};
    use returnrisk_tui::drift::report::drift_reports;
    use returnrisk_tui::model::TrainConfig;
    use returnrisk_tui::model::score_dataset;
    use returnrisk_tui::model::store::load_or_train;
    let d = demo_copy();
    let (ds, _) = load_dir(d.path(), &LoadOptions::default()).unwrap();
    let mut cfg = TrainConfig::default();
    cfg.forest.n_trees = 5;
    let (set, _) = load_or_train(&ds, &cfg, false, &|_| {}).unwrap();
    let scores = score_dataset(&ds, &set);
    let windows = [30, 7];
    let expected = drift_reports(&ds, Some(&set), Some(&scores), &windows, None).unwrap();
    let (first, from) = load_or_compute(&ds, &set, &scores, &windows, None).unwrap();
    assert_eq!(from, DriftFrom::Computed);
    let (again, from) = load_or_compute(&ds, &set, &scores, &windows, None).unwrap();
    assert_eq!(from, DriftFrom::Cache);
    // Read back, every number is the same f64 (JSON written with round-trip precision).
    assert_eq!(first, expected);
    assert_eq!(again, expected);
    // Other windows, another model version: computed again.
    assert_eq!(
        load_or_compute(&ds, &set, &scores, &[7], None).unwrap().1,
        DriftFrom::Computed
    );
    let mut other = set.clone();
    other.versions.get_mut("global").unwrap().version += 1;
    assert_eq!(
        load_or_compute(&ds, &other, &scores, &windows, None)
            .unwrap()
            .1,
        DriftFrom::Computed
    );
    assert_eq!(
        load_or_compute(&ds, &other, &scores, &windows, None)
            .unwrap()
            .1,
        DriftFrom::Cache
    );
    // Cut short, a flipped byte, another version: computed again and rewritten.
    let path = drift_path(d.path());
    let good = std::fs::read(&path).unwrap();
    let mut flipped = good.clone();
    let at = good.len() / 2;
    flipped[at] ^= 0x01;
    let other_version =
        String::from_utf8(good.clone())
            .unwrap()
            .replacen("RRDRIFT 1 ", "RRDRIFT 2 ", 1);
    for bytes in [
        &good[..good.len() - 3],
        &flipped[..],
        other_version.as_bytes(),
    ] {
        std::fs::write(&path, bytes).unwrap();
        let (r, from) = load_or_compute(&ds, &other, &scores, &windows, None).unwrap();
        assert_eq!(from, DriftFrom::Computed);
        assert_eq!(r, expected);
        assert_eq!(std::fs::read(&path).unwrap(), good);
    }
    // Unregistered models: never kept.
    let mut unsaved = set.clone();
    unsaved.versions.clear();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        load_or_compute(&ds, &unsaved, &scores, &windows, None)
            .unwrap()
            .1,
        DriftFrom::Computed
    );
    assert!(!path.exists());
}

#[test]
fn the_default_date_range_moving_by_a_day_keeps_the_cache_when_no_row_is_near_its_edge() {
    use returnrisk_tui::data::dates::DateRange;
    let d = demo_copy();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let with = |dates: DateRange| LoadOptions {
        strict: false,
        dates,
    };
    let today = with(DateRange::default_for(day("2026-12-01")));
    let tomorrow = with(DateRange::default_for(day("2026-12-02")));
    assert_eq!(load(d.path(), &today).unwrap().2, Source::Files);
    // Every order is inside both ranges and none was skipped for its date: same data.
    let (ds, report, source) = load(d.path(), &tomorrow).unwrap();
    assert_eq!(source, Source::Cache);
    assert_eq!((ds, report), load_dir(d.path(), &tomorrow).unwrap());
    // A range that cuts orders off is another dataset...
    let cut = with(DateRange {
        first: day("2000-01-01"),
        last: day("2026-03-31"),
    });
    let (ds, report, source) = load(d.path(), &cut).unwrap();
    assert_eq!(source, Source::Files);
    assert!(report.out_of_range > 0);
    assert_eq!((ds, report), load_dir(d.path(), &cut).unwrap());
    // ...and once rows were skipped for their date, only that very range reads the cache.
    assert_eq!(load(d.path(), &cut).unwrap().2, Source::Cache);
    let wider = with(DateRange {
        first: day("2000-01-01"),
        last: day("2026-04-30"),
    });
    let (ds, _, source) = load(d.path(), &wider).unwrap();
    assert_eq!(source, Source::Files);
    assert_eq!(ds, load_dir(d.path(), &wider).unwrap().0);
    // A range that would drop orders the cache kept is not served by it either.
    assert_eq!(load(d.path(), &today).unwrap().2, Source::Files);
    let early = with(DateRange {
        first: day("2026-02-01"),
        last: day("2027-12-01"),
    });
    let (ds, _, source) = load(d.path(), &early).unwrap();
    assert_eq!(source, Source::Files);
    assert_eq!(ds, load_dir(d.path(), &early).unwrap().0);
}

#[test]
fn scores_of_appended_orders_are_computed_and_the_cached_ones_kept() {
    use returnrisk_tui::model::TrainConfig;
    use returnrisk_tui::model::score_cache::{ScoresFrom, load_or_score};
    use returnrisk_tui::model::score_dataset;
    use returnrisk_tui::model::store::load_or_train;
    let d = demo_copy();
    let csv = std::fs::read_to_string(d.path().join("orders.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let keep = 40_001; // header and 40,000 orders
    let write = |lines: &[String]| {
        std::fs::write(d.path().join("orders.csv"), lines.join("\n") + "\n").unwrap();
    };
    let head: Vec<String> = lines[..keep]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    write(&head);
    let (first, _) = load_dir(d.path(), &LoadOptions::default()).unwrap();
    let mut cfg = TrainConfig::default();
    cfg.forest.n_trees = 5;
    let (set, _) = load_or_train(&first, &cfg, false, &|_| {}).unwrap();
    assert_eq!(load_or_score(&first, &set).1, ScoresFrom::Scored);
    // The later orders arrive, every third in a new category that sorts among the old
    // ones (so the cached orders' category codes are renumbered).
    let mut all = head.clone();
    all.extend(lines[keep..].iter().enumerate().map(|(i, l)| {
        let mut cells: Vec<&str> = l.split(',').collect();
        if i % 3 == 0 {
            cells[1] = "Garden";
        }
        cells.join(",")
    }));
    write(&all);
    let (ds, _) = load_dir(d.path(), &LoadOptions::default()).unwrap();
    assert_ne!(ds.categories, first.categories);
    let (scores, from) = load_or_score(&ds, &set);
    let appended = ds.orders.len() - first.orders.len();
    assert_eq!(from, ScoresFrom::Appended { scored: appended });
    let expected = score_dataset(&ds, &set);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&scores.risk), bits(&expected.risk));
    assert_eq!(scores.own_model, expected.own_model);
    assert_eq!(load_or_score(&ds, &set).1, ScoresFrom::Cache);
    // One cached order's price changed: its score may differ, so everything is scored.
    write(&head);
    assert_eq!(load_or_score(&first, &set).1, ScoresFrom::Scored);
    let mut changed = all.clone();
    let mut cells: Vec<String> = changed[7].split(',').map(String::from).collect();
    cells[2] = format!("{}1", cells[2]);
    changed[7] = cells.join(",");
    write(&changed);
    let (ds, _) = load_dir(d.path(), &LoadOptions::default()).unwrap();
    let (scores, from) = load_or_score(&ds, &set);
    assert_eq!(from, ScoresFrom::Scored);
    assert_eq!(bits(&scores.risk), bits(&score_dataset(&ds, &set).risk));
}

#[test]
fn a_cached_dataset_reads_its_columns_in_place_and_outlives_a_rebuilt_cache() {
    use returnrisk_tui::data::features::FeatureValues;
    let d = demo_copy();
    let opts = LoadOptions::default();
    let (direct, _) = load_dir(d.path(), &opts).unwrap();
    load(d.path(), &opts).unwrap();
    let (cached, _, source) = load(d.path(), &opts).unwrap();
    assert_eq!(source, Source::Cache);
    let o = &cached.orders;
    assert!(o.id.is_mapped() && o.category.is_mapped() && o.price.is_mapped());
    assert!(o.returned.is_mapped() && o.seller.is_mapped() && o.day.is_mapped());
    let mapped_features = o.features.iter().filter(|f| match &f.values {
        FeatureValues::Numeric(v) => v.is_mapped(),
        FeatureValues::Categorical { codes, .. } => codes.is_mapped(),
        FeatureValues::Category | FeatureValues::Price => false,
    });
    assert_eq!(mapped_features.count(), 6, "4 numbers and 2 level columns");
    assert!(!direct.orders.price.is_mapped());
    // A changed file rebuilds the cache (a new file renamed into place): the dataset mapped
    // from the old one reads on, unchanged.
    let orders = d.path().join("orders.csv");
    let text = std::fs::read_to_string(&orders).unwrap();
    std::fs::write(&orders, text.replacen("ORD", "ORX", 1)).unwrap();
    age(d.path());
    assert_eq!(load(d.path(), &opts).unwrap().2, Source::Files);
    assert_eq!(cached, direct);
    // Changing a mapped column changes a copy of it, not the file nor another clone.
    let mut changed = cached.clone();
    changed.orders.price[0] += 1.0;
    assert!(!changed.orders.price.is_mapped() && cached.orders.price.is_mapped());
    assert_eq!(changed.orders.price[0], direct.orders.price[0] + 1.0);
    assert_eq!(cached, direct);
}
