//! The pass's side of the store: its two connections, and the writer that stores the
//! sources' writes in batches.
//!
//! Sources queue a [`SourceWrite`] with [`WriteSender`] and await its [`WriteResult`]; the
//! writer ([`start_writer`]) stores the writes that arrive close together in one transaction,
//! each under its own savepoint, so one source's failed write rolls back alone. Reads before
//! a write go through [`Stores::reader`], a second connection, so they never wait for a
//! batch. Every store call runs on the blocking pool ([`with_store`]); no SQL here.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::debug;

use super::workers::run_blocking;
use super::{SharedStore, describe, millis};
use crate::model::WriteCounts;
use crate::store::{SourceWrite, Store, StoreError};

/// The pass's connections to the store: `main` writes (the writer's batches, a source's
/// failure or 304), `reader` answers what each source reads before its write (what is
/// stored and extracted already), so those reads go on while a batch holds `main` (WAL
/// readers see the last commit; bench/README.md, round 2).
#[derive(Clone)]
pub(super) struct Stores {
    pub(super) main: SharedStore,
    pub(super) reader: SharedStore,
}

impl Stores {
    pub(super) async fn open(store: &SharedStore) -> Self {
        let main = Arc::clone(store);
        let reader =
            run_blocking(move || main.lock().unwrap_or_else(PoisonError::into_inner).reader())
                .await;
        // Without one, reads share the writer's connection, as they always did.
        let reader = match reader {
            Ok(Some(reader)) => Arc::new(Mutex::new(reader)),
            Ok(None) => Arc::clone(store),
            Err(err) => {
                debug!(error = %describe(&err), "no second connection for reads");
                Arc::clone(store)
            }
        };
        Self { main: Arc::clone(store), reader }
    }
}

/// A source's write and where its result goes.
type QueuedWrite = (SourceWrite, tokio::sync::oneshot::Sender<Result<WriteCounts, StoreError>>);

/// What the writer answers a queued write with.
pub(super) type WriteResult = tokio::sync::oneshot::Receiver<Result<WriteCounts, StoreError>>;

/// Sources queue their writes here.
pub(super) type WriteSender = tokio::sync::mpsc::Sender<QueuedWrite>;

/// How long the writer waits for more writes after the first of a batch.
const WRITE_LINGER: Duration = Duration::from_millis(200);

/// The most sources the writer stores in one transaction.
const MAX_WRITE_BATCH: usize = 64;

/// Writes that may wait for the writer, per concurrency slot: while the writer commits a
/// batch, a full queue would hold finished sources in their slots (bench/README.md, round 3).
pub(super) const QUEUED_WRITES_PER_SLOT: usize = 4;

/// Starts the pass's writer: it stores the sources' writes in batches, one transaction for
/// the writes that arrive within [`WRITE_LINGER`] of each other (at most [`MAX_WRITE_BATCH`]),
/// each under its own savepoint (see [`Store::record_entries_batch`]). A commit per source
/// cost most of a pass's store time (bench/README.md, round 2). A source leaves its
/// concurrency slot once its write is queued, so the wait costs no throughput; at most
/// `capacity` writes wait in the queue beyond the batch being collected, which bounds the
/// memory they hold.
pub(super) fn start_writer(
    store: &SharedStore,
    capacity: usize,
) -> (WriteSender, tokio::task::JoinHandle<()>) {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<QueuedWrite>(capacity);
    let store = Arc::clone(store);
    let writer = tokio::spawn(async move {
        while let Some(first) = receiver.recv().await {
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + WRITE_LINGER;
            while batch.len() < MAX_WRITE_BATCH {
                match tokio::time::timeout_at(deadline, receiver.recv()).await {
                    Ok(Some(write)) => batch.push(write),
                    Ok(None) | Err(_) => break,
                }
            }
            let (writes, senders): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            let store = Arc::clone(&store);
            // A panic drops the senders: each source then reports its write as lost.
            let results = tokio::task::spawn_blocking(move || {
                let waited = Instant::now();
                let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
                let started = Instant::now();
                let results = store.record_entries_batch(&writes);
                debug!(
                    sources = writes.len(),
                    lock_wait_ms = millis(waited).saturating_sub(millis(started)),
                    write_ms = millis(started),
                    "batch written"
                );
                results
            })
            .await;
            if let Ok(results) = results {
                for (result, sender) in results.into_iter().zip(senders) {
                    // A receiver is gone only if its pass was dropped; the write stands.
                    let _ = sender.send(result);
                }
            }
        }
    });
    (sender, writer)
}

/// Runs a store call on the blocking pool.
pub(super) async fn with_store<T: Send + 'static>(
    store: &SharedStore,
    call: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = Arc::clone(store);
    run_blocking(move || call(&mut store.lock().unwrap_or_else(PoisonError::into_inner))).await
}
