//! Per-host politeness: at most `per_host` requests in flight to one host.
//!
//! The global bound is the pipeline's `buffer_unordered(concurrency)`; this map adds the
//! per-host one, lazily creating one semaphore per host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// One semaphore per host (with port), shared by every request of the process.
#[derive(Debug)]
pub(crate) struct HostLimits {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HostLimits {
    pub(crate) fn new(per_host: usize) -> Self {
        Self { per_host: per_host.max(1), hosts: Mutex::new(HashMap::new()) }
    }

    /// Waits for a slot on the URL's host; the slot is freed when the permit drops.
    pub(crate) async fn acquire(&self, url: &Url) -> OwnedSemaphorePermit {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let semaphore = {
            // A poisoned lock only means another task panicked while inserting; the map is
            // still a valid map, so keep using it.
            let mut hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(hosts.entry(key).or_insert_with(|| Arc::new(Semaphore::new(self.per_host))))
        };
        semaphore.acquire_owned().await.expect("host semaphores are never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_each_host_separately() {
        let limits = HostLimits::new(1);
        let a = Url::parse("http://a.example/x").unwrap();
        let b = Url::parse("http://b.example/y").unwrap();
        let _held = limits.acquire(&a).await;
        // Another host is not blocked by the held slot.
        let other = tokio::time::timeout(std::time::Duration::from_millis(100), limits.acquire(&b));
        assert!(other.await.is_ok());
        // The same host is.
        let same = tokio::time::timeout(std::time::Duration::from_millis(100), limits.acquire(&a));
        assert!(same.await.is_err());
    }
}
