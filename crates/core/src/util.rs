//! Small helpers shared by the engine modules: atomic writes, hashing, rounding.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` the way a Unix tool should:
/// - a regular file (or a new one) is replaced atomically: a temp file in the same
///   directory, fsync, then rename; a crash at any point leaves either the old file or the
///   new one, and a failed write removes the temp file;
/// - a symlink is followed: its target is written (atomically when it is a regular file);
/// - an existing non-regular target (a device such as `/dev/full` or `/dev/stdout`, a FIFO)
///   is written through, never replaced by a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Fills the new folder `out` by `fill`, given a temporary sibling folder to write into,
/// then renames that into place (and syncs the parent): `out` is either absent or whole.
/// The temporary folder is removed when `fill` or the rename fails. The caller refuses an
/// existing `out`; `io` turns an error at a path into the caller's.
pub fn fill_new_folder<T, E>(
    out: &Path,
    fill: impl FnOnce(&Path) -> Result<T, E>,
    io: impl Fn(&Path, std::io::Error) -> E,
) -> Result<T, E> {
    let name = out
        .file_name()
        .map_or("folder".into(), |n| n.to_string_lossy());
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let renamed = fill(&tmp).and_then(|t| {
        std::fs::rename(&tmp, out).map_err(|e| io(out, e))?;
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
        Ok(t)
    });
    if renamed.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    renamed
}

/// [`write_atomic`] with the content written by `write` into the file (opened for reading
/// too, so a writer may read back what it wrote): files of gigabytes never sit in memory.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let path = follow_symlinks(path)?;
    if let Ok(meta) = std::fs::metadata(&path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(&path)?;
        write(&mut f)?;
        return f.flush();
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.tmp-{}-{n}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        write(&mut f)?;
        f.sync_all()?;
        crash_point("before-rename");
        std::fs::rename(&tmp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The path a chain of symlinks ends at (the path itself when it is not a symlink). A
/// dangling link resolves to the file it names, which is then created.
fn follow_symlinks(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other(format!(
        "too many levels of symbolic links: {}",
        path.display()
    )))
}

/// Whether two paths name the same existing file (same device and inode: hard links and
/// symlinks included).
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// The first `N` bytes of `b` as an array, for `from_le_bytes`; `b` holds at least `N`
/// (callers take it from `chunks_exact(N)` or a slice whose length they checked).
pub fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0; N];
    a.copy_from_slice(&b[..N]);
    a
}

/// Bytes an unprivileged process may still write on the file system holding `path` (an
/// existing file or folder), or `None` when it cannot be asked.
pub fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a NUL-terminated path and `stat` is writable room for one statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), stat.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled `stat`.
    let stat = unsafe { stat.assume_init() };
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
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

/// Fault injection for tests of panic handling: when `RETURNRISK_PANIC_AT` equals `point`,
/// panics here. Unset in normal use.
pub fn panic_point(point: &str) {
    assert!(
        std::env::var_os("RETURNRISK_PANIC_AT").is_none_or(|v| v != point),
        "injected panic at {point}"
    );
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
    /// Goes on from a hash's state (`finish` of the bytes hashed so far).
    pub fn resume(state: u64) -> Fnv64 {
        Fnv64(state)
    }
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

/// A 64-bit checksum of `bytes` (word at a time, so gigabytes take a fraction of a second;
/// it catches cut-short and corrupted files, it is not a cryptographic hash).
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes(crate::util::array(w));
        h = (h ^ v).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The process's peak resident memory in MB (`VmHWM` in `/proc/self/status`; `None` where
/// there is no such file).
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Ratio that is `None` when the denominator is zero (shown as "n/a", never NaN).
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Size and modification time of each file (`None` for a missing one): a cheap way for a
/// watcher to notice a change on disk (a `stat` per file).
pub fn file_stamps(files: &[std::path::PathBuf]) -> Vec<Option<(u64, std::time::SystemTime)>> {
    files
        .iter()
        .map(|f| {
            let m = std::fs::metadata(f).ok()?;
            Some((m.len(), m.modified().ok()?))
        })
        .collect()
}

/// The sum of `values`, `0.0` when there are none (Rust's float sum of nothing is `-0.0`,
/// which prints as `-0`).
pub fn sum(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().sum::<f64>() + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_of_nothing_is_a_plain_zero() {
        assert_eq!(format!("{:.0}", sum([])), "0");
        assert_eq!(format!("{:.0}", [0.0f64; 0].iter().sum::<f64>()), "-0");
        assert_eq!(sum([1.5, 2.0]), 3.5);
    }

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

    #[test]
    fn a_symlink_is_followed_and_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.csv");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[test]
    fn a_device_is_written_through_not_replaced() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        if !Path::new("/dev/full").exists() {
            return;
        }
        let err = write_atomic(Path::new("/dev/full"), b"x").unwrap_err();
        assert_eq!(err.raw_os_error(), Some(28), "{err}");
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    #[test]
    fn a_failed_replace_leaves_no_temp_file() {
        // Renaming a file over a non-empty directory fails after the temp file is written.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"x").unwrap();
        assert!(write_atomic(&target, b"data").is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn same_file_sees_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"x").unwrap();
        let b = dir.path().join("b");
        std::fs::hard_link(&a, &b).unwrap();
        assert!(same_file(&a, &b));
        assert!(same_file(&a, &dir.path().join(".").join("a")));
        assert!(!same_file(&a, &dir.path().join("missing")));
    }
}
