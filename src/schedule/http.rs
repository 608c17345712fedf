//! The daemon's HTTP endpoints on `settings.listen`: `GET /healthz`, `/metrics` and
//! `/feed.xml`. Read-only views of the daemon's state; nothing here touches the database.
//!
//! HTTP/1.1 through hyper, with at most [`MAX_CONNECTIONS`] connections at once and a time
//! limit on each, so a stuck scraper cannot pile up tasks.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use http_body_util::Full;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tracing::{debug, warn};

use super::health::Health;
use super::metrics::Metrics;

/// Connections served at the same time; more wait in the listen backlog.
pub(super) const MAX_CONNECTIONS: usize = 32;
/// The longest one connection may stay open.
const CONNECTION_TIME_LIMIT: Duration = Duration::from_secs(30);
/// The longest a client may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What the endpoints show.
#[derive(Debug)]
pub(super) struct Endpoints {
    pub(super) health: Arc<Mutex<Health>>,
    pub(super) metrics: Arc<Mutex<Metrics>>,
    /// The rendered feed file served at /feed.xml, when one is configured.
    pub(super) feed: Option<PathBuf>,
}

type Body = Full<Bytes>;

/// Serves `listener` until the task is aborted.
pub(super) async fn serve(listener: TcpListener, endpoints: Arc<Endpoints>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else { return };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                warn!(error = %err, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let endpoints = Arc::clone(&endpoints);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let endpoints = Arc::clone(&endpoints);
                async move { Ok::<_, Infallible>(respond(&endpoints, &request).await) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            match tokio::time::timeout(CONNECTION_TIME_LIMIT, connection).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => debug!(error = %err, "connection ended with an error"),
                Err(_) => debug!("connection closed: time limit"),
            }
            drop(permit);
        });
    }
}

/// The response to one request.
async fn respond<B>(endpoints: &Endpoints, request: &Request<B>) -> Response<Body> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n".into());
        response.headers_mut().insert("allow", HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let response = match request.uri().path() {
        "/healthz" => {
            let check = lock(&endpoints.health).check(Utc::now());
            match check {
                Ok(summary) => text(StatusCode::OK, summary),
                Err(reasons) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{reasons}\n")),
            }
        }
        "/metrics" => {
            let body = lock(&endpoints.metrics).render();
            with_type(StatusCode::OK, body.into(), "text/plain; version=0.0.4; charset=utf-8")
        }
        "/feed.xml" => feed(endpoints.feed.as_ref()).await,
        "/" => text(StatusCode::OK, "pmagg daemon: /healthz /metrics /feed.xml\n".into()),
        _ => text(StatusCode::NOT_FOUND, "not found; try /healthz, /metrics or /feed.xml\n".into()),
    };
    if request.method() == Method::HEAD {
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::default());
    }
    response
}

async fn feed(path: Option<&PathBuf>) -> Response<Body> {
    let Some(path) = path else {
        return text(StatusCode::NOT_FOUND, "no feed is configured\n".into());
    };
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            let kind = feed_type(&bytes);
            with_type(StatusCode::OK, bytes.into(), kind)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            text(StatusCode::NOT_FOUND, "the feed has not been written yet\n".into())
        }
        Err(err) => {
            warn!(error = %err, path = %path.display(), "cannot read the feed");
            text(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the feed\n".into())
        }
    }
}

/// Atom or RSS by the root element, as feed readers expect the right type.
fn feed_type(bytes: &[u8]) -> &'static str {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]);
    if head.contains("<feed") {
        "application/atom+xml; charset=utf-8"
    } else if head.contains("<rss") {
        "application/rss+xml; charset=utf-8"
    } else {
        "application/xml"
    }
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    with_type(status, body.into(), "text/plain; charset=utf-8")
}

fn with_type(status: StatusCode, body: Bytes, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The state is plain data; a panic elsewhere leaves it readable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;
    use crate::schedule::health::PassResult;

    fn state(feed: Option<PathBuf>) -> Endpoints {
        let health = Health::new(Utc::now(), [("* * * * * *".to_owned(), None)]);
        Endpoints {
            health: Arc::new(Mutex::new(health)),
            metrics: Arc::new(Mutex::new(Metrics::new(["* * * * * *"]))),
            feed,
        }
    }

    async fn get(endpoints: &Endpoints, method: Method, path: &str) -> (StatusCode, String) {
        let request = Request::builder().method(method).uri(path).body(()).unwrap();
        let response = respond(endpoints, &request).await;
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn healthz_follows_the_health_state() {
        let endpoints = state(None);
        assert_eq!(get(&endpoints, Method::GET, "/healthz").await.0, StatusCode::OK);
        lock(&endpoints.health).record_pass(0, Utc::now(), PassResult::Failed("locked".into()));
        let (status, body) = get(&endpoints, Method::GET, "/healthz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("failed: locked"), "{body}");
    }

    #[tokio::test]
    async fn metrics_feed_head_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.xml");
        let endpoints = state(Some(path.clone()));
        let (status, body) = get(&endpoints, Method::GET, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("# TYPE pmagg_passes_total counter"), "{body}");

        assert_eq!(get(&endpoints, Method::GET, "/feed.xml").await.0, StatusCode::NOT_FOUND);
        std::fs::write(
            &path,
            "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"/>",
        )
        .unwrap();
        let (status, body) = get(&endpoints, Method::GET, "/feed.xml").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("<feed"));
        let (status, body) = get(&endpoints, Method::HEAD, "/feed.xml").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, ""));

        assert_eq!(
            get(&endpoints, Method::POST, "/healthz").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(get(&endpoints, Method::GET, "/nope").await.0, StatusCode::NOT_FOUND);
        let unconfigured = state(None);
        assert_eq!(get(&unconfigured, Method::GET, "/feed.xml").await.0, StatusCode::NOT_FOUND);
    }

    #[test]
    fn feed_types_by_root_element() {
        assert!(feed_type(b"<?xml?><feed>").starts_with("application/atom+xml"));
        assert!(feed_type(b"<rss version=\"2.0\">").starts_with("application/rss+xml"));
        assert_eq!(feed_type(b""), "application/xml");
    }
}
