//! The pass's parsing threads: CPU work on what sources sent (parsing, extraction) runs here,
//! off the async threads, one thread per core.
//!
//! [`Workers`] is a value owned by one pass: its threads start with the pass and end once
//! the pass (and every source's clone of it) is dropped. A panic in a job, a bug that hostile
//! input found, comes back as a [`WorkerPanic`] for that source instead of ending the pass.
//! Knows nothing about sources or the store.

use std::sync::{Arc, Mutex, PoisonError, mpsc};

use tracing::warn;

/// A job for the parsing threads.
type Job = Box<dyn FnOnce() + Send>;

/// The threads that parse and extract, one per core; with none (none could be started),
/// jobs go to tokio's blocking pool. Sixteen sources in flight would otherwise parse on
/// sixteen blocking threads for no gain on two cores, each keeping its own allocator arena
/// and regex caches (bench/README.md, round 1).
#[derive(Clone)]
pub(super) struct Workers {
    jobs: Option<mpsc::Sender<Job>>,
}

impl Workers {
    /// Starts one parsing thread per core.
    pub(super) fn start() -> Self {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let mut started = 0;
        for index in 0..cores {
            let receiver = Arc::clone(&receiver);
            let spawned =
                std::thread::Builder::new().name(format!("pmagg-parse-{index}")).spawn(move || {
                    loop {
                        // The lock is held only while waiting for a job, never while running
                        // one. The queue closes when the pass drops its last `Workers`.
                        let next = receiver.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match next {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            match spawned {
                Ok(_) => started += 1,
                Err(err) => warn!(error = %err, "cannot start a parsing thread"),
            }
        }
        Self { jobs: (started > 0).then_some(sender) }
    }

    /// Runs `call` on a parsing thread: a panic in it fails the caller's source with a
    /// [`WorkerPanic`] instead of the whole pass.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, WorkerPanic> {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The caller may have gone (its source ran out of time); the result is then dropped.
            let _ = sender.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)));
        });
        let queued = match &self.jobs {
            Some(jobs) => jobs.send(job).map_err(|returned| returned.0),
            None => Err(job),
        };
        if let Err(job) = queued {
            drop(tokio::task::spawn_blocking(job));
        }
        match receiver.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(WorkerPanic(detail))
            }
            Err(_) => Err(WorkerPanic("the parsing job ended without a result".into())),
        }
    }
}

/// A panic while reading a source's data, as an error.
#[derive(Debug, thiserror::Error)]
#[error("pmagg failed while reading what this source sent (a bug; please report it): {0}")]
pub(super) struct WorkerPanic(String);

/// `spawn_blocking` that hands a panic on to the caller, as a plain call would.
pub(super) async fn run_blocking<T: Send + 'static>(
    call: impl FnOnce() -> T + Send + 'static,
) -> T {
    match tokio::task::spawn_blocking(call).await {
        Ok(value) => value,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_an_error_and_the_threads_go_on() {
        let workers = Workers::start();
        let err = workers.run(|| -> u8 { panic!("boom") }).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "pmagg failed while reading what this source sent (a bug; please report it): boom"
        );
        assert_eq!(workers.run(|| 2 + 2).await.unwrap(), 4);
    }
}
