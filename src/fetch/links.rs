//! Link checks and the archive's APIs (issue #18): GET a link, keep only its status.
//!
//! A check is a GET, not a HEAD (many sites answer HEAD with 404 or 405 while the page is
//! there), through the process's one client, its per-host limit and its retries for
//! transient answers (429 and 5xx, honouring `Retry-After`). The body is never read: the
//! response is dropped once its headers arrived. What a status means (broken or
//! inconclusive) is decided here, as it is a property of the HTTP answer; whether a link is
//! dead is the store's record and the policy's business ([`crate::model::links`]).

use std::time::SystemTime;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use tracing::{debug, instrument};
use url::Url;

use super::{FetchError, Fetcher, retry};
use crate::model::links::{LinkOutcome, LinkProbe};

/// What a link check accepts: any page.
const ACCEPT_ANY: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

impl Fetcher {
    /// Checks one link: GET, headers only, with the per-host limit and bounded retries.
    #[instrument(skip_all, fields(url = %url))]
    pub async fn probe_link(&self, url: &Url) -> LinkProbe {
        let mut attempt = 1;
        loop {
            let permit = self.limits.acquire(url).await;
            let result = self.client.get(url.clone()).header(ACCEPT, ACCEPT_ANY).send().await;
            // The body is dropped unread with the response, before the slot is freed.
            let answer = result.map(|response| (response.status(), response.headers().clone()));
            drop(permit);
            let probe = match answer {
                Ok((status, headers)) => {
                    debug!(status = status.as_u16(), attempt, "link answered");
                    if retry::is_transient_status(status) && attempt < retry::MAX_ATTEMPTS {
                        let asked = retry::retry_after(&headers, SystemTime::now());
                        if let Some(wait) = retry::backoff(attempt + 1, asked) {
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                            continue;
                        }
                    }
                    probe_of_status(status)
                }
                Err(source) => {
                    let err = FetchError::from_reqwest(url, attempt, source);
                    if err.is_transient()
                        && attempt < retry::MAX_ATTEMPTS
                        && !resolves_not(url).await
                        && let Some(wait) = retry::backoff(attempt + 1, None)
                    {
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    probe_of_error(url, &err).await
                }
            };
            return probe;
        }
    }
}

/// What a failed request says about a link.
async fn probe_of_error(url: &Url, err: &FetchError) -> LinkProbe {
    let error = Some(DisplayChain(err).to_string());
    // A connection failure is evidence only when the name does not resolve: a refused or
    // reset connection is often a server having a bad night.
    if !matches!(err, FetchError::Timeout { .. }) && resolves_not(url).await {
        return LinkProbe {
            outcome: LinkOutcome::Broken,
            status: None,
            error: Some(format!("DNS: no address for {}", url.host_str().unwrap_or(""))),
        };
    }
    LinkProbe { outcome: LinkOutcome::Inconclusive, status: None, error }
}

impl Fetcher {
    /// GETs a small JSON document (the archive's CDX and availability answers, a Save Page
    /// Now status) with the client's retries; the body is returned as it came.
    #[instrument(skip_all, fields(url = %url), err(level = tracing::Level::DEBUG, Display))]
    pub async fn get_json(&self, url: &Url) -> Result<bytes::Bytes, FetchError> {
        let validators = crate::model::Validators::default();
        let request =
            super::FetchRequest { url, accept: "application/json", validators: &validators };
        match self.fetch(request).await? {
            super::Fetched::Body(response) => Ok(response.body),
            super::Fetched::NotModified => Ok(bytes::Bytes::new()),
        }
    }

    /// POSTs a form to Save Page Now with its `LOW access:secret` authorization; one attempt
    /// (a submission is not idempotent), the per-host limit applies.
    #[instrument(skip_all, fields(url = %url), err(level = tracing::Level::DEBUG, Display))]
    pub async fn post_form(
        &self,
        url: &Url,
        authorization: &str,
        form: &[(&str, &str)],
    ) -> Result<bytes::Bytes, FetchError> {
        let permit = self.limits.acquire(url).await;
        let mut auth = HeaderValue::from_str(authorization).map_err(|_| FetchError::Status {
            url: url.clone(),
            status: 401,
            attempts: 1,
            retry_after: None,
        })?;
        auth.set_sensitive(true);
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let response = self
            .client
            .post(url.clone())
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, auth)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|source| FetchError::from_reqwest(url, 1, source))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.clone(),
                status: status.as_u16(),
                attempts: 1,
                retry_after: None,
            });
        }
        let bytes =
            response.bytes().await.map_err(|source| FetchError::from_reqwest(url, 1, source))?;
        drop(permit);
        Ok(bytes)
    }
}

/// What an HTTP status (after redirects) says about a link.
fn probe_of_status(status: StatusCode) -> LinkProbe {
    let code = status.as_u16();
    let outcome = if status.is_success() {
        LinkOutcome::Ok
    } else if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        LinkOutcome::Broken
    } else {
        LinkOutcome::Inconclusive
    };
    let error = (outcome != LinkOutcome::Ok).then(|| format!("HTTP {code}"));
    LinkProbe { outcome, status: Some(code), error }
}

/// Whether the link's host name has no address. An IP address always has one; so does a
/// name that the resolver could not be asked about (that is a failure of ours, not the
/// site's), which is why only a lookup that answered "no such name" counts.
async fn resolves_not(url: &Url) -> bool {
    let Some(url::Host::Domain(host)) = url.host() else {
        return false;
    };
    let port = url.port_or_known_default().unwrap_or(80);
    match tokio::net::lookup_host((host, port)).await {
        Ok(mut addrs) => addrs.next().is_none(),
        Err(_) => true,
    }
}

/// Prints an error with its causes, `a: b: c`.
struct DisplayChain<'a>(&'a FetchError);

impl std::fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = std::error::Error::source(self.0);
        while let Some(next) = cause {
            write!(f, ": {next}")?;
            cause = next.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_sort_into_outcomes() {
        for (code, outcome) in [
            (200, LinkOutcome::Ok),
            (404, LinkOutcome::Broken),
            (410, LinkOutcome::Broken),
            (429, LinkOutcome::Inconclusive),
            (500, LinkOutcome::Inconclusive),
            (403, LinkOutcome::Inconclusive),
        ] {
            assert_eq!(probe_of_status(StatusCode::from_u16(code).unwrap()).outcome, outcome);
        }
    }

    #[tokio::test]
    async fn invalid_names_do_not_resolve() {
        assert!(resolves_not(&Url::parse("http://gone.invalid/x").unwrap()).await);
        assert!(!resolves_not(&Url::parse("http://127.0.0.1:9/x").unwrap()).await);
    }
}
