//! Which failures are worth another attempt, and how long to wait before it.
//!
//! Transient: timeouts, connection resets, truncated bodies, 408, 429 and 5xx. Everything else
//! (other 4xx, oversized bodies, redirect errors) fails at once. Waits grow exponentially with
//! full jitter; a `Retry-After` header wins when it asks for longer, up to [`RETRY_AFTER_CAP`].

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// Base wait before the second attempt; doubled for each one after.
pub const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// The longest `Retry-After` honoured within one pass. A server asking for more is recorded as
/// failed for this pass instead of holding the pass up.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);

/// Statuses worth retrying.
pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before attempt `next` (2 for the first retry), honouring `Retry-After`.
///
/// Returns `None` when the server asks for a wait longer than [`RETRY_AFTER_CAP`].
pub(crate) fn backoff(next: u32, retry_after: Option<Duration>) -> Option<Duration> {
    let exp = BACKOFF_BASE * 2u32.saturating_pow(next.saturating_sub(2));
    // "Full jitter": spreads retries of many sources that failed together.
    let jittered = exp / 2 + exp.mul_f64(fastrand::f64() / 2.0);
    match retry_after {
        Some(wait) if wait > RETRY_AFTER_CAP => None,
        Some(wait) => Some(wait.max(jittered)),
        None => Some(jittered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn transient_statuses() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(is_transient_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [400, 401, 403, 404, 410, 451] {
            assert!(!is_transient_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(90)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn backoff_grows_and_respects_the_cap() {
        for _ in 0..100 {
            let first = backoff(2, None).unwrap();
            assert!(first >= BACKOFF_BASE / 2 && first <= BACKOFF_BASE);
            let second = backoff(3, None).unwrap();
            assert!(second >= BACKOFF_BASE && second <= BACKOFF_BASE * 2);
        }
        assert!(backoff(2, Some(Duration::from_secs(5))).unwrap() >= Duration::from_secs(5));
        assert_eq!(backoff(2, Some(RETRY_AFTER_CAP + Duration::from_secs(1))), None);
    }
}
