//! Async HTTP: one request in, a body (or "not modified") out.
//!
//! Fetch knows nothing about feeds, extraction or SQLite; it never parses. It owns politeness
//! (the per-host limit), conditional GET (validators in, new validators out), bounded retries
//! for transient failures, and the body size cap, which is enforced while the body streams in
//! so an oversized response is never buffered whole. [`backoff`] holds the policy for sources
//! that keep failing from pass to pass; the pipeline applies it.

pub mod backoff;
mod client;
mod limits;
mod links;
pub mod retry;

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
};
use tracing::{debug, instrument};
use url::Url;

/// For `publish`'s GitHub API calls, which go through the same client settings.
pub(crate) use client::build_client;
use limits::HostLimits;

use crate::config::Settings;
use crate::model::Validators;

/// Fetches URLs politely. Cheap to share behind an `Arc`; one per process.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: HostLimits,
    max_body_bytes: u64,
    start_jitter: Duration,
}

/// What to fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchRequest<'a> {
    /// The URL.
    pub url: &'a Url,
    /// The `Accept` header for what the caller can parse.
    pub accept: &'static str,
    /// Validators from the last successful fetch, for a conditional GET.
    pub validators: &'a Validators,
}

/// A successful fetch.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// A body arrived (2xx).
    Body(Response),
    /// The server answered 304: nothing changed since the validators were stored.
    NotModified,
}

/// A 2xx response with its body read in full (within the cap).
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Where the body came from, after redirects; relative links resolve against it.
    pub final_url: Url,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The raw body, decompressed but not decoded: parsers see the declared encoding.
    pub body: Bytes,
    /// Validators to store once the body has been parsed.
    pub validators: Validators,
}

impl Fetcher {
    /// Builds the process's HTTP client from the settings.
    pub fn new(settings: &Settings) -> Result<Self, FetchError> {
        let client =
            client::build_client(settings).map_err(|source| FetchError::Client { source })?;
        Ok(Self {
            client,
            limits: HostLimits::new(settings.per_host),
            max_body_bytes: settings.max_body_bytes,
            start_jitter: Duration::ZERO,
        })
    }

    /// Makes [`Fetcher::start_offsets`] spread sources over `max` (the daemon sets this; `pmagg sync` runs
    /// without, as someone is waiting for it).
    #[must_use]
    pub fn with_start_jitter(mut self, max: Duration) -> Self {
        self.start_jitter = max;
        self
    }

    /// Random start offsets for `n` sources of a pass, below the start jitter (all zero by
    /// default), in increasing order, so that sources ticking together, several of them
    /// often on one host, do not reach it in the same instant. The per-host limit still
    /// applies after.
    ///
    /// The pass starts its sources in this order, each at its offset from the pass's start:
    /// a source waiting for its moment holds a concurrency slot only until then, so the
    /// jitter delays a pass by at most its maximum. (A random sleep per source inside its
    /// slot made a 1000-source pass with a 6 s jitter take minutes instead of seconds.)
    pub fn start_offsets(&self, n: usize) -> Vec<Duration> {
        let mut offsets: Vec<Duration> = (0..n)
            .map(|_| {
                if self.start_jitter.is_zero() {
                    Duration::ZERO
                } else {
                    self.start_jitter.mul_f64(fastrand::f64())
                }
            })
            .collect();
        offsets.sort_unstable();
        offsets
    }

    /// Fetches one URL with conditional GET, bounded retries and the body cap: a body over
    /// `max_body_bytes` is an error.
    #[instrument(skip_all, fields(url = %request.url), err(level = tracing::Level::DEBUG, Display))]
    pub async fn fetch(&self, request: FetchRequest<'_>) -> Result<Fetched, FetchError> {
        self.fetch_within(request, BodyCap::Refuse(self.max_body_bytes)).await
    }

    /// Like [`Fetcher::fetch`], but a body longer than `max_bytes` (or `max_body_bytes`, if
    /// smaller) is not an error: its first `max_bytes` are returned and the rest is never read.
    /// For pages of which only the start is used (an article's report).
    #[instrument(skip_all, fields(url = %request.url), err(level = tracing::Level::DEBUG, Display))]
    pub async fn fetch_prefix(
        &self,
        request: FetchRequest<'_>,
        max_bytes: u64,
    ) -> Result<Fetched, FetchError> {
        self.fetch_within(request, BodyCap::Prefix(max_bytes.min(self.max_body_bytes))).await
    }

    async fn fetch_within(
        &self,
        request: FetchRequest<'_>,
        cap: BodyCap,
    ) -> Result<Fetched, FetchError> {
        let mut attempt = 1;
        loop {
            let permit = self.limits.acquire(request.url).await;
            let result = self.attempt(request, attempt, cap).await;
            drop(permit);
            match result {
                Err(err) if err.is_transient() && attempt < retry::MAX_ATTEMPTS => {
                    let Some(wait) = retry::backoff(attempt + 1, err.retry_after()) else {
                        return Err(err);
                    };
                    debug!(error = %err, ?wait, attempt, "transient failure, retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn attempt(
        &self,
        request: FetchRequest<'_>,
        attempt: u32,
        cap: BodyCap,
    ) -> Result<Fetched, FetchError> {
        let url = request.url;
        let mut builder = self.client.get(url.clone()).header(ACCEPT, request.accept);
        if let Some(etag) = header_value(request.validators.etag.as_deref()) {
            builder = builder.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = header_value(request.validators.last_modified.as_deref()) {
            builder = builder.header(IF_MODIFIED_SINCE, modified);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|source| FetchError::from_reqwest(url, attempt, source))?;
        let status = response.status();
        debug!(status = status.as_u16(), attempt, "response");
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if status.is_redirection() {
            // The client follows every redirect it may; one it handed back points somewhere
            // it must not go (a `file:` URL, say) or nowhere at all.
            let location = response.headers().get(LOCATION).map(|value| {
                let text = String::from_utf8_lossy(value.as_bytes());
                text.chars().take(200).flat_map(char::escape_debug).collect::<String>()
            });
            return Err(FetchError::RedirectRefused {
                url: url.clone(),
                status: status.as_u16(),
                location: location.unwrap_or_else(|| "nowhere (no Location header)".into()),
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.clone(),
                status: status.as_u16(),
                attempts: attempt,
                retry_after: retry::retry_after(response.headers(), SystemTime::now()),
            });
        }
        let headers = response.headers().clone();
        let final_url = response.url().clone();
        // A declared length over the cap is refused before a byte of the body is read. (With
        // compression the header gives the compressed size, so the streamed check below still
        // guards the decompressed one.)
        let declared = content_length(&headers);
        if let (BodyCap::Refuse(limit), Some(length)) = (cap, declared)
            && length > limit
        {
            return Err(FetchError::TooLarge { url: url.clone(), limit });
        }
        let (BodyCap::Refuse(limit) | BodyCap::Prefix(limit)) = cap;
        // A declared length sizes the buffer once (never past the cap: the header may lie).
        let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(limit) as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|source| FetchError::from_reqwest(url, attempt, source))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                if let BodyCap::Prefix(limit) = cap {
                    let room = limit as usize - body.len();
                    body.extend_from_slice(&chunk[..room]);
                    debug!(bytes = body.len(), "body cut at the prefix limit");
                    break;
                }
                return Err(FetchError::TooLarge { url: url.clone(), limit });
            }
            body.extend_from_slice(&chunk);
        }
        debug!(bytes = body.len(), "body read");
        Ok(Fetched::Body(Response {
            status: status.as_u16(),
            final_url,
            content_type: header_string(&headers, &CONTENT_TYPE),
            body: body.freeze(),
            validators: Validators {
                etag: header_string(&headers, &ETAG),
                last_modified: header_string(&headers, &LAST_MODIFIED),
            },
        }))
    }
}

/// What happens to a body longer than the limit.
#[derive(Debug, Clone, Copy)]
enum BodyCap {
    /// It fails the fetch ([`FetchError::TooLarge`]).
    Refuse(u64),
    /// Its first bytes are kept and the rest is not read.
    Prefix(u64),
}

fn header_value(value: Option<&str>) -> Option<HeaderValue> {
    value.and_then(|v| HeaderValue::from_str(v).ok())
}

fn header_string(headers: &HeaderMap, name: &reqwest::header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned).filter(|v| !v.is_empty())
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// Why a fetch failed. Each variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The HTTP client could not be built (bad settings or no TLS roots).
    #[error("cannot build the HTTP client")]
    Client {
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// No complete answer within the timeout.
    #[error("timed out fetching {url} (after {attempts} attempt{})", plural(*attempts))]
    Timeout {
        /// The URL.
        url: Url,
        /// Attempts made.
        attempts: u32,
    },
    /// The connection failed (DNS, refused, reset, TLS).
    #[error("cannot connect to {url} (after {attempts} attempt{})", plural(*attempts))]
    Connect {
        /// The URL.
        url: Url,
        /// Attempts made.
        attempts: u32,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// A redirect loop, too many redirects, or a redirect away from http(s).
    #[error("bad redirect from {url}")]
    Redirect {
        /// The URL.
        url: Url,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// A redirect the client would not follow: to a URL that is not http(s), or without a
    /// `Location`.
    #[error("bad redirect from {url}: HTTP {status} to {location}, which is not an http(s) URL")]
    RedirectRefused {
        /// The URL.
        url: Url,
        /// The redirect status.
        status: u16,
        /// Where it pointed (escaped, at most 200 characters).
        location: String,
    },
    /// The server answered with an error status.
    #[error("HTTP {status} from {url}{}", if *attempts > 1 { format!(" (after {attempts} attempts)") } else { String::new() })]
    Status {
        /// The URL.
        url: Url,
        /// The status code.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// What `Retry-After` asked for, if anything.
        retry_after: Option<Duration>,
    },
    /// The body is larger than `settings.max_body_bytes`.
    #[error("body of {url} is larger than the {limit}-byte limit (max_body_bytes)")]
    TooLarge {
        /// The URL.
        url: Url,
        /// The limit.
        limit: u64,
    },
    /// The body broke off or could not be decompressed.
    #[error("cannot read the body of {url} (after {attempts} attempt{})", plural(*attempts))]
    Body {
        /// The URL.
        url: Url,
        /// Attempts made.
        attempts: u32,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// Any other request error.
    #[error("request to {url} failed")]
    Request {
        /// The URL.
        url: Url,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
}

/// Whether a body error comes from the connection (a truncated body) rather than from
/// decompressing what arrived.
fn broke_off(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(next) = cause {
        if next.downcast_ref::<hyper::Error>().is_some() {
            return true;
        }
        cause = next.source();
    }
    false
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl FetchError {
    fn from_reqwest(url: &Url, attempts: u32, source: reqwest::Error) -> Self {
        let url = url.clone();
        if source.is_timeout() {
            FetchError::Timeout { url, attempts }
        } else if source.is_redirect() {
            FetchError::Redirect { url, source }
        } else if source.is_connect() {
            FetchError::Connect { url, attempts, source }
        } else if source.is_body() || source.is_decode() {
            FetchError::Body { url, attempts, source }
        } else {
            FetchError::Request { url, source }
        }
    }

    /// Worth another attempt within this pass.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Connect { .. } => true,
            // reqwest reports a body that broke off as a decode error once decompression is
            // enabled: it is the connection's (hyper's) error under it that tells.
            FetchError::Body { source, .. } => !source.is_decode() || broke_off(source),
            FetchError::Status { status, .. } => {
                StatusCode::from_u16(*status).is_ok_and(retry::is_transient_status)
            }
            FetchError::Client { .. }
            | FetchError::Redirect { .. }
            | FetchError::RedirectRefused { .. }
            | FetchError::TooLarge { .. }
            | FetchError::Request { .. } => false,
        }
    }

    /// The HTTP status received, if the failure came with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// What the server's `Retry-After` asked for, if the failure came with one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_offsets_are_sorted_within_the_jitter_and_zero_without_one() {
        let fetcher = Fetcher::new(&Settings::default()).unwrap();
        assert!(fetcher.start_offsets(50).iter().all(Duration::is_zero));
        let max = Duration::from_secs(6);
        let offsets = fetcher.with_start_jitter(max).start_offsets(1000);
        assert_eq!(offsets.len(), 1000);
        assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "in increasing order");
        assert!(offsets.iter().all(|o| *o < max));
        assert!(offsets[999] > Duration::from_secs(3), "spread over the jitter");
    }
}
