//! Our cube to and from [`cube_files`](super::cube_files): `export cube` writes every day's
//! cells with seller ids and category names; `--cube DIR` maps them back to the data's
//! sellers and categories and builds the [`Cube`] (rollups included) as a build does.

use super::cells::DayCells;
use super::cube::Cube;
use super::cube_files::{
    self, CubeFilesError, CubeLabel, CubeManifest, CubeModel, FORMAT, FORMAT_VERSION, NamedCells,
    ReadCells,
};
use crate::config::RiskBands;
use crate::data::{Column, Dataset, date_to_day, day_string};
use crate::model::ModelSet;
use crate::model::onnx::DataColumns;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The scoring models of `set` by name, with their registry versions.
pub fn cube_models(set: Option<&ModelSet>) -> BTreeMap<String, CubeModel> {
    let Some(set) = set else {
        return BTreeMap::new();
    };
    let names = std::iter::once(crate::model::GLOBAL).chain(
        set.sellers
            .iter()
            .filter(|(_, m)| m.active)
            .map(|(id, _)| id.as_str()),
    );
    names
        .map(|name| {
            let v = set.version_of(name);
            let model = CubeModel {
                version: v.map(|v| v.version),
                run_id: v.map(|v| v.run_id.clone()),
            };
            (name.to_string(), model)
        })
        .collect()
}

/// [`write`] into the new folder `out`, which is either absent or whole (a temporary folder
/// beside it is renamed into place); an existing `out` is refused.
pub fn export(
    ds: &Dataset,
    cube: &Cube,
    models: Option<&ModelSet>,
    bands: RiskBands,
    out: &Path,
) -> Result<CubeManifest, CubeFilesError> {
    if out.exists() {
        return Err(CubeFilesError::Exists(out.to_path_buf()));
    }
    let io = |path: &Path, source| CubeFilesError::Io {
        path: path.to_path_buf(),
        source,
    };
    crate::util::fill_new_folder(out, |tmp| write(ds, cube, models, bands, tmp), io)
}

/// Writes `cube` of `ds` (scored by `models`, High from `bands`) into the folder `dir`:
/// every day's cells, then the manifest.
pub fn write(
    ds: &Dataset,
    cube: &Cube,
    models: Option<&ModelSet>,
    bands: RiskBands,
    dir: &Path,
) -> Result<CubeManifest, CubeFilesError> {
    for d in 0..cube.day_start.len().saturating_sub(1) {
        let range = cube.day_start[d]..cube.day_start[d + 1];
        if range.is_empty() {
            continue;
        }
        let day = NamedCells {
            seller: range
                .clone()
                .map(|k| ds.sellers[cube.seller[k] as usize].id.clone())
                .collect(),
            category: range
                .clone()
                .map(|k| ds.categories[usize::from(cube.category[k])].clone())
                .collect(),
            cells: cube.cells[range].to_vec(),
        };
        cube_files::write_day(dir, &day_string(cube.first_day + d as i32), &day)?;
    }
    let manifest = CubeManifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        producer: format!("returnrisk-tui {}", env!("CARGO_PKG_VERSION")),
        built_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        orders: cube.cells.iter().map(|c| c.orders).sum(),
        cells: cube.cells.len() as u64,
        first_day: day_string(cube.first_day),
        last_day: day_string(cube.last_day),
        scored: cube.scored,
        models: cube_models(models.filter(|_| cube.scored)),
        risk_bands: bands,
        label: CubeLabel {
            name: ds.schema.label_noun.singular.clone(),
            plural: ds.schema.label_noun.plural.clone(),
        },
        data: DataColumns::of(&ds.schema),
        partition: "day".into(),
        inputs: BTreeMap::from([(
            "fingerprint".to_string(),
            crate::model::runs::fingerprint_hex(ds.fingerprint),
        )]),
    };
    cube_files::write_manifest(dir, &manifest)?;
    Ok(manifest)
}

/// The cube of the cells read from `dir`, on the sellers and categories of `ds` (whose
/// orders need not be loaded). A cell of a seller or category `ds` does not know, or of a
/// date outside the manifest's days, is an error naming it.
pub fn from_days(
    ds: &Dataset,
    manifest: &CubeManifest,
    read: ReadCells,
    dir: &Path,
) -> Result<Cube, CubeFilesError> {
    let path = dir.join(cube_files::MANIFEST);
    let bad = |message: String| CubeFilesError::Invalid {
        path: dir.join(cube_files::CELLS),
        message,
    };
    let day_of = |s: &str| {
        let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        date.map(date_to_day)
            .ok_or_else(|| CubeFilesError::Invalid {
                path: path.clone(),
                message: format!("{s:?} is not a date (YYYY-MM-DD)"),
            })
    };
    let (first_day, last_day) = (day_of(&manifest.first_day)?, day_of(&manifest.last_day)?);
    if read.days.is_empty() || last_day < first_day {
        return Ok(Cube::default());
    }
    // Each name of the files to the data's index, once.
    let by_id: HashMap<&str, u32> = (ds.sellers.iter().enumerate())
        .map(|(i, s)| (s.id.as_str(), i as u32))
        .collect();
    let sellers: Vec<u32> = read
        .sellers
        .iter()
        .map(|s| {
            by_id
                .get(s.as_str())
                .copied()
                .ok_or_else(|| bad(format!("seller {s:?} is not in the sellers table")))
        })
        .collect::<Result<_, _>>()?;
    let categories: Vec<u16> = read
        .categories
        .iter()
        .map(|c| {
            ds.category_index(c)
                .map(|k| k as u16)
                .ok_or_else(|| bad(format!("unknown category {c:?}")))
        })
        .collect::<Result<_, _>>()?;
    let n_days = (last_day - first_day + 1) as usize;
    let mut out = DayCells {
        day_start: vec![0; n_days + 1],
        seller: Column::default(),
        category: Column::default(),
        cells: Column::default(),
    };
    let mut at = 0usize;
    for (date, day) in read.days {
        let d = day_of(&date)?;
        if d < first_day || d > last_day {
            let (a, b) = (&manifest.first_day, &manifest.last_day);
            return Err(bad(format!(
                "day={date} is outside {a}..{b} of the manifest"
            )));
        }
        let d = (d - first_day) as usize;
        while at < d {
            at += 1;
            out.day_start[at] = out.cells.len();
        }
        let mut rows: Vec<(u32, u16, usize)> = (0..day.cells.len())
            .map(|k| {
                let s = sellers[day.seller[k] as usize];
                (s, categories[day.category[k] as usize], k)
            })
            .collect();
        rows.sort_unstable();
        let day_first = out.cells.len();
        for (s, c, k) in rows {
            // Two parts holding one key (a writer's retry) are one cell.
            let same = out.cells.len() > day_first
                && out.seller.last() == Some(&s)
                && out.category.last() == Some(&c);
            match out.cells.last_mut() {
                Some(last) if same => last.merge(&day.cells[k]),
                _ => {
                    out.seller.push(s);
                    out.category.push(c);
                    out.cells.push(day.cells[k]);
                }
            }
        }
    }
    while at < n_days {
        at += 1;
        out.day_start[at] = out.cells.len();
    }
    Ok(Cube::from_cells(
        ds,
        first_day,
        last_day,
        manifest.scored,
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generate::{GenerateOptions, generated};
    use crate::model::Scores;

    /// Written as files and read back, the cube is the one built, field by field, rollups
    /// included; a cell of a seller the data does not know is refused by name.
    #[test]
    fn the_cube_round_trips_through_its_files() {
        let ds = generated(&GenerateOptions {
            orders: 3000,
            sellers: 7,
            marketplaces: 3,
            days: 40,
            seed: 5,
            ..Default::default()
        });
        let risk = (0..ds.orders.len()).map(|i| ((i * 7919) % 1000) as f64 / 999.0);
        let scores = Scores {
            risk: risk.collect(),
            own_model: vec![false; ds.orders.len()].into(),
        };
        let bands = RiskBands::default();
        let cube = Cube::build(&ds, Some(&scores), bands);
        let dir = tempfile::tempdir().unwrap();
        let manifest = write(&ds, &cube, None, bands, dir.path()).unwrap();
        assert_eq!(manifest.orders, 3000);
        assert_eq!(manifest.cells, cube.cells.len() as u64);
        let read = cube_files::read_manifest(dir.path()).unwrap();
        assert_eq!(read, manifest);
        let days = cube_files::read_days(dir.path()).unwrap();
        let back = from_days(&ds, &read, days.clone(), dir.path()).unwrap();
        assert_eq!(back, cube);

        let mut wrong = days;
        wrong.sellers[0] = "S999".into();
        let err = from_days(&ds, &read, wrong, dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("\"S999\" is not in the sellers table"),
            "{err}"
        );
    }
}
