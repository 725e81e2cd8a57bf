//! A column of fixed-width values: owned (built by a load from the files) or a range of the
//! memory-mapped dataset cache ([`super::cache`]). A start on unchanged files then decodes
//! nothing into fresh memory: on this machine a fresh page costs more than reading it (at
//! 100M orders, decoding 7.8 GB of columns into new pages took 13 s; mapping the cache's
//! pages, already in the page cache, 0.6 s). Reads see a slice either way; the first change
//! to a mapped column copies it into memory of its own.
//!
//! [`Column::appended`] makes a longer column without changing this one: the first time a
//! copy with room to grow, shared after that by each column appended from the last
//! ([`super::append_buffer`]), so a running engine's orders gain a day for the day's cost.

use super::append_buffer::AppendBuffer;
use memmap2::Mmap;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

// The cache stores values as the machine holds them; its format is little-endian.
#[cfg(not(target_endian = "little"))]
compile_error!("the dataset cache maps little-endian columns: a big-endian target needs a decoder");

/// Values a column can map: fixed width, no padding, no pointers, and a check of which byte
/// patterns are values.
///
/// # Safety
/// `valid` must return true only for bytes that are, element by element, valid values of
/// the type (a slice of them may then be read as `&[Self]`).
pub unsafe trait Plain: Copy + Send + Sync + 'static {
    /// Whether every element of `bytes` (a whole number of elements) is a valid value.
    fn valid(bytes: &[u8]) -> bool;
}

macro_rules! any_bits {
    ($($t:ty),*) => {$(
        // SAFETY: every bit pattern of these types is a value.
        unsafe impl Plain for $t {
            fn valid(_: &[u8]) -> bool {
                true
            }
        }
    )*};
}
any_bits!(u8, u16, u32, u64, i32, f64);

// SAFETY: a `bool` is one byte, 0 or 1; `valid` accepts only those.
unsafe impl Plain for bool {
    fn valid(bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| b <= 1)
    }
}

/// The byte of an `Option<bool>` as this build lays it out.
fn label_byte(v: Option<bool>) -> u8 {
    // SAFETY: `Option<bool>` is one byte (checked below), and any initialised byte is a u8.
    unsafe { std::mem::transmute::<Option<bool>, u8>(v) }
}
const _: () = assert!(std::mem::size_of::<Option<bool>>() == 1);

// SAFETY: `valid` accepts only the three bytes this build uses for the three values.
unsafe impl Plain for Option<bool> {
    fn valid(bytes: &[u8]) -> bool {
        let ok = [None, Some(false), Some(true)].map(label_byte);
        bytes.iter().all(|b| ok.contains(b))
    }
}

/// A column: see the module documentation.
pub struct Column<T> {
    repr: Repr<T>,
}

enum Repr<T> {
    Owned(Vec<T>),
    /// `len` values from byte `start` of `map` (aligned and checked when made).
    Mapped {
        map: Arc<Mmap>,
        start: usize,
        len: usize,
        of: PhantomData<T>,
    },
    /// The first `len` values of a buffer other columns may have grown past `len`.
    Shared {
        buf: Arc<AppendBuffer<T>>,
        len: usize,
    },
}

impl<T: Plain> Column<T> {
    /// `len` values at byte `start` of `map`; `Err` when they are out of bounds, misaligned
    /// or not valid values.
    pub fn mapped(map: &Arc<Mmap>, start: usize, len: usize) -> Result<Column<T>, String> {
        let width = std::mem::size_of::<T>();
        let end = len
            .checked_mul(width)
            .and_then(|b| b.checked_add(start))
            .filter(|&e| e <= map.len())
            .ok_or("a column runs past the end of the file")?;
        let bytes = &map[start..end];
        if bytes.as_ptr().align_offset(std::mem::align_of::<T>()) != 0 {
            return Err("a column is not aligned".into());
        }
        if !T::valid(bytes) {
            return Err("a column holds values that are not of its type".into());
        }
        Ok(Column {
            repr: Repr::Mapped {
                map: Arc::clone(map),
                start,
                len,
                of: PhantomData,
            },
        })
    }

    /// Whether the values are read from a mapped file.
    pub fn is_mapped(&self) -> bool {
        matches!(self.repr, Repr::Mapped { .. })
    }

    /// The values to change: a mapped or shared column is copied into memory of its own
    /// first.
    pub fn to_mut(&mut self) -> &mut Vec<T> {
        if !matches!(self.repr, Repr::Owned(_)) {
            self.repr = Repr::Owned(self.to_vec());
        }
        match &mut self.repr {
            Repr::Owned(v) => v,
            _ => unreachable!("copied just above"),
        }
    }

    /// This column's values followed by `more`, leaving this column as it is: written in
    /// place after the values when this column was the last appended to its buffer (no
    /// copy), else a copy with as much room again to grow.
    pub fn appended(&self, more: &[T]) -> Column<T> {
        if let Repr::Shared { buf, len } = &self.repr
            && buf.append(*len, more)
        {
            let repr = Repr::Shared {
                buf: Arc::clone(buf),
                len: len + more.len(),
            };
            return Column { repr };
        }
        Column {
            repr: Repr::Shared {
                buf: Arc::new(AppendBuffer::holding(self, more)),
                len: self.len() + more.len(),
            },
        }
    }

    /// Appends one value.
    pub fn push(&mut self, value: T) {
        self.to_mut().push(value);
    }

    /// The values as the bytes the cache stores.
    pub fn as_bytes(&self) -> &[u8] {
        let values: &[T] = self;
        // SAFETY: `Plain` values have no padding, so every byte is initialised.
        unsafe {
            std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), std::mem::size_of_val(values))
        }
    }
}

impl<T: Plain> Deref for Column<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.repr {
            Repr::Owned(v) => v,
            Repr::Mapped {
                map, start, len, ..
            } => {
                // SAFETY: `mapped` checked the range's bounds, alignment and values; the map
                // is read-only and lives as long as this column (an `Arc`).
                unsafe { std::slice::from_raw_parts(map.as_ptr().add(*start).cast::<T>(), *len) }
            }
            // SAFETY: a shared column is made by `appended` after its values were written.
            Repr::Shared { buf, len } => unsafe { buf.prefix(*len) },
        }
    }
}

impl<T: Plain> DerefMut for Column<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.to_mut()
    }
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Column {
            repr: Repr::Owned(Vec::new()),
        }
    }
}

impl<T: Plain> Clone for Column<T> {
    fn clone(&self) -> Self {
        let repr = match &self.repr {
            Repr::Owned(v) => Repr::Owned(v.clone()),
            Repr::Mapped {
                map, start, len, ..
            } => Repr::Mapped {
                map: Arc::clone(map),
                start: *start,
                len: *len,
                of: PhantomData,
            },
            Repr::Shared { buf, len } => Repr::Shared {
                buf: Arc::clone(buf),
                len: *len,
            },
        };
        Column { repr }
    }
}

impl<T: Plain + PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Plain + PartialEq> PartialEq<Vec<T>> for Column<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        **self == other[..]
    }
}

impl<T: Plain + Eq> Eq for Column<T> {}

impl<T: Plain + std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column {
            repr: Repr::Owned(v),
        }
    }
}

impl<T> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Vec::from_iter(iter).into()
    }
}

impl<T: Plain> Extend<T> for Column<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.to_mut().extend(iter);
    }
}

impl<T: Plain> IntoIterator for Column<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(mut self) -> Self::IntoIter {
        std::mem::take(self.to_mut()).into_iter()
    }
}

impl<'a, T: Plain> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn map_of(bytes: &[u8]) -> Arc<Mmap> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        // SAFETY: a temp file of this test's own.
        Arc::new(unsafe { Mmap::map(&f) }.unwrap())
    }

    #[test]
    fn a_mapped_column_reads_its_values_and_copies_on_change() {
        let values = [1.5f64, -2.0, f64::NAN, 7.25];
        let mut bytes = vec![0u8; 8];
        bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        let map = map_of(&bytes);
        let mut col: Column<f64> = Column::mapped(&map, 8, 4).unwrap();
        assert!(col.is_mapped());
        assert_eq!(col.len(), 4);
        assert_eq!(col[3], 7.25);
        assert!(col[2].is_nan());
        assert_eq!(col.as_bytes(), &bytes[8..]);
        let copy = col.clone();
        col.push(9.0);
        assert!(!col.is_mapped() && copy.is_mapped());
        let bits = |c: &[f64]| c.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&col[..4]), bits(&copy));
        assert_eq!(col[4], 9.0);
    }

    #[test]
    fn appended_columns_share_their_buffer_and_leave_the_base_as_it_was() {
        let base: Column<u32> = vec![1, 2, 3].into();
        let a = base.appended(&[4]);
        let b = a.appended(&[5, 6]);
        let Repr::Shared { buf, .. } = &a.repr else {
            panic!("appending to an owned column makes a shared one")
        };
        let Repr::Shared { buf: buf_b, .. } = &b.repr else {
            panic!("shared")
        };
        assert!(Arc::ptr_eq(buf, buf_b), "the second append wrote in place");
        // From the same base again: a copy, and neither column sees the other's values.
        let c = a.appended(&[7]);
        assert_eq!((&base[..], &a[..]), (&[1, 2, 3][..], &[1, 2, 3, 4][..]));
        assert_eq!(
            (&b[..], &c[..]),
            (&[1, 2, 3, 4, 5, 6][..], &[1, 2, 3, 4, 7][..])
        );
        let mut d = b.clone();
        d.push(8);
        assert_eq!(
            (&b[..], &d[..]),
            (&[1, 2, 3, 4, 5, 6][..], &[1, 2, 3, 4, 5, 6, 8][..])
        );
        assert_eq!(b.appended(&[9])[..], [1, 2, 3, 4, 5, 6, 9]);
        assert_eq!(d.appended(&[]).len(), 7);
    }

    #[test]
    fn appended_columns_agree_with_a_vec_over_threads() {
        let mut col: Column<u64> = Column::default();
        let mut all: Vec<u64> = Vec::new();
        for step in 0..200u64 {
            let more: Vec<u64> = (0..step % 7).map(|k| step * 10 + k).collect();
            all.extend(&more);
            let next = col.appended(&more);
            // Read on another thread, as the dashboard's jobs do.
            col = std::thread::spawn(move || next).join().unwrap();
            assert_eq!(col[..], all[..], "step {step}");
        }
    }

    #[test]
    fn a_mapped_range_out_of_bounds_misaligned_or_invalid_is_refused() {
        let map = map_of(&[0u8; 32]);
        assert!(Column::<u64>::mapped(&map, 8, 3).is_ok());
        assert!(Column::<u64>::mapped(&map, 8, 4).is_err(), "past the end");
        assert!(
            Column::<u64>::mapped(&map, usize::MAX, 1).is_err(),
            "overflow"
        );
        assert!(Column::<u32>::mapped(&map, 2, 1).is_err(), "misaligned");
        let labels = [None, Some(false), Some(true)].map(label_byte);
        let map = map_of(&labels);
        let col: Column<Option<bool>> = Column::mapped(&map, 0, 3).unwrap();
        assert_eq!(&col[..], &[None, Some(false), Some(true)]);
        let map = map_of(&[label_byte(None), 7]);
        assert!(
            Column::<Option<bool>>::mapped(&map, 0, 2).is_err(),
            "7 is no label"
        );
    }
}
