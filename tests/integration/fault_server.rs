//! A loopback HTTP/1.1 server that misbehaves on purpose, one route per kind of misbehaviour.
//!
//! wiremock answers like a well-behaved server; this one writes raw bytes on a tokio TCP
//! socket so that it can do what real servers on the internet do: never answer, trickle a byte
//! a second, promise a `Content-Length` it never sends, stream forever, send a gzip body that
//! inflates without end. Every connection gets one response and is closed. Every loop is
//! bounded (bytes and time), so a broken client cannot keep it running; it stops when dropped.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a route answers.
#[derive(Clone)]
pub enum Behaviour {
    /// A status, headers and a body, with a true `Content-Length`.
    Respond { status: u16, headers: Vec<(String, String)>, body: Arc<Vec<u8>> },
    /// Accepts the request and never answers (the connection stays open up to a minute).
    Never,
    /// 200 and a true `Content-Length`, then the body one byte per `every`.
    Trickle { body: Arc<Vec<u8>>, every: Duration },
    /// 200 with `head_length` as `Content-Length` (none when `None`), then `x` bytes without
    /// end (bounded at 8 GiB), until the client goes away.
    Endless { content_length: Option<u64> },
    /// 200, `Content-Encoding: gzip`, and a gzip stream of zeros that would inflate to 8 GiB.
    GzipBomb,
    /// 200 with a `Content-Length` of `declared`, then only `body`, then the connection closes.
    ShortBody { declared: u64, body: Arc<Vec<u8>> },
    /// A redirect to `location`.
    Redirect { status: u16, location: String },
}

impl Behaviour {
    /// 200 with a content type and a body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Behaviour::Respond {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: Arc::new(body.into()),
        }
    }

    /// A status with a short text body and extra headers.
    pub fn status(status: u16, headers: &[(&str, &str)]) -> Self {
        Behaviour::Respond {
            status,
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: Arc::new(format!("status {status}\n").into_bytes()),
        }
    }
}

/// The running server: its address and what it sent on each route.
pub struct FaultServer {
    pub addr: SocketAddr,
    sent: Arc<Mutex<HashMap<String, Arc<AtomicU64>>>>,
    hits: Arc<Mutex<HashMap<String, u64>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// Writes past this many bytes on one connection stop (the endless routes).
const MAX_STREAM_BYTES: u64 = 8 << 30;
/// A connection that never gets an answer is closed after this long.
const NEVER_FOR: Duration = Duration::from_mins(1);

impl FaultServer {
    /// Starts serving on a loopback port the routes (by path, query excluded) that `routes`
    /// builds from the server's base URL (`http://127.0.0.1:PORT`). Unknown paths get a 404.
    pub fn start(routes: impl FnOnce(&str) -> HashMap<String, Behaviour>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("fault server runtime");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind the fault server on loopback");
        let addr = listener.local_addr().expect("addr");
        let routes = Arc::new(routes(&format!("http://{addr}")));
        let sent: Arc<Mutex<HashMap<String, Arc<AtomicU64>>>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
        let (sent_, hits_) = (Arc::clone(&sent), Arc::clone(&hits));
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let routes = Arc::clone(&routes);
                let sent = Arc::clone(&sent_);
                let hits = Arc::clone(&hits_);
                tokio::spawn(async move {
                    let _ = serve(stream, &routes, &sent, &hits).await;
                });
            }
        });
        Self { addr, sent, hits, runtime: Some(runtime) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Body bytes written on `path`, over every connection.
    pub fn sent(&self, path: &str) -> u64 {
        self.sent.lock().unwrap().get(path).map_or(0, |n| n.load(Ordering::Relaxed))
    }

    /// Requests received for `path`.
    pub fn hits(&self, path: &str) -> u64 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[allow(clippy::too_many_lines, reason = "one arm per behaviour, each read on its own")]
async fn serve(
    mut stream: TcpStream,
    routes: &HashMap<String, Behaviour>,
    sent: &Mutex<HashMap<String, Arc<AtomicU64>>>,
    hits: &Mutex<HashMap<String, u64>>,
) -> std::io::Result<()> {
    // The request head, bounded: a client never needs more than a few hundred bytes.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/").to_owned();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let counter = Arc::clone(sent.lock().unwrap().entry(path.clone()).or_default());
    let behaviour = routes.get(&path).cloned().unwrap_or_else(|| Behaviour::status(404, &[]));

    match behaviour {
        Behaviour::Respond { status, headers, body } => {
            let mut response = status_line(status);
            for (name, value) in &headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response
                .push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
            stream.write_all(response.as_bytes()).await?;
            stream.write_all(&body).await?;
            counter.fetch_add(body.len() as u64, Ordering::Relaxed);
        }
        Behaviour::Never => {
            // Hold the connection open without a byte; the client gives up first.
            let mut sink = [0u8; 1024];
            let _ = tokio::time::timeout(NEVER_FOR, stream.read(&mut sink)).await;
        }
        Behaviour::Trickle { body, every } => {
            let response = format!(
                "{}Content-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                status_line(200),
                body.len()
            );
            stream.write_all(response.as_bytes()).await?;
            for byte in body.iter().take(120) {
                tokio::time::sleep(every).await;
                stream.write_all(&[*byte]).await?;
                stream.flush().await?;
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
        Behaviour::Endless { content_length } => {
            let mut response = format!("{}Content-Type: application/rss+xml\r\n", status_line(200));
            if let Some(length) = content_length {
                response.push_str(&format!("Content-Length: {length}\r\n"));
            }
            response.push_str("Connection: close\r\n\r\n");
            stream.write_all(response.as_bytes()).await?;
            let chunk = vec![b'x'; 64 * 1024];
            while counter.load(Ordering::Relaxed) < MAX_STREAM_BYTES {
                stream.write_all(&chunk).await?;
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
        }
        Behaviour::GzipBomb => {
            let response = format!(
                "{}Content-Type: application/rss+xml\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n",
                status_line(200)
            );
            stream.write_all(response.as_bytes()).await?;
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let zeros = vec![0u8; 1 << 20];
            let mut inflated = 0u64;
            while inflated < MAX_STREAM_BYTES {
                encoder.write_all(&zeros)?;
                inflated += zeros.len() as u64;
                let compressed = std::mem::take(encoder.get_mut());
                if !compressed.is_empty() {
                    stream.write_all(&compressed).await?;
                    counter.fetch_add(compressed.len() as u64, Ordering::Relaxed);
                }
            }
            let rest = encoder.finish()?;
            stream.write_all(&rest).await?;
        }
        Behaviour::ShortBody { declared, body } => {
            let response = format!(
                "{}Content-Type: application/rss+xml\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n",
                status_line(200)
            );
            stream.write_all(response.as_bytes()).await?;
            stream.write_all(&body).await?;
            counter.fetch_add(body.len() as u64, Ordering::Relaxed);
        }
        Behaviour::Redirect { status, location } => {
            let response = format!(
                "{}Location: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                status_line(status)
            );
            stream.write_all(response.as_bytes()).await?;
        }
    }
    stream.flush().await?;
    stream.shutdown().await
}

fn status_line(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    format!("HTTP/1.1 {status} {reason}\r\n")
}
