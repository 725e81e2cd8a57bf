//! Small helpers shared by the engine modules: atomic writes, hashing, rounding.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, then rename.
/// A crash at any point leaves either the old file or the new one, never a torn file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.tmp-{}-{n}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    crash_point("before-rename");
    std::fs::rename(&tmp, path)
}

/// Exit code of a process stopped by [`crash_point`].
pub const CRASH_EXIT_CODE: i32 = 86;

/// Fault injection for crash-safety tests: when `RETURNRISK_CRASH_AT` equals `point`, the
/// process stops here at once, as `kill -9` would: no destructors, no cleanup (exit code
/// [`CRASH_EXIT_CODE`]; not `abort`, which could leave core files). Unset in normal use.
pub fn crash_point(point: &str) {
    if std::env::var_os("RETURNRISK_CRASH_AT").is_some_and(|v| v == point) {
        std::process::exit(CRASH_EXIT_CODE);
    }
}

/// 64-bit FNV-1a hash: stable across platforms and Rust versions (unlike `DefaultHasher`),
/// used for data fingerprints.
#[derive(Clone, Copy, Debug)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    /// Feeds bytes into the hash.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// Ratio that is `None` when the denominator is zero (shown as "n/a", never NaN).
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_value() {
        // Reference value of FNV-1a 64 for "a" (from the FNV specification's test vectors).
        let mut h = Fnv64::default();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }
}
