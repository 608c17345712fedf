//! The site: browse, search and chart the collection over HTTP (`pmagg serve`, and the daemon
//! on `settings.listen`).
//!
//! Takes a read-only [`Store`] and returns an axum [`Router`] of GET routes: HTML pages (`/`,
//! `/postmortems/{id}`, `/companies/{slug}`, `/categories/{name}`, `/about`), the JSON API
//! (`/api/postmortems`, `/api/postmortems/{id}`) and the embedded stylesheet. Its place in the
//! flow is after `store` and beside `render`: it reads the store through the same typed query
//! as `pmagg list` ([`Store::collection`] with a [`PostmortemFilter`]) and renders archive
//! markdown with `render`'s rules. It must not write: its connections are opened read-only
//! and there is no route but GET/HEAD.
//!
//! Requests share a pool of read-only connections, one per core ([`MAX_READERS`] at most),
//! so that concurrent readers do not queue on one. A page reads the store once: the matches'
//! few list columns give the total, the chart points and the page's ids, and only the page's
//! rows are read in full ([`Store::collection_with_points`]). The filter form's company and
//! source lists cover the whole collection; each connection keeps them until `PRAGMA
//! data_version` says another connection (a sync, an import) committed.
//!
//! Pages are maud templates (checked at compile time, escaped by default) and work without
//! JavaScript; a Content-Security-Policy forbids script altogether. Charts are inline SVG
//! drawn here ([`charts`]).

pub mod charts;
mod markdown;
mod pages;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::Markup;
use tokio::sync::Semaphore;

use crate::model::{FilterError, PostmortemFilter};
use crate::store::{Store, StoreError};

/// The Content-Security-Policy of every response: no script at all, styles and images only
/// from the site itself, forms only to the site.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The stylesheet, embedded in the binary.
const STYLE: &str = include_str!("style.css");
/// The icon (an SVG), so that browsers asking for one get no 404.
const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
    <rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#b4232c\"/>\
    <path d=\"M4 11V5h3a2 2 0 0 1 0 4H4\" stroke=\"#fff\" stroke-width=\"1.6\" fill=\"none\"/></svg>";

/// Why the site could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The database could not be opened read-only.
    #[error("cannot open the database for the site")]
    Store {
        /// Why.
        #[source]
        source: StoreError,
    },
}

/// Read-only connections at most, one per core: each request holds one for its few
/// milliseconds of SQLite, so more would only queue on the CPU.
pub const MAX_READERS: usize = 4;

/// What the handlers share: a small pool of read-only connections (SQLite calls run on the
/// blocking pool, one connection per call).
#[derive(Clone)]
pub struct Site {
    pool: Arc<Pool>,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site").finish_non_exhaustive()
    }
}

/// Up to `permits` readers; a connection is opened when a request finds none idle (and one
/// lost to a panic is replaced that way), so an idle site holds one.
struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Reader>>,
    permits: Arc<Semaphore>,
}

/// One read-only connection and what it keeps while the database does not change.
struct Reader {
    store: Store,
    /// The filter form's company and source lists, with the `data_version` they were read
    /// at: they cover the whole collection, so they are read once per change, not per page.
    lists: Option<(i64, Arc<Lists>)>,
}

/// The whole collection's companies (with counts, most first) and sources.
struct Lists {
    companies: Vec<(String, u64)>,
    sources: Vec<String>,
}

impl Reader {
    fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self { store: Store::open_read_only(path)?, lists: None })
    }

    /// The company and source lists, read again only after another connection committed.
    fn lists(&mut self) -> Result<Arc<Lists>, StoreError> {
        let version = self.store.data_version()?;
        if let Some((read_at, lists)) = &self.lists
            && *read_at == version
        {
            return Ok(Arc::clone(lists));
        }
        let lists = Arc::new(Lists {
            companies: self.store.collection_companies()?,
            sources: self.store.collection_sources()?,
        });
        self.lists = Some((version, Arc::clone(&lists)));
        Ok(lists)
    }
}

impl Site {
    /// Opens the database at `path` read-only (one connection now, so that a database the
    /// site cannot read fails here; more as requests come in).
    pub fn open(path: &Path) -> Result<Self, WebError> {
        let reader = Reader::open(path).map_err(|source| WebError::Store { source })?;
        let readers = std::thread::available_parallelism()
            .map_or(2, std::num::NonZeroUsize::get)
            .clamp(1, MAX_READERS);
        Ok(Self {
            pool: Arc::new(Pool {
                path: path.to_owned(),
                idle: Mutex::new(vec![reader]),
                permits: Arc::new(Semaphore::new(readers)),
            }),
        })
    }

    /// The site's routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/", get(index))
            .route("/postmortems/{id}", get(postmortem))
            .route("/companies/{slug}", get(company))
            .route("/categories/{name}", get(category))
            .route("/about", get(about))
            .route("/api/postmortems", get(api_list))
            .route("/api/postmortems/{id}", get(api_one))
            .route("/style.css", get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
            .route("/favicon.ico", get(|| async { asset(ICON, "image/svg+xml") }))
            .fallback(|| async {
                failure(StatusCode::NOT_FOUND, "Not found", "There is no page at this address.")
            })
            .with_state(self)
    }

    /// Runs `read` with a reader of the pool, on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&mut Reader) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Response> {
        let internal =
            || failure(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "The request failed.");
        // The semaphore is never closed.
        let Ok(permit) = Arc::clone(&self.pool.permits).acquire_owned().await else {
            return Err(internal());
        };
        let pool = Arc::clone(&self.pool);
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let idle = pool.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let mut reader = match idle {
                Some(reader) => reader,
                None => Reader::open(&pool.path)?,
            };
            let value = read(&mut reader);
            pool.idle.lock().unwrap_or_else(PoisonError::into_inner).push(reader);
            value
        })
        .await;
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                tracing::warn!(error = %error_chain(&err), "site: store read failed");
                Err(failure(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Database error",
                    "The database could not be read.",
                ))
            }
            Err(_) => Err(internal()),
        }
    }
}

/// The error and its sources on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(next) = source {
        text.push_str(": ");
        text.push_str(&next.to_string());
        source = next.source();
    }
    text
}

/// Reads the filter from a raw query string, or says which parameter is wrong (a 400). The
/// text filter's syntax is checked by [`Site::read_filtered`], on the connection that
/// searches.
fn filter_from(query: Option<&str>, fixed: &[&str]) -> Result<PostmortemFilter, FilterError> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    if let Some((name, _)) = pairs.iter().find(|(name, _)| fixed.contains(&name.as_str())) {
        return Err(FilterError {
            name: name.clone(),
            why: "is set by this page's address".to_owned(),
        });
    }
    PostmortemFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

impl Site {
    /// [`Site::read`] for a filtered read: first checks the text filter `q`'s syntax on the
    /// same connection (one trip to the blocking pool, not two), answering 400 for `q`.
    async fn read_filtered<T: Send + 'static>(
        &self,
        q: Option<String>,
        read: impl FnOnce(&mut Reader) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Response> {
        let read = self
            .read(move |reader| {
                if let Some(q) = &q
                    && reader.store.check_search_syntax(q).is_err()
                {
                    return Ok(None);
                }
                read(reader).map(Some)
            })
            .await?;
        read.ok_or_else(|| {
            bad_request(&FilterError {
                name: "q".to_owned(),
                why: "is not a valid search: use words, \"quoted phrases\", AND, OR, NOT and \
                      prefix*, e.g. \"root cause\" AND database"
                    .to_owned(),
            })
        })
    }
}

async fn index(State(site): State<Site>, RawQuery(query): RawQuery) -> Response {
    let filter = match filter_from(query.as_deref(), &[]) {
        Ok(filter) => filter,
        Err(err) => return bad_request(&err),
    };
    let for_read = filter.clone();
    let read = site
        .read_filtered(filter.q.clone(), move |reader| {
            Ok((reader.store.collection_with_points(&for_read)?, reader.lists()?))
        })
        .await;
    match read {
        Ok(((page, points), lists)) => html(
            StatusCode::OK,
            pages::index(&filter, &page, &points, &lists.companies, &lists.sources),
        ),
        Err(response) => response,
    }
}

async fn postmortem(State(site): State<Site>, UrlPath(id): UrlPath<String>) -> Response {
    let lookup = id.clone();
    match site.read(move |reader| reader.store.collection_item(&lookup)).await {
        Ok(Some(detail)) => html(StatusCode::OK, pages::postmortem(&detail)),
        Ok(None) => failure(
            StatusCode::NOT_FOUND,
            "No such postmortem",
            &format!("There is no postmortem with id {id}."),
        ),
        Err(response) => response,
    }
}

async fn company(
    State(site): State<Site>,
    UrlPath(slug): UrlPath<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let filter = match filter_from(query.as_deref(), &["company"]) {
        Ok(filter) => filter,
        Err(err) => return bad_request(&err),
    };
    let read = site
        .read_filtered(filter.q.clone(), move |reader| {
            let lists = reader.lists()?;
            let Some((name, _)) =
                lists.companies.iter().find(|(name, _)| pages::slug(name) == slug)
            else {
                return Ok(None);
            };
            let filter = PostmortemFilter { company: Some(name.clone()), ..filter };
            let (page, points) = reader.store.collection_with_points(&filter)?;
            Ok(Some((name.clone(), filter, page, points)))
        })
        .await;
    match read {
        Ok(Some((name, filter, page, points))) => {
            html(StatusCode::OK, pages::company(&name, &filter, &page, &points))
        }
        Ok(None) => failure(StatusCode::NOT_FOUND, "No such company", "No postmortem names it."),
        Err(response) => response,
    }
}

async fn category(
    State(site): State<Site>,
    UrlPath(name): UrlPath<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut filter = match filter_from(query.as_deref(), &["category"]) {
        Ok(filter) => filter,
        Err(err) => return bad_request(&err),
    };
    filter.category = Some(name.clone());
    let for_read = filter.clone();
    match site
        .read_filtered(filter.q.clone(), move |reader| {
            reader.store.collection_with_points(&for_read)
        })
        .await
    {
        Ok((page, _)) if page.total == 0 => {
            failure(StatusCode::NOT_FOUND, "No such category", "No postmortem has it.")
        }
        Ok((page, points)) => html(StatusCode::OK, pages::category(&name, &filter, &page, &points)),
        Err(response) => response,
    }
}

async fn about(State(site): State<Site>) -> Response {
    let read = site
        .read(|reader| {
            let everything = PostmortemFilter { per_page: 1, ..PostmortemFilter::everything() };
            Ok((reader.store.source_states()?, reader.store.collection(&everything)?.total))
        })
        .await;
    match read {
        Ok((sources, total)) => html(StatusCode::OK, pages::about(&sources, total)),
        Err(response) => response,
    }
}

async fn api_list(State(site): State<Site>, RawQuery(query): RawQuery) -> Response {
    let filter = match filter_from(query.as_deref(), &[]) {
        Ok(filter) => filter,
        Err(err) => return json_error(&bad_request(&err)),
    };
    match site.read_filtered(filter.q.clone(), move |reader| reader.store.collection(&filter)).await
    {
        Ok(page) => json(StatusCode::OK, &page),
        Err(response) => json_error(&response),
    }
}

async fn api_one(State(site): State<Site>, UrlPath(id): UrlPath<String>) -> Response {
    match site.read(move |reader| reader.store.collection_item(&id)).await {
        Ok(Some(detail)) => json(StatusCode::OK, &detail),
        Ok(None) => {
            json(StatusCode::NOT_FOUND, &serde_json::json!({"error": "no such postmortem"}))
        }
        Err(response) => json_error(&response),
    }
}

/// An HTML error answer turned into JSON with the same status.
fn json_error(response: &Response) -> Response {
    let status = response.status();
    let message = response
        .headers()
        .get("x-pmagg-error")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("error")
        .to_owned();
    json(status, &serde_json::json!({ "error": message }))
}

/// Headers every answer carries.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn html(status: StatusCode, markup: Markup) -> Response {
    secured(
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))],
            markup.into_string(),
        )
            .into_response(),
    )
}

fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
    let body = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_owned());
    secured(
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body)
            .into_response(),
    )
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    secured(
        (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
            ],
            body,
        )
            .into_response(),
    )
}

/// A 400 page that names the parameter and says why.
fn bad_request(err: &FilterError) -> Response {
    let mut response = html(StatusCode::BAD_REQUEST, pages::bad_request(err));
    if let Ok(value) = HeaderValue::from_str(&err.to_string()) {
        response.headers_mut().insert("x-pmagg-error", value);
    }
    response
}

fn failure(status: StatusCode, title: &str, detail: &str) -> Response {
    let mut response = html(status, pages::failure(title, detail));
    if let Ok(value) = HeaderValue::from_str(detail) {
        response.headers_mut().insert("x-pmagg-error", value);
    }
    response
}
