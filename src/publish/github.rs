//! The GitHub side of publishing: find, open or update pmagg's pull request through the REST
//! API (`/repos/{owner}/{repo}/pulls`), with the process's one HTTP client.
//!
//! The API's base URL is a parameter (`--api-url`, `GITHUB_API_URL`), so GitHub Enterprise
//! (`https://HOST/api/v3`) and loopback mocks work like github.com. The token lives in a
//! [`Token`] (a [`SecretString`]) and leaves it only as the `Authorization` header, which is
//! marked sensitive so that no `Debug` of the request shows it. GitHub's error messages are
//! quoted in errors after [`redact`] has removed the token, in case a server echoes it.
//!
//! GET and PATCH are retried on 408, 429, 5xx, timeouts and connection failures (3 attempts
//! with backoff); POST, which opens a pull request, is never retried: a second one could
//! open a second pull request.

use std::fmt;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::zeroize::Zeroize as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::{PublishError, PullRequestText, RepoSlug, redact};

/// The REST API version pmagg is written against.
pub const API_VERSION: &str = "2022-11-28";
/// Attempts for an idempotent request, the first included.
const MAX_ATTEMPTS: u32 = 3;
/// Wait before the second attempt; doubled for each one after.
const RETRY_BASE: Duration = Duration::from_millis(500);

/// The token, and the environment variable it came from (named in errors instead of it).
pub struct Token {
    secret: SecretString,
    var: String,
}

impl Token {
    /// Reads the token from the environment variable `var`.
    pub fn from_env(var: &str) -> Result<Self, PublishError> {
        match std::env::var(var) {
            Ok(mut value) if !value.trim().is_empty() => {
                let secret = SecretString::from(value.trim().to_owned());
                value.zeroize();
                Ok(Self { secret, var: var.to_owned() })
            }
            _ => Err(PublishError::MissingToken { var: var.to_owned() }),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("var", &self.var).field("secret", &"[REDACTED]").finish()
    }
}

/// A pull request as GitHub describes it (the fields pmagg uses).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequest {
    /// Its number in the repository.
    pub number: u64,
    /// Its page.
    pub html_url: String,
}

/// The pulls API of one repository.
#[derive(Debug)]
pub struct GitHub {
    client: reqwest::Client,
    api: String,
    repo: RepoSlug,
    token: Token,
}

/// GitHub's error body: `{"message": ..., "errors": [{"message"|"code"|"field": ...}]}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: Option<String>,
    code: Option<String>,
    field: Option<String>,
}

impl GitHub {
    /// The pulls API of `repo` at `api` (e.g. `https://api.github.com`), authenticated with
    /// `token`, through `client` (the process's one client).
    pub fn new(client: reqwest::Client, api: &Url, repo: RepoSlug, token: Token) -> Self {
        Self { client, api: api.as_str().trim_end_matches('/').to_owned(), repo, token }
    }

    /// The open pull request from `branch` into `base`, if there is one.
    pub async fn find_open_pull(
        &self,
        branch: &str,
        base: &str,
    ) -> Result<Option<PullRequest>, PublishError> {
        let mut url = self.url("pulls")?;
        url.query_pairs_mut()
            .append_pair("state", "open")
            .append_pair("head", &format!("{}:{branch}", self.repo.owner))
            .append_pair("base", base)
            .append_pair("per_page", "10");
        let pulls: Vec<PullRequest> =
            self.send(Method::GET, url, None, "list the open pull requests").await?;
        Ok(pulls.into_iter().min_by_key(|p| p.number))
    }

    /// Opens a pull request from `branch` into `base`.
    pub async fn open_pull(
        &self,
        branch: &str,
        base: &str,
        text: &PullRequestText,
    ) -> Result<PullRequest, PublishError> {
        let body = serde_json::json!({
            "title": text.title,
            "head": branch,
            "base": base,
            "body": text.body,
            "maintainer_can_modify": true,
        });
        self.send(Method::POST, self.url("pulls")?, Some(body), "open a pull request").await
    }

    /// Replaces the title and description of pull request `number`.
    pub async fn update_pull(
        &self,
        number: u64,
        text: &PullRequestText,
    ) -> Result<PullRequest, PublishError> {
        let body = serde_json::json!({ "title": text.title, "body": text.body });
        let url = self.url(&format!("pulls/{number}"))?;
        self.send(Method::PATCH, url, Some(body), "update the pull request").await
    }

    /// Adds labels to pull request `number` (through the issues API, which pull requests
    /// share). The caller decides whether a refusal matters: a token without `issues: write`
    /// cannot label.
    pub async fn add_labels(&self, number: u64, labels: &[&str]) -> Result<(), PublishError> {
        let body = serde_json::json!({ "labels": labels });
        let url = self.url(&format!("issues/{number}/labels"))?;
        let _: serde_json::Value =
            self.send(Method::POST, url, Some(body), "label the pull request").await?;
        Ok(())
    }

    fn url(&self, tail: &str) -> Result<Url, PublishError> {
        let text = format!("{}/repos/{}/{}/{tail}", self.api, self.repo.owner, self.repo.name);
        Url::parse(&text)
            .map_err(|err| PublishError::GitHubResponse { url: text, detail: err.to_string() })
    }

    fn headers(&self) -> Result<HeaderMap, PublishError> {
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.token.secret.expose_secret()))
                .map_err(|_| PublishError::BadToken { var: self.token.var.clone() })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/vnd.github+json"));
        headers.insert("x-github-api-version", HeaderValue::from_static(API_VERSION));
        Ok(headers)
    }

    /// Sends one request (retrying GET and PATCH on transient failures) and reads the JSON
    /// answer of a 2xx; maps other statuses to their errors.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        action: &'static str,
    ) -> Result<T, PublishError> {
        let idempotent = method != Method::POST;
        let headers = self.headers()?;
        let shown = url.to_string();
        let mut attempt = 1;
        let (status, bytes) = loop {
            let mut request =
                self.client.request(method.clone(), url.clone()).headers(headers.clone());
            if let Some(body) = &body {
                request = request.header(CONTENT_TYPE, "application/json").body(body.to_string());
            }
            let result = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    response.bytes().await.map(|bytes| (status, bytes))
                }
                Err(err) => Err(err),
            };
            let transient = match &result {
                Ok((status, _)) => {
                    *status == StatusCode::REQUEST_TIMEOUT
                        || *status == StatusCode::TOO_MANY_REQUESTS
                        || status.is_server_error()
                }
                Err(err) => err.is_timeout() || err.is_connect(),
            };
            if idempotent && transient && attempt < MAX_ATTEMPTS {
                let wait = RETRY_BASE * 2u32.pow(attempt - 1);
                tracing::debug!(%method, url = %shown, attempt, "GitHub request failed, retrying");
                tokio::time::sleep(wait + wait.mul_f64(fastrand::f64() / 2.0)).await;
                attempt += 1;
                continue;
            }
            break result
                .map_err(|source| PublishError::GitHubRequest { url: shown.clone(), source })?;
        };
        tracing::debug!(%method, url = %shown, status = status.as_u16(), "GitHub API");
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|err| PublishError::GitHubResponse {
                url: shown,
                detail: err.to_string(),
            });
        }
        let message = self.error_message(&bytes);
        Err(match status {
            StatusCode::UNAUTHORIZED => {
                PublishError::Unauthorized { var: self.token.var.clone(), message }
            }
            StatusCode::FORBIDDEN => PublishError::Forbidden { action, message },
            StatusCode::NOT_FOUND => {
                PublishError::NotFound { what: format!("{} (or its pull requests)", self.repo) }
            }
            StatusCode::UNPROCESSABLE_ENTITY => PublishError::Unprocessable { action, message },
            other => PublishError::GitHubStatus { action, status: other.as_u16(), message },
        })
    }

    /// GitHub's message and the messages of its `errors`, the token scrubbed.
    fn error_message(&self, bytes: &[u8]) -> String {
        let text = match serde_json::from_slice::<ErrorBody>(bytes) {
            Ok(body) => {
                let mut parts = vec![body.message];
                for detail in body.errors {
                    let part = detail.message.unwrap_or_else(|| {
                        [detail.field, detail.code]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                    parts.push(part);
                }
                parts.retain(|p| !p.trim().is_empty());
                parts.join("; ")
            }
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        };
        let text = redact(&text, Some(self.token.secret.expose_secret()));
        if text.is_empty() { "no message".to_owned() } else { text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client for checks that send nothing.
    fn unused_client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder().build().unwrap()
    }

    #[test]
    fn the_token_never_shows_in_debug() {
        let token = Token { secret: SecretString::from("ghp_SECRET".to_owned()), var: "T".into() };
        let shown = format!("{token:?}");
        assert!(!shown.contains("ghp_SECRET") && shown.contains("REDACTED"), "{shown}");
        let client = unused_client();
        let github = GitHub::new(
            client,
            &Url::parse("https://api.github.com/").unwrap(),
            "o/n".parse().unwrap(),
            token,
        );
        let shown = format!("{github:?}");
        assert!(!shown.contains("ghp_SECRET"), "{shown}");
        let headers = format!("{:?}", github.headers().unwrap());
        assert!(!headers.contains("ghp_SECRET") && headers.contains("Sensitive"), "{headers}");
        assert_eq!(github.url("pulls").unwrap().as_str(), "https://api.github.com/repos/o/n/pulls");
    }

    #[test]
    fn error_messages_are_quoted_without_the_token() {
        let token = Token { secret: SecretString::from("ghp_SECRET".to_owned()), var: "T".into() };
        let client = unused_client();
        let github = GitHub::new(
            client,
            &Url::parse("https://ghe.example.com/api/v3").unwrap(),
            "o/n".parse().unwrap(),
            token,
        );
        let body = br#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for o:pmagg."},{"field":"head","code":"invalid"}]}"#;
        assert_eq!(
            github.error_message(body),
            "Validation Failed; A pull request already exists for o:pmagg.; head invalid"
        );
        assert_eq!(github.error_message(b"bad token ghp_SECRET"), "bad token [REDACTED]");
        assert_eq!(
            github.url("pulls/3").unwrap().as_str(),
            "https://ghe.example.com/api/v3/repos/o/n/pulls/3"
        );
    }
}
