//! Rendered files → a pull request against the curated list: git and GitHub side effects only.
//!
//! Takes a local clone of the list repository and what `render` wrote into it; returns a
//! [`PublishOutcome`]. It never opens the database and never renders: `commands/publish.rs`
//! renders into the worktree that a [`git::Session`] prepares, then hands the text of the
//! commit and the pull request (built by the pure functions of [`description`]) back here.
//!
//! **Only its own branch.** Work happens in a temporary linked worktree (`git worktree add
//! --detach`), so the user's checkout, index and current branch are never touched. The
//! worktree starts from the remote's copy of the pmagg branch when it exists (so a second run
//! adds a commit to the open pull request), else from the remote base branch. The only push is
//! `<commit>:refs/heads/<branch>` with `--force-with-lease=refs/heads/<branch>:<sha fetched>`
//! (the lease is empty when the branch did not exist, so an unexpected branch is never
//! overwritten), never a tag, never the base: a branch equal to the base is refused before
//! anything runs.
//!
//! **The token** is read from the environment by the command, held as a
//! [`secrecy::SecretString`] inside [`github::GitHub`], sent only in the `Authorization` header
//! (marked sensitive), and scrubbed from every text that reaches an error ([`redact`]); git
//! never sees it (pushing uses the clone's own credentials).

pub mod description;
pub mod git;
pub mod github;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub use description::{EntryChange, PublishedEntry, PullRequestText};

/// What `pmagg publish` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// The rendered files were already on the branch (or the base) it started from, named
    /// here: no commit, no push, no API call.
    NothingToPublish(String),
    /// `--dry-run`: the diff and the texts were printed; nothing was sent.
    DryRun,
    /// A pull request was opened.
    Opened(github::PullRequest),
    /// The open pull request from the branch was updated.
    Updated(github::PullRequest),
}

/// Why publishing failed. [`PublishError::is_usage`] tells the errors that mean "fix how it
/// was called, or the state of the clone" (exit code 2) from those of git or GitHub (1).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// `git` could not be started.
    #[error("cannot run git (is it installed and on PATH?)")]
    GitMissing {
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No temporary directory for the worktree.
    #[error("cannot create a temporary directory for the worktree")]
    TempDir {
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The directory is not inside a git work tree.
    #[error("{} is not a git work tree: {detail}", path.display())]
    NotARepository {
        /// `--repo`.
        path: PathBuf,
        /// What git said.
        detail: String,
    },
    /// The clone has no remote of that name.
    #[error("{} has no remote named {remote:?}: pass --remote NAME", path.display())]
    NoRemote {
        /// `--repo`.
        path: PathBuf,
        /// `--remote`.
        remote: String,
    },
    /// The working tree has uncommitted changes.
    #[error(
        "{} has uncommitted changes ({}): commit or stash them first, publish only works from a clean working tree",
        path.display(), files.join(", ")
    )]
    DirtyTree {
        /// `--repo`.
        path: PathBuf,
        /// The first changed paths, as `git status` names them.
        files: Vec<String>,
    },
    /// `--branch` or `--base` is not a usable branch name, or they are the same branch.
    #[error("{0}")]
    Branch(String),
    /// The remote has no base branch to start from.
    #[error("the remote {remote:?} has no branch {base:?}: pass --base BRANCH")]
    NoBase {
        /// `--remote`.
        remote: String,
        /// `--base`.
        base: String,
    },
    /// A git command failed.
    #[error("`git {command}` failed ({status}): {stderr}")]
    Git {
        /// The subcommand and its main arguments.
        command: String,
        /// How git exited.
        status: String,
        /// What git said, credentials in URLs removed.
        stderr: String,
    },
    /// The remote refused the push (someone else pushed to the branch, a protection rule, a
    /// hook).
    #[error(
        "{remote:?} rejected the push to {branch}: {detail}; nothing else was changed, run publish again to build on what is there now"
    )]
    PushRejected {
        /// `--remote`.
        remote: String,
        /// `--branch`.
        branch: String,
        /// What git said.
        detail: String,
    },
    /// No token in the environment.
    #[error(
        "no GitHub token: set {var} to a token that may write contents and pull requests (or name another variable with --token-env)"
    )]
    MissingToken {
        /// The variable read.
        var: String,
    },
    /// The token cannot be sent as a header (a newline or other control character in it).
    #[error("the token in {var} is not a valid HTTP header value")]
    BadToken {
        /// The variable read.
        var: String,
    },
    /// `--github` is missing and the remote's URL names no GitHub repository.
    #[error(
        "cannot tell the GitHub repository from the remote {remote:?} ({url}): pass --github OWNER/NAME"
    )]
    UnknownRepository {
        /// `--remote`.
        remote: String,
        /// Its URL, credentials removed.
        url: String,
    },
    /// A configured path would be written outside the repository.
    #[error("{what} {} is outside the repository {}: use a path inside it", path.display(), repo.display())]
    OutsideRepository {
        /// Which setting.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// `--repo`.
        repo: PathBuf,
    },
    /// 401: the token is wrong or expired.
    #[error("GitHub refused the token from {var} (401 Unauthorized): {message}")]
    Unauthorized {
        /// The variable the token came from.
        var: String,
        /// GitHub's message.
        message: String,
    },
    /// 403: the token may not do this (or a rate limit).
    #[error(
        "GitHub refused to {action} (403 Forbidden): {message}; the token needs `contents: write` and `pull-requests: write`, and in GitHub Actions the repository must allow Actions to create pull requests"
    )]
    Forbidden {
        /// What was tried.
        action: &'static str,
        /// GitHub's message.
        message: String,
    },
    /// 404: the repository or pull request is unknown (or invisible to the token).
    #[error("GitHub does not know {what} (404 Not Found): check --github and the token's access")]
    NotFound {
        /// What was asked for.
        what: String,
    },
    /// 422: GitHub could not process the pull request.
    #[error("GitHub could not {action} (422 Unprocessable Entity): {message}")]
    Unprocessable {
        /// What was tried.
        action: &'static str,
        /// GitHub's message and its errors.
        message: String,
    },
    /// Another unexpected status.
    #[error("GitHub answered {status} when asked to {action}: {message}")]
    GitHubStatus {
        /// What was tried.
        action: &'static str,
        /// The status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// The API could not be reached.
    #[error("cannot reach the GitHub API at {url}")]
    GitHubRequest {
        /// The request's URL (it never holds the token).
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The API answered something that is not the expected JSON.
    #[error("the GitHub API answered {url} with unexpected JSON: {detail}")]
    GitHubResponse {
        /// The request's URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The pull request's branch was pushed, but opening or updating the pull request failed.
    #[error(
        "pushed {branch}, but the pull request was not {verb} (open it by hand, or the next publish that finds something new will)"
    )]
    AfterPush {
        /// `--branch`.
        branch: String,
        /// "opened" or "updated".
        verb: &'static str,
        /// Why.
        #[source]
        source: Box<PublishError>,
    },
}

impl PublishError {
    /// Whether the error is about how pmagg was called or the state of the clone (exit code
    /// 2): nothing was changed, and running again without a fix fails the same way.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            PublishError::NotARepository { .. }
                | PublishError::NoRemote { .. }
                | PublishError::DirtyTree { .. }
                | PublishError::Branch(_)
                | PublishError::NoBase { .. }
                | PublishError::MissingToken { .. }
                | PublishError::BadToken { .. }
                | PublishError::UnknownRepository { .. }
                | PublishError::OutsideRepository { .. }
        )
    }
}

/// A GitHub repository, `OWNER/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSlug {
    /// The user or organisation.
    pub owner: String,
    /// The repository.
    pub name: String,
}

impl RepoSlug {
    /// The repository a remote URL points at, for the URL forms GitHub (and GitHub
    /// Enterprise) gives: `https://host/OWNER/NAME(.git)`, `ssh://git@host/OWNER/NAME.git`,
    /// `git@host:OWNER/NAME.git`. `None` for a local path or anything else.
    pub fn from_remote_url(url: &str) -> Option<Self> {
        let url = url.trim();
        let path = if let Some((scheme, rest)) = url.split_once("://") {
            if !matches!(scheme, "https" | "http" | "ssh" | "git") {
                return None;
            }
            let (_host, path) = rest.split_once('/')?;
            path
        } else {
            // scp-like `[user@]host:path`: a colon before any slash.
            let (host, path) = url.split_once(':')?;
            if host.is_empty() || host.contains('/') || path.starts_with('/') {
                return None;
            }
            path
        };
        let path = path.trim_end_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let mut parts = path.rsplit('/');
        let name = parts.next()?;
        let owner = parts.next()?;
        format!("{owner}/{name}").parse().ok()
    }
}

impl FromStr for RepoSlug {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match text.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => {
                Ok(Self { owner: owner.to_owned(), name: name.to_owned() })
            }
            _ => Err(format!("{text:?} is not OWNER/NAME")),
        }
    }
}

impl fmt::Display for RepoSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Who the commits are by: `Name <email>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The name.
    pub name: String,
    /// The email address.
    pub email: String,
}

impl FromStr for Author {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{text:?} is not `Name <email>`");
        let (name, rest) = text.split_once('<').ok_or_else(bad)?;
        let email = rest.strip_suffix('>').ok_or_else(bad)?.trim();
        let name = name.trim();
        let clean = |s: &str| !s.is_empty() && !s.contains(['<', '>', '\n', '\r', '\0']);
        if !clean(name) || !clean(email) || !email.contains('@') {
            return Err(bad());
        }
        Ok(Self { name: name.to_owned(), email: email.to_owned() })
    }
}

impl fmt::Display for Author {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// Where and as whom to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The remote to fetch from and push to (a configured remote's name).
    pub remote: String,
    /// The branch the pull request goes into; never written.
    pub base: String,
    /// pmagg's own branch: the pull request's head.
    pub branch: String,
    /// Who the commits are by.
    pub author: Author,
}

/// The longest piece of a tool's output quoted in an error.
const MAX_QUOTED: usize = 1000;

/// `text` fit for an error message or a log line: every occurrence of `secret` replaced,
/// credentials in URLs (`https://user:pass@host`) removed, trimmed and cut to a bounded length.
pub fn redact(text: &str, secret: Option<&str>) -> String {
    static USERINFO: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
            .expect("the userinfo pattern is a valid regex (checked by a test)")
    });
    let mut out = text.trim().to_owned();
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        out = out.replace(secret, "[REDACTED]");
    }
    let mut out = USERINFO.replace_all(&out, "${1}[REDACTED]@").into_owned();
    if out.chars().count() > MAX_QUOTED {
        out = out.chars().take(MAX_QUOTED).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_remote_urls() {
        let slug = |owner: &str, name: &str| {
            Some(RepoSlug { owner: owner.to_owned(), name: name.to_owned() })
        };
        for (url, expected) in [
            (
                "https://github.com/jimmyl02/awesome-postmortems.git",
                slug("jimmyl02", "awesome-postmortems"),
            ),
            (
                "https://github.com/jimmyl02/awesome-postmortems",
                slug("jimmyl02", "awesome-postmortems"),
            ),
            ("https://x-access-token:abc@github.com/o/n.git", slug("o", "n")),
            ("git@github.com:o/n.git", slug("o", "n")),
            ("ssh://git@ghe.example.com:2222/team/list.git", slug("team", "list")),
            ("https://ghe.example.com/team/list/", slug("team", "list")),
            ("/tmp/origin.git", None),
            ("file:///tmp/origin.git", None),
            ("../origin", None),
            ("C:/repos/x", None),
        ] {
            assert_eq!(RepoSlug::from_remote_url(url), expected, "{url}");
        }
        assert!("o/n".parse::<RepoSlug>().is_ok());
        for bad in ["o", "o/", "/n", "o/n/x", "o/..", "o n/x"] {
            assert!(bad.parse::<RepoSlug>().is_err(), "{bad}");
        }
    }

    #[test]
    fn authors() {
        let author: Author = "pmagg <pmagg@users.noreply.github.com>".parse().unwrap();
        assert_eq!(author.name, "pmagg");
        assert_eq!(author.to_string(), "pmagg <pmagg@users.noreply.github.com>");
        let bot: Author =
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
                .parse()
                .unwrap();
        assert_eq!(bot.email, "41898282+github-actions[bot]@users.noreply.github.com");
        for bad in ["pmagg", "<a@b>", "pmagg <>", "pmagg <nobody>", "a\nb <a@b>"] {
            assert!(bad.parse::<Author>().is_err(), "{bad}");
        }
    }

    #[test]
    fn redaction_removes_the_secret_and_url_credentials() {
        let text = "fatal: unable to access 'https://x-access-token:ghp_abc@github.com/o/n.git/': \
                    token ghp_abc rejected";
        let out = redact(text, Some("ghp_abc"));
        assert!(!out.contains("ghp_abc"), "{out}");
        assert!(out.contains("https://[REDACTED]@github.com/o/n.git/"), "{out}");
        assert_eq!(redact("  plain  ", None), "plain");
        assert!(redact(&"x".repeat(5000), None).chars().count() <= MAX_QUOTED + 1);
    }

    #[test]
    fn usage_errors_are_told_apart() {
        assert!(PublishError::MissingToken { var: "GITHUB_TOKEN".into() }.is_usage());
        assert!(PublishError::DirtyTree { path: "x".into(), files: vec![] }.is_usage());
        assert!(
            !PublishError::Unauthorized { var: "GITHUB_TOKEN".into(), message: String::new() }
                .is_usage()
        );
        assert!(
            !PublishError::PushRejected {
                remote: "origin".into(),
                branch: "b".into(),
                detail: String::new()
            }
            .is_usage()
        );
    }
}
