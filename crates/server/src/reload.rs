//! Hot reload: the data files, the registry and (serving a cube built elsewhere) the cube's
//! manifest are looked at every [`WATCH_INTERVAL`]; a
//! change (new data, a `pipeline` from cron, a `models promote`) builds a whole new view in
//! the background and swaps it in. Requests under way finish on the view they started with;
//! `/metrics` and the `x-model-version` header show the switch.

use super::state::ServerState;
use returnrisk_core::model::registry::registry_path;
use returnrisk_setup::open::DataSettings;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the files are looked at.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// Watches `dir` and reloads into `state` on a change, for as long as the server runs.
pub fn spawn(state: Arc<ServerState>, data: DataSettings, dir: PathBuf) {
    // The input files are listed again each time: a partitioned table may gain parts. The
    // listing reads directories, so it runs on a blocking thread, not on the runtime.
    let cube = data.cube.clone();
    let stamps = Arc::new(move || {
        let mut files = returnrisk_core::data::input_files(&dir);
        files.push(registry_path(&dir));
        // A cube built elsewhere: its manifest, which its writer replaces last.
        if let Some(c) = cube.folder(&dir) {
            files.push(c.join(returnrisk_core::engine::cube_files::MANIFEST));
        }
        returnrisk_core::util::file_stamps(&files)
    });
    tokio::spawn(async move {
        let stamps_now = || {
            let stamps = Arc::clone(&stamps);
            tokio::task::spawn_blocking(move || stamps())
        };
        let Ok(mut last) = stamps_now().await else {
            return;
        };
        let mut tick = tokio::time::interval(WATCH_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Ok(now) = stamps_now().await else {
                break;
            };
            if now == last {
                continue;
            }
            last = now;
            tracing::info!("files changed on disk: reloading");
            let data = data.clone();
            let loaded = tokio::task::spawn_blocking(move || super::load(&data)).await;
            match loaded {
                Ok(Ok(served)) => {
                    state.install(served);
                    state.metrics.reloads.fetch_add(1, Ordering::Relaxed);
                    eprintln!("reloaded");
                }
                // The old view stays: a half-written file is not a reason to stop answering.
                Ok(Err(e)) => eprintln!("reload failed, still serving the previous data: {e}"),
                Err(e) => eprintln!("reload failed: {e}"),
            }
        }
    });
}
