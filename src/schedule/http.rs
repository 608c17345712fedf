//! The daemon's HTTP endpoints on `settings.listen`: `GET /healthz`, `/metrics` and
//! `/feed.xml`, and the site. Read-only views of the daemon's state and of the database.
//!
//! HTTP/1.1 through axum. With a [`Site`], the same router serves the site (`crate::web`)
//! beside these three routes, on the daemon's read-only connection.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use axum::http::{HeaderMap, Response, StatusCode};
use axum::routing::get;
use chrono::Utc;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tracing::warn;

use super::health::Health;
use super::metrics::Metrics;
use crate::web::Site;

/// What the endpoints show.
#[derive(Debug)]
pub(super) struct Endpoints {
    pub(super) health: Arc<Mutex<Health>>,
    pub(super) metrics: Arc<Mutex<Metrics>>,
    /// The rendered feed file served at /feed.xml, when one is configured.
    pub(super) feed: Option<PathBuf>,
}

/// The daemon's routes: its own three, then the site (when there is one) for the rest.
pub(super) fn router(endpoints: Arc<Endpoints>, site: Option<Site>) -> Router {
    let own = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/feed.xml", get(feed))
        .with_state(endpoints);
    match site {
        Some(site) => own.merge(site.router()),
        None => own.fallback(|| async {
            text(StatusCode::NOT_FOUND, "not found; try /healthz, /metrics or /feed.xml\n".into())
        }),
    }
}

/// Serves `listener` until the task is aborted.
pub(super) async fn serve(listener: TcpListener, endpoints: Arc<Endpoints>, site: Option<Site>) {
    if let Err(err) = axum::serve(listener, router(endpoints, site)).await {
        warn!(error = %err, "the HTTP server stopped");
    }
}

async fn healthz(State(endpoints): State<Arc<Endpoints>>) -> Response<Body> {
    let check = lock(&endpoints.health).check(Utc::now());
    match check {
        Ok(summary) => text(StatusCode::OK, summary),
        Err(reasons) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{reasons}\n")),
    }
}

async fn metrics(State(endpoints): State<Arc<Endpoints>>) -> Response<Body> {
    let body = lock(&endpoints.metrics).render();
    with_type(StatusCode::OK, body.into(), "text/plain; version=0.0.4; charset=utf-8")
}

/// The feed with validators: an ETag (SHA-256 of the bytes) and Last-Modified (the file's
/// mtime), and 304 to a reader whose If-None-Match (or, without one, If-Modified-Since)
/// still holds (RFC 9110 §13.1).
async fn feed(State(endpoints): State<Arc<Endpoints>>, headers: HeaderMap) -> Response<Body> {
    let Some(path) = endpoints.feed.as_ref() else {
        return text(StatusCode::NOT_FOUND, "no feed is configured\n".into());
    };
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return text(StatusCode::NOT_FOUND, "the feed has not been written yet\n".into());
        }
        Err(err) => {
            warn!(error = %err, path = %path.display(), "cannot read the feed");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the feed\n".into());
        }
    };
    let modified = tokio::fs::metadata(path).await.and_then(|m| m.modified()).ok();
    let digest = Sha256::digest(&bytes);
    let etag = digest.iter().take(16).fold(String::from("\""), |mut tag, b| {
        let _ = write!(tag, "{b:02x}");
        tag
    }) + "\"";
    let fresh = match headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(tags) => tags.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        }),
        None => match (headers.get(IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()), modified) {
            (Some(since), Some(modified)) => httpdate::parse_http_date(since)
                .is_ok_and(|since| seconds(modified) <= seconds(since)),
            _ => false,
        },
    };
    let mut response = if fresh {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let kind = feed_type(&bytes);
        let mut response = with_type(StatusCode::OK, bytes.into(), kind);
        // Readers revalidate with the validators below instead of refetching the body.
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(ETAG, value);
    }
    if let Some(modified) = modified
        && let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(modified))
    {
        response.headers_mut().insert(LAST_MODIFIED, value);
    }
    response
}

/// Whole seconds since the epoch: HTTP dates have no fractions.
fn seconds(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
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

fn with_type(status: StatusCode, body: Body, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(body);
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
    use axum::http::Method;
    use http_body_util::BodyExt;
    use tower::ServiceExt as _;

    use super::*;
    use crate::schedule::health::PassResult;

    fn state(feed: Option<PathBuf>) -> Arc<Endpoints> {
        let health = Health::new(Utc::now(), [("* * * * * *".to_owned(), None)]);
        Arc::new(Endpoints {
            health: Arc::new(Mutex::new(health)),
            metrics: Arc::new(Mutex::new(Metrics::new(["* * * * * *"]))),
            feed,
        })
    }

    async fn get(endpoints: &Arc<Endpoints>, method: Method, path: &str) -> (StatusCode, String) {
        let (status, _, body) = send(endpoints, method, path, &[]).await;
        (status, body)
    }

    async fn send(
        endpoints: &Arc<Endpoints>,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut request = axum::http::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = router(Arc::clone(endpoints), None)
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
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

        // A reader polling with the validators it was given gets 304 (#16).
        let (_, headers, _) = send(&endpoints, Method::GET, "/feed.xml", &[]).await;
        let etag = headers[ETAG].to_str().unwrap().to_owned();
        let modified = headers[LAST_MODIFIED].to_str().unwrap().to_owned();
        let (status, again, body) =
            send(&endpoints, Method::GET, "/feed.xml", &[("if-none-match", &etag)]).await;
        assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));
        assert_eq!(again[ETAG].to_str().unwrap(), etag);
        let (status, _, _) =
            send(&endpoints, Method::GET, "/feed.xml", &[("if-modified-since", &modified)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        let (status, _, _) =
            send(&endpoints, Method::GET, "/feed.xml", &[("if-none-match", "\"other\"")]).await;
        assert_eq!(status, StatusCode::OK);

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
