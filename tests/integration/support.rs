//! Shared helpers: the `pmagg` command, a temp workspace, feed builders and raw servers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use assert_cmd::Command;
use pmagg::store::Store;
use serde_json::Value;

/// A temp directory holding a config and a database.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config(&self) -> PathBuf {
        self.path("sources.toml")
    }

    pub fn db(&self) -> PathBuf {
        self.path("pmagg.db")
    }

    /// Writes `sources.toml` from a settings block and `(name, url)` feed sources.
    pub fn write_feeds(&self, settings: &str, feeds: &[(String, String)]) {
        let mut text = format!("[settings]\n{settings}\n");
        for (name, url) in feeds {
            text.push_str(&format!(
                "\n[[source]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n"
            ));
        }
        std::fs::write(self.config(), text).expect("write config");
    }

    /// `pmagg --config <ws>/sources.toml --db <ws>/pmagg.db`, with a clean environment.
    pub fn pmagg(&self) -> Command {
        let mut cmd = pmagg();
        cmd.arg("--config").arg(self.config()).arg("--db").arg(self.db());
        cmd
    }

    /// Runs `sync --json` and returns the summary; panics unless it exits 0.
    pub fn sync(&self) -> Value {
        let output = self.pmagg().args(["sync", "--json"]).output().expect("run pmagg");
        assert!(
            output.status.success(),
            "sync failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("sync --json prints JSON")
    }

    pub fn store(&self) -> Store {
        Store::open(&self.db()).expect("open db")
    }
}

/// The binary, with pmagg's environment variables removed so the host cannot leak in.
pub fn pmagg() -> Command {
    let mut cmd = Command::cargo_bin("pmagg").expect("binary built");
    cmd.env_remove("PMAGG_CONFIG").env_remove("PMAGG_DB").env_remove("PMAGG_LOG");
    cmd
}

/// An RSS 2.0 feed with `n` items whose GUIDs are `{tag}-{i}`.
pub fn rss(tag: &str, n: usize) -> String {
    let mut items = String::new();
    for i in 0..n {
        items.push_str(&format!(
            "<item><title>{tag} post {i}</title><link>/{tag}/{i}/</link>\
             <guid isPermaLink=\"false\">{tag}-{i}</guid>\
             <pubDate>Mon, 0{d} Jan 2024 10:00:00 GMT</pubDate>\
             <description>Summary of {tag} {i}</description></item>\n",
            d = 1 + i % 9
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{tag}</title><link>https://{tag}.example/</link>\n{items}</channel></rss>"
    )
}

/// An Atom feed with `n` entries whose ids are `urn:{tag}:{i}`.
pub fn atom(tag: &str, n: usize) -> String {
    let mut entries = String::new();
    for i in 0..n {
        entries.push_str(&format!(
            "<entry><title>{tag} entry {i}</title><id>urn:{tag}:{i}</id>\
             <link href=\"https://{tag}.example/{i}\"/><updated>2024-02-{d:02}T00:00:00Z</updated>\
             <summary>About {tag} {i}</summary></entry>\n",
            d = 1 + i % 28
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>{tag}</title><id>urn:{tag}</id><updated>2024-02-28T00:00:00Z</updated>\n{entries}</feed>"
    )
}

/// A loopback server that answers every connection with `head` and then streams `chunk`
/// forever, counting the body bytes it managed to send. For bodies too big to serve honestly.
pub struct EndlessServer {
    pub addr: SocketAddr,
    pub sent: Arc<AtomicU64>,
}

impl EndlessServer {
    pub fn start(head: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let sent = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&sent);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let mut request = [0u8; 4096];
                    let _ = stream.read(&mut request);
                    if stream.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    let chunk = vec![b'x'; 64 * 1024];
                    // Bounded so a broken client cannot keep the test running: 4 GiB at most.
                    for _ in 0..65_536 {
                        if stream.write_all(&chunk).is_err() {
                            return;
                        }
                        counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    }
                });
            }
        });
        Self { addr, sent }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A TCP port on loopback with nothing listening.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/feed.xml")
}

/// Counts entries stored for each source.
pub fn entries_per_source(db: &Path) -> std::collections::HashMap<String, u64> {
    let store = Store::open(db).expect("open db");
    store
        .source_states()
        .expect("states")
        .into_iter()
        .map(|s| (s.name.to_string(), s.entries))
        .collect()
}
