//! A buffer of values shared by columns that each read a prefix of it, so that appending to
//! a column shared with a running engine does not copy it: the values go after the longest
//! prefix, where no column reads, and the new column reads one prefix more. A day appended
//! to 10M orders then writes that day's values only, instead of copying ~900 MB into fresh
//! pages. Appending to any shorter prefix (a second append from the same base) copies.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Values `0..filled` written once and never changed; room for `cap` in all.
pub(super) struct AppendBuffer<T> {
    ptr: NonNull<T>,
    cap: usize,
    /// How many values are written: every column on this buffer reads at most these.
    filled: AtomicUsize,
}

// SAFETY: the buffer owns its values (like a `Vec<T>`); values below `filled` are never
// written again, and a write past it happens only after the thread claimed that range by
// moving `filled` past it (`append`), so no two threads write the same value and no reader
// reads one being written.
unsafe impl<T: Send + Sync> Send for AppendBuffer<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for AppendBuffer<T> {}

impl<T: Copy> AppendBuffer<T> {
    /// A buffer holding `values`, with room for as many again after them.
    pub(super) fn holding(first: &[T], then: &[T]) -> AppendBuffer<T> {
        let len = first.len() + then.len();
        let mut v = Vec::with_capacity(len.saturating_mul(2).max(1024));
        v.extend_from_slice(first);
        v.extend_from_slice(then);
        let mut v = std::mem::ManuallyDrop::new(v);
        AppendBuffer {
            // SAFETY: a `Vec`'s pointer is never null.
            ptr: unsafe { NonNull::new_unchecked(v.as_mut_ptr()) },
            cap: v.capacity(),
            filled: AtomicUsize::new(len),
        }
    }

    /// Writes `more` after the first `len` values when nothing was written after them yet
    /// and they fit; false (nothing written) otherwise.
    pub(super) fn append(&self, len: usize, more: &[T]) -> bool {
        let Some(end) = len.checked_add(more.len()).filter(|&e| e <= self.cap) else {
            return false;
        };
        if self
            .filled
            .compare_exchange(len, end, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        // SAFETY: `len..end` is within the allocation, and this thread alone claimed it
        // (the exchange above); no column reads past `len` yet.
        unsafe {
            std::ptr::copy_nonoverlapping(more.as_ptr(), self.ptr.as_ptr().add(len), more.len());
        }
        true
    }

    /// The first `len` values.
    ///
    /// # Safety
    /// `len` values must have been written (by [`AppendBuffer::holding`] or an `append`
    /// that returned true) before this call, and this thread must have seen them (a column
    /// made by that call, passed here): checked only in debug builds, as reads are hot.
    pub(super) unsafe fn prefix(&self, len: usize) -> &[T] {
        debug_assert!(len <= self.filled.load(Ordering::Acquire));
        // SAFETY: values below `filled` are initialised and never written again.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), len) }
    }
}

impl<T> Drop for AppendBuffer<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer and capacity are the `Vec`'s of `holding`; its values are
        // `Copy`, so only the allocation is released.
        unsafe { drop(Vec::from_raw_parts(self.ptr.as_ptr(), 0, self.cap)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_past_the_longest_prefix_only_once() {
        let b = AppendBuffer::holding(&[1u32, 2], &[3]);
        // SAFETY: at most the values written so far, on this thread.
        let read = |len| unsafe { b.prefix(len) }.to_vec();
        assert_eq!(read(3), [1, 2, 3]);
        assert!(b.append(3, &[4, 5]));
        assert_eq!(read(5), [1, 2, 3, 4, 5]);
        // A second append from the same base would overwrite what the first wrote.
        assert!(!b.append(3, &[9]));
        assert_eq!(read(5), [1, 2, 3, 4, 5]);
        assert!(b.append(5, &[6]));
        assert_eq!(read(3), [1, 2, 3], "a shorter reader sees its values");
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let b = AppendBuffer::holding(&[0u8; 10], &[]);
        let room = vec![1u8; b.cap - 10];
        assert!(!b.append(10, &[room.clone(), vec![1]].concat()));
        assert!(b.append(10, &room));
        assert!(!b.append(b.cap, &[1]));
    }
}
