//! Heavy request work (batches, explanations) off the async runtime: at most one job per
//! core runs at once on tokio's blocking threads, the rest wait for a slot, and a job whose
//! request is dropped (its client went away, or its deadline passed and it was answered 408)
//! is told to stop. The runtime's threads stay free for `/health`, `/ready` and light
//! requests however many heavy ones are in flight.

use super::error::ApiError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Semaphore;

/// Whether a job's request is gone (checked by the job between units of work).
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// True once the request that asked for the work was dropped.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The error a cancelled job returns (its client never sees it: nobody is listening).
    pub fn error() -> ApiError {
        ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "cancelled",
            "the request was cancelled",
        )
    }
}

/// Sets the flag when the request's future is dropped before its job finished.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.0.store(true, Ordering::Relaxed);
    }
}

/// The slots heavy jobs run in.
pub struct WorkPool {
    slots: Arc<Semaphore>,
    size: usize,
}

impl WorkPool {
    /// A pool running `size` jobs at once (at least one).
    pub fn new(size: usize) -> WorkPool {
        let size = size.max(1);
        WorkPool {
            slots: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// A pool with one slot per core.
    pub fn per_core() -> WorkPool {
        WorkPool::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
    }

    /// Jobs that can run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Jobs running now.
    pub fn busy(&self) -> usize {
        self.size - self.slots.available_permits()
    }

    /// Runs `job` on a blocking thread once a slot is free, and waits for its answer. If
    /// this future is dropped (while waiting for a slot or while the job runs) the job's
    /// [`Cancel`] says so; a job that panicked is a 500.
    pub async fn run<T, F>(&self, job: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Cancel) -> Result<T, ApiError> + Send + 'static,
    {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::unavailable("the server is stopping"))?;
        let guard = CancelOnDrop(Cancel::default());
        let cancel = guard.0.clone();
        let handle = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            job(&cancel)
        });
        let answer = handle.await;
        drop(guard);
        answer.map_err(|e| {
            tracing::error!("a request's job failed: {e}");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the request failed inside the server (logged)",
            )
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_cancels_its_job_and_frees_its_slot() {
        let pool = Arc::new(WorkPool::new(1));
        let (seen_tx, seen_rx) = std::sync::mpsc::channel();
        let job = pool.run(move |c: &Cancel| {
            // Spins until told to stop, as a batch checks between orders.
            let start = std::time::Instant::now();
            while !c.is_cancelled() && start.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(1));
            }
            seen_tx.send(c.is_cancelled()).ok();
            Ok(())
        });
        let timed = tokio::time::timeout(Duration::from_millis(50), job).await;
        assert!(timed.is_err(), "the job should still be running");
        let cancelled =
            tokio::task::spawn_blocking(move || seen_rx.recv_timeout(Duration::from_secs(10)))
                .await
                .unwrap();
        assert_eq!(cancelled, Ok(true));
        // The slot is free again: the next job runs.
        let next = tokio::time::timeout(Duration::from_secs(10), pool.run(|_| Ok(7))).await;
        assert_eq!(next.unwrap().unwrap(), 7);
        assert_eq!(pool.busy(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_beyond_the_slots_wait_and_a_panic_is_a_500() {
        let pool = Arc::new(WorkPool::new(2));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let jobs = (0..6).map(|_| {
            let (running, most, pool) = (running.clone(), most.clone(), pool.clone());
            tokio::spawn(async move {
                pool.run(move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            })
        });
        for j in jobs.collect::<Vec<_>>() {
            j.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        let failed = pool
            .run(|_| -> Result<(), ApiError> { panic!("boom") })
            .await;
        assert_eq!(failed.unwrap_err().status, 500);
    }
}
