//! `pmagg publish` against a local bare repository as `origin` and a loopback mock of the
//! GitHub API.
//!
//! Confirmed postmortems come from a real `sync` against a loopback feed, then an extraction
//! row each through `Store::record_extraction` (as in `render.rs`), so the test does not
//! depend on extraction quality. Every git command runs with a config of its own (no global
//! or system config), and every run is checked for the token.

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{NaiveDate, Utc};
use pmagg::model::{Extracted, Postmortem};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::Workspace;

const TOKEN: &str = "ghp_TESTTOKEN123";
const BRANCH: &str = "pmagg/new-postmortems";
const PULLS: &str = "/repos/acme/list/pulls";

const README: &str = "\
# Awesome Postmortems

A curated list.

## Postmortems

- 01-02-2023 - [Disk full on the primary](https://old.example/disk) by [Oldco](https://old.example/)
  - The primary ran out of disk.

## Contributing

Pull requests welcome.
";

/// A postmortem a source publishes, and what extraction says about it.
struct Found {
    slug: &'static str,
    title: &'static str,
    date: &'static str,
    summary: &'static str,
    root_cause: &'static str,
}

const FIRST: Found = Found {
    slug: "db-failover",
    title: "Database failover outage",
    date: "2024-03-02",
    summary: "Writes failed for 40 minutes after a failover.",
    root_cause: "A config push removed the primary's replicas.",
};
const SECOND: Found = Found {
    slug: "dns-meltdown",
    title: "Resolver meltdown",
    date: "2024-05-10",
    summary: "DNS lookups timed out across regions.",
    root_cause: "A resolver cache bug amplified retries.",
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// A list repository: a bare `origin.git` with `main`, and a clone `list` of it.
struct ListRepo {
    ws: Workspace,
    feed: MockServer,
    api: MockServer,
}

impl ListRepo {
    fn new(rt: &tokio::runtime::Runtime) -> Self {
        let ws = Workspace::new();
        std::fs::write(ws.path("gitconfig"), "").unwrap();
        let feed = serve_feed(rt, &[FIRST, SECOND]);
        let api = rt.block_on(MockServer::start());
        let repo = Self { ws, feed, api };
        repo.git(&repo.ws.path("."), &["init", "--quiet", "--bare", "-b", "main", "origin.git"]);
        repo.git(&repo.ws.path("."), &["clone", "--quiet", "origin.git", "list"]);
        std::fs::write(repo.clone_dir().join("README.md"), README).unwrap();
        repo.git(&repo.clone_dir(), &["add", "README.md"]);
        repo.git(&repo.clone_dir(), &["commit", "--quiet", "-m", "The list"]);
        repo.git(&repo.clone_dir(), &["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
        std::fs::write(
            repo.ws.config(),
            format!(
                "[settings]\nreadme = \"README.md\"\narchive_dir = \"postmortems\"\n\
                 feed = \"feed.xml\"\n\n[[source]]\nname = \"Newco Blog\"\nkind = \"feed\"\n\
                 url = \"{}/feed.xml\"\ncompany = \"Newco\"\n\
                 company_url = \"https://newco.example/\"\n",
                repo.feed.uri()
            ),
        )
        .unwrap();
        // --no-render, as beside publish: settings paths are relative to the working
        // directory for sync, and the list is rendered by publish only.
        let out = repo.ws.pmagg().args(["sync", "--no-render"]).output().unwrap();
        assert_ok(&out);
        repo
    }

    fn bare(&self) -> PathBuf {
        self.ws.path("origin.git")
    }

    fn clone_dir(&self) -> PathBuf {
        self.ws.path("list")
    }

    fn git_env(&self, cmd: &mut std::process::Command) {
        cmd.env("GIT_CONFIG_GLOBAL", self.ws.path("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Curator")
            .env("GIT_AUTHOR_EMAIL", "curator@example.com")
            .env("GIT_COMMITTER_NAME", "Curator")
            .env("GIT_COMMITTER_EMAIL", "curator@example.com");
    }

    /// Runs git in `dir`; panics unless it exits 0; returns stdout, trimmed.
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = std::process::Command::new("git");
        cmd.arg("-C").arg(dir).args(args);
        self.git_env(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// The commit a ref of the bare repository points at, if any.
    fn remote_ref(&self, name: &str) -> Option<String> {
        let refs = self.git(&self.bare(), &["for-each-ref", "--format=%(refname) %(objectname)"]);
        refs.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).map(str::to_owned)
    }

    /// Every ref of the bare repository.
    fn remote_refs(&self) -> Vec<String> {
        let refs = self.git(&self.bare(), &["for-each-ref", "--format=%(refname)"]);
        refs.lines().map(str::to_owned).collect()
    }

    /// `pmagg publish --repo list --github acme/list --api-url <mock>` with the token set.
    fn publish(&self, extra: &[&str]) -> Output {
        let mut cmd = self.ws.pmagg();
        cmd.env_remove("GITHUB_API_URL")
            .env_remove("PMAGG_GIT_AUTHOR")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GIT_CONFIG_GLOBAL", self.ws.path("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .arg("publish")
            .arg("--repo")
            .arg(self.clone_dir())
            .args(["--github", "acme/list", "--api-url", &self.api.uri()])
            .args(extra);
        let out = cmd.output().unwrap();
        assert_no_token(&out);
        out
    }

    fn requests(&self, rt: &tokio::runtime::Runtime) -> Vec<wiremock::Request> {
        rt.block_on(self.api.received_requests()).unwrap_or_default()
    }

    /// The user's clone is as it was: on `main`, clean, with no extra worktree.
    fn assert_clone_untouched(&self) {
        let dir = self.clone_dir();
        assert_eq!(self.git(&dir, &["symbolic-ref", "--short", "HEAD"]), "main");
        assert_eq!(self.git(&dir, &["status", "--porcelain"]), "");
        assert_eq!(
            self.git(&dir, &["worktree", "list", "--porcelain"]).matches("worktree ").count(),
            1
        );
        assert_eq!(std::fs::read_to_string(dir.join("README.md")).unwrap(), README);
    }
}

fn assert_no_token(out: &Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(TOKEN), "the token is in {name}:\n{text}");
        assert!(!text.contains("TESTTOKEN"), "part of the token is in {name}:\n{text}");
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "publish failed: {}\n{}\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// An RSS feed with one item per postmortem (titles without postmortem words, so the pipeline
/// fetches no article and runs no extraction).
fn serve_feed(rt: &tokio::runtime::Runtime, found: &[Found]) -> MockServer {
    let server = rt.block_on(MockServer::start());
    let mut items = String::new();
    for f in found {
        items.push_str(&format!(
            "<item><title>Notes {slug}</title><link>{uri}/posts/{slug}</link><guid>{slug}</guid>\
             <pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item>\n",
            slug = f.slug,
            uri = server.uri()
        ));
    }
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Newco</title>\
         <link>https://newco.example/</link>{items}</channel></rss>"
    );
    rt.block_on(
        Mock::given(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(rss, "application/rss+xml"))
            .mount(&server),
    );
    server
}

/// Records an extraction that confirms the stored entry as the postmortem `f`.
fn confirm(ws: &Workspace, f: &Found) {
    let mut store = ws.store();
    let entries = store.list_entries(1000).unwrap();
    let entry = entries
        .iter()
        .find(|e| e.item.url.as_deref().is_some_and(|u| u.ends_with(&format!("/posts/{}", f.slug))))
        .unwrap_or_else(|| panic!("{} was stored", f.slug));
    let extracted = Extracted {
        identity: entry.item.identity.clone(),
        report_fingerprint: None,
        extractor_version: pmagg::extract::VERSION,
        decided_by: pmagg::model::Decision::Classifier,
        postmortem: Postmortem {
            is_postmortem: true,
            confidence: Some(0.9),
            title: Some(f.title.into()),
            incident_date: NaiveDate::parse_from_str(f.date, "%Y-%m-%d").ok(),
            summary: Some(f.summary.into()),
            root_cause: Some(f.root_cause.into()),
            ..Postmortem::default()
        },
        body: format!("## Summary\n\n{}\n\n## Root cause\n\n{}\n", f.summary, f.root_cause),
    };
    store.record_extraction(entry.id, &extracted, Utc::now()).unwrap();
}

fn pull(number: u64) -> Value {
    json!({"number": number, "html_url": format!("https://github.example/acme/list/pull/{number}")})
}

/// GitHub as pmagg sees it: no open pull request until one is opened, then #7.
fn mount_github(rt: &tokio::runtime::Runtime, api: &MockServer) {
    let auth = format!("Bearer {TOKEN}");
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path(PULLS))
            .and(header("authorization", auth.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(api)
            .await;
        Mock::given(method("GET"))
            .and(path(PULLS))
            .and(header("authorization", auth.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([pull(7)])))
            .with_priority(2)
            .mount(api)
            .await;
        Mock::given(method("POST"))
            .and(path(PULLS))
            .and(header("authorization", auth.as_str()))
            .respond_with(ResponseTemplate::new(201).set_body_json(pull(7)))
            .mount(api)
            .await;
        Mock::given(method("PATCH"))
            .and(path(format!("{PULLS}/7")))
            .and(header("authorization", auth.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull(7)))
            .mount(api)
            .await;
    });
}

fn body_json(request: &wiremock::Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// Acceptance 1 to 3: open, nothing new, update the same pull request; the base never moves
/// and the token never shows.
#[test]
fn publish_opens_then_keeps_updating_one_pull_request() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    mount_github(&rt, &repo.api);
    let main = repo.remote_ref("refs/heads/main").unwrap();
    confirm(&repo.ws, &FIRST);

    // 1. The first publish: the branch, one commit, one pull request.
    let first = repo.publish(&[]);
    assert_ok(&first);
    assert!(stdout(&first).contains("opened pull request #7"), "{}", stdout(&first));
    let tip = repo.remote_ref(&format!("refs/heads/{BRANCH}")).expect("the branch was pushed");
    assert_eq!(repo.git(&repo.bare(), &["rev-list", "--count", &format!("main..{tip}")]), "1");
    assert_eq!(repo.git(&repo.bare(), &["rev-parse", &format!("{tip}^")]), main);
    let readme = repo.git(&repo.bare(), &["show", &format!("{tip}:README.md")]);
    assert!(readme.contains("[Database failover outage]("), "{readme}");
    assert!(readme.contains("Disk full on the primary") && readme.contains("## Contributing"));
    let files = repo.git(&repo.bare(), &["show", "--name-only", "--format=", &tip]);
    assert!(files.contains("README.md") && files.contains("feed.xml"), "{files}");
    assert!(files.contains("postmortems/newco/03-02-2024-database-failover-outage.md"), "{files}");
    let message = repo.git(&repo.bare(), &["log", "-1", "--format=%an <%ae>%n%B", &tip]);
    assert!(message.starts_with("pmagg <pmagg@users.noreply.github.com>\n"), "{message}");
    assert!(message.contains("Add postmortem: Database failover outage (Newco)"), "{message}");

    let requests = repo.requests(&rt);
    let calls: Vec<String> =
        requests.iter().map(|r| format!("{} {}", r.method, r.url.path())).collect();
    assert_eq!(calls, [format!("GET {PULLS}"), format!("POST {PULLS}")]);
    let sent = body_json(&requests[1]);
    assert_eq!(sent["head"], BRANCH);
    assert_eq!(sent["base"], "main");
    assert_eq!(sent["title"], "Add postmortem: Database failover outage (Newco)");
    let body = sent["body"].as_str().unwrap();
    for field in [
        "### [Database failover outage](",
        "- **Company:** Newco",
        "- **Incident date:** 2024-03-02",
        "- **Source:** Newco Blog",
        "/posts/db-failover>",
        "- **Summary:** Writes failed for 40 minutes after a failover.",
        "- **Root cause:** A config push removed the primary's replicas.",
    ] {
        assert!(body.contains(field), "{field:?} missing from\n{body}");
    }
    assert!(!body.contains("Disk full"), "entries already on main are not described:\n{body}");
    assert_eq!(repo.remote_ref("refs/heads/main").unwrap(), main, "the base never moves");
    repo.assert_clone_untouched();

    // 2. Nothing new: no commit, no API call.
    let second = repo.publish(&[]);
    assert_ok(&second);
    assert!(stdout(&second).contains("nothing new to publish"), "{}", stdout(&second));
    assert_eq!(repo.requests(&rt).len(), 2, "no API call when nothing changed");
    assert_eq!(repo.remote_ref(&format!("refs/heads/{BRANCH}")).unwrap(), tip);
    assert_eq!(repo.remote_ref("refs/heads/main").unwrap(), main);

    // 3. One more postmortem: a commit on the same branch, the same pull request updated.
    confirm(&repo.ws, &SECOND);
    let third = repo.publish(&[]);
    assert_ok(&third);
    assert!(stdout(&third).contains("updated pull request #7"), "{}", stdout(&third));
    let new_tip = repo.remote_ref(&format!("refs/heads/{BRANCH}")).unwrap();
    assert_eq!(repo.git(&repo.bare(), &["rev-parse", &format!("{new_tip}^")]), tip);
    assert_eq!(repo.git(&repo.bare(), &["rev-list", "--count", &format!("main..{new_tip}")]), "2");
    let message = repo.git(&repo.bare(), &["log", "-1", "--format=%B", &new_tip]);
    assert!(message.starts_with("Add postmortem: Resolver meltdown (Newco)"), "{message}");
    assert!(!message.contains("Database failover"), "the commit names only its own entries");

    let requests = repo.requests(&rt);
    let calls: Vec<String> =
        requests.iter().map(|r| format!("{} {}", r.method, r.url.path())).collect();
    assert_eq!(
        calls,
        [
            format!("GET {PULLS}"),
            format!("POST {PULLS}"),
            format!("GET {PULLS}"),
            format!("PATCH {PULLS}/7")
        ]
    );
    let query = requests[2].url.query().unwrap_or_default();
    assert!(query.contains("head=acme%3Apmagg%2Fnew-postmortems"), "{query}");
    assert!(query.contains("state=open") && query.contains("base=main"), "{query}");
    let sent = body_json(&requests[3]);
    assert_eq!(sent["title"], "Add 2 new postmortems");
    let body = sent["body"].as_str().unwrap();
    assert!(body.contains("[Resolver meltdown](") && body.contains("[Database failover outage]("));
    assert!(body.contains("- **Root cause:** A resolver cache bug amplified retries."), "{body}");
    // Newest first, as in the list.
    assert!(body.find("Resolver meltdown").unwrap() < body.find("Database failover").unwrap());

    assert_eq!(repo.remote_ref("refs/heads/main").unwrap(), main, "the base never moves");
    assert_eq!(repo.remote_refs(), ["refs/heads/main", &format!("refs/heads/{BRANCH}")]);
    repo.assert_clone_untouched();
}

/// A 401 fails before anything is pushed, says so, and never shows the token (even with every
/// log line on).
#[test]
fn a_rejected_token_pushes_nothing_and_stays_secret() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    confirm(&repo.ws, &FIRST);
    rt.block_on(
        Mock::given(method("GET"))
            .and(path(PULLS))
            .respond_with(
                ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"})),
            )
            .mount(&repo.api),
    );
    let main = repo.remote_ref("refs/heads/main").unwrap();
    let mut cmd = repo.ws.pmagg();
    let out = cmd
        .env_remove("GITHUB_API_URL")
        .env("GITHUB_TOKEN", TOKEN)
        .env("PMAGG_LOG", "trace")
        .env("GIT_CONFIG_GLOBAL", repo.ws.path("gitconfig"))
        .arg("publish")
        .arg("--repo")
        .arg(repo.clone_dir())
        .args(["--github", "acme/list", "--api-url", &repo.api.uri()])
        .output()
        .unwrap();
    assert_no_token(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("401") && err.contains("GITHUB_TOKEN"), "{err}");
    assert!(err.contains("Bad credentials"), "{err}");
    assert_eq!(repo.remote_refs(), ["refs/heads/main"], "nothing was pushed");
    assert_eq!(repo.remote_ref("refs/heads/main").unwrap(), main);
    repo.assert_clone_untouched();

    // The list was not recorded as published: with a good token, the entry goes out.
    rt.block_on(repo.api.reset());
    mount_github(&rt, &repo.api);
    let again = repo.publish(&[]);
    assert_ok(&again);
    assert!(stdout(&again).contains("opened pull request #7"), "{}", stdout(&again));
}

#[test]
fn a_missing_token_or_a_dirty_tree_exit_2_and_change_nothing() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    confirm(&repo.ws, &FIRST);

    let out = repo
        .ws
        .pmagg()
        .env_remove("GITHUB_TOKEN")
        .env_remove("MY_TOKEN")
        .arg("publish")
        .arg("--repo")
        .arg(repo.clone_dir())
        .args(["--github", "acme/list", "--api-url", &repo.api.uri(), "--token-env", "MY_TOKEN"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no GitHub token: set MY_TOKEN"), "{}", stderr(&out));

    let readme = repo.clone_dir().join("README.md");
    std::fs::write(&readme, format!("{README}\nA hand edit.\n")).unwrap();
    let out = repo.publish(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("uncommitted changes (README.md)") && err.contains("clean"), "{err}");
    std::fs::write(&readme, README).unwrap();

    let out = repo.publish(&["--branch", "main"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("never writes the base branch"), "{}", stderr(&out));

    let out = repo.publish(&["--remote", "upstream"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no remote named \"upstream\""), "{}", stderr(&out));

    assert!(repo.requests(&rt).is_empty(), "no API call");
    assert_eq!(repo.remote_refs(), ["refs/heads/main"]);
    repo.assert_clone_untouched();
}

/// `--dry-run` prints the diff and the description, needs no token, and changes nothing: not
/// the remote, not the clone, not the store (the next real publish still has the entry).
#[test]
fn dry_run_prints_the_diff_and_description_and_changes_nothing() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    confirm(&repo.ws, &FIRST);
    // Untracked files (here a database kept in the clone) are no uncommitted change.
    std::fs::write(repo.clone_dir().join("pmagg.db"), "").unwrap();
    let out = repo
        .ws
        .pmagg()
        .env_remove("GITHUB_TOKEN")
        .env("GIT_CONFIG_GLOBAL", repo.ws.path("gitconfig"))
        .arg("publish")
        .arg("--repo")
        .arg(repo.clone_dir())
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("dry run: would commit on pmagg/new-postmortems (from origin/main)"));
    assert!(text.contains("+- 03-02-2024 - [Database failover outage]("), "{text}");
    assert!(text.contains("--- pull request ---\nAdd postmortem: Database failover outage"));
    assert!(text.contains("- **Root cause:** A config push removed the primary's replicas."));
    std::fs::remove_file(repo.clone_dir().join("pmagg.db")).unwrap();
    assert!(repo.requests(&rt).is_empty());
    assert_eq!(repo.remote_refs(), ["refs/heads/main"]);
    repo.assert_clone_untouched();

    mount_github(&rt, &repo.api);
    let real = repo.publish(&[]);
    assert_ok(&real);
    assert!(stdout(&real).contains("opened pull request #7"), "{}", stdout(&real));
}

/// A push the remote refuses (here a pre-receive hook) is a clear error, exit 1, and the pull
/// request is not opened.
#[test]
fn a_rejected_push_is_reported() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    mount_github(&rt, &repo.api);
    confirm(&repo.ws, &FIRST);
    let hook = repo.bare().join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'branch creation is locked' >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = repo.publish(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("\"origin\" rejected the push to pmagg/new-postmortems"), "{err}");
    assert!(
        err.contains("pre-receive hook declined") && err.contains("branch creation is locked"),
        "{err}"
    );
    let posts = repo.requests(&rt).iter().filter(|r| r.method.as_str() == "POST").count();
    assert_eq!(posts, 0, "no pull request without the branch");
    assert_eq!(repo.remote_refs(), ["refs/heads/main"]);
    repo.assert_clone_untouched();
}

/// 403 and 422 from the API name the status, GitHub's message and what to do.
#[test]
fn forbidden_and_unprocessable_answers_are_explained() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    confirm(&repo.ws, &FIRST);
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path(PULLS))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&repo.api)
            .await;
        Mock::given(method("POST"))
            .and(path(PULLS))
            .respond_with(ResponseTemplate::new(422).set_body_json(json!({
                "message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "code": "custom",
                            "message": "A pull request already exists for acme:pmagg/new-postmortems."}]
            })))
            .mount(&repo.api)
            .await;
    });
    let out = repo.publish(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("pushed pmagg/new-postmortems, but the pull request was not opened"),
        "{err}"
    );
    assert!(err.contains("422") && err.contains("A pull request already exists"), "{err}");

    rt.block_on(repo.api.reset());
    rt.block_on(
        Mock::given(method("GET"))
            .and(path(PULLS))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(json!({"message": "Resource not accessible by integration"})),
            )
            .mount(&repo.api),
    );
    confirm(&repo.ws, &SECOND);
    let out = repo.publish(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("403") && err.contains("Resource not accessible by integration"), "{err}");
    assert!(err.contains("pull-requests: write"), "{err}");
}

/// A merged pull request's branch is built on again from the base; a closed one whose branch
/// was deleted keeps its entries out of the list for good.
#[test]
fn merged_and_rejected_pull_requests() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    // Without a feed: main has none, so one would be proposed as soon as the branch is gone.
    let config = std::fs::read_to_string(repo.ws.config()).unwrap();
    std::fs::write(repo.ws.config(), config.replace("feed = \"feed.xml\"\n", "")).unwrap();
    mount_github(&rt, &repo.api);
    confirm(&repo.ws, &FIRST);
    assert_ok(&repo.publish(&[]));
    let branch_ref = format!("refs/heads/{BRANCH}");
    let tip = repo.remote_ref(&branch_ref).unwrap();

    // The curator closes the pull request and deletes the branch: the entry stays out.
    repo.git(&repo.bare(), &["update-ref", "-d", &branch_ref]);
    let out = repo.publish(&[]);
    assert_ok(&out);
    assert!(stdout(&out).contains("nothing new to publish: origin/main"), "{}", stdout(&out));
    assert_eq!(repo.remote_refs(), ["refs/heads/main"]);

    // Had it been merged (main fast-forwarded to the branch, the branch kept), the next entry
    // goes on top of main, in a new pull request.
    repo.git(&repo.bare(), &["update-ref", "refs/heads/main", &tip]);
    repo.git(&repo.bare(), &["update-ref", &branch_ref, &tip]);
    rt.block_on(repo.api.reset());
    mount_github(&rt, &repo.api);
    confirm(&repo.ws, &SECOND);
    let out = repo.publish(&[]);
    assert_ok(&out);
    assert!(stdout(&out).contains("opened pull request #7"), "{}", stdout(&out));
    let new_tip = repo.remote_ref(&branch_ref).unwrap();
    assert_eq!(repo.git(&repo.bare(), &["rev-parse", &format!("{new_tip}^")]), tip);
    assert_eq!(repo.remote_ref("refs/heads/main").unwrap(), tip, "the base never moves");
    let requests = repo.requests(&rt);
    let body = body_json(requests.last().unwrap());
    assert_eq!(body["title"], "Add postmortem: Resolver meltdown (Newco)", "only the new entry");
}

/// The shipped workflow runs sync and publish with the permissions publish needs, keeps the
/// database in the Actions cache, and the README documents it.
#[test]
fn the_workflow_example_and_its_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = std::fs::read_to_string(root.join(".github/workflows/pmagg.yml")).unwrap();
    for needle in [
        "schedule:",
        "contents: write",
        "pull-requests: write",
        "actions/checkout@",
        "cargo install --locked --git https://github.com/pmagg/pmagg",
        "actions/cache/restore@",
        "pmagg sync --no-render",
        "pmagg publish --repo .",
        "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
        "actions/cache/save@",
        "PMAGG_DB=$HOME/.pmagg/pmagg.db",
    ] {
        assert!(workflow.contains(needle), "the workflow lacks {needle:?}");
    }
    let restore = workflow.find("actions/cache/restore@").unwrap();
    let sync = workflow.find("run: pmagg sync").unwrap();
    let publish = workflow.find("run: pmagg publish").unwrap();
    let save = workflow.find("actions/cache/save@").unwrap();
    assert!(restore < sync && sync < publish && publish < save, "steps out of order");

    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("## Publishing pull requests")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a publishing section");
    for needle in [
        "pmagg publish --repo",
        ".github/workflows/pmagg.yml",
        "contents: write",
        "pull-requests: write",
        "--force-with-lease",
        "--dry-run",
        "GITHUB_TOKEN",
    ] {
        assert!(section.contains(needle), "README's publishing section lacks {needle:?}");
    }
}

/// `--repo` may be a folder inside the clone: the settings paths are taken relative to it.
#[test]
fn a_folder_inside_the_clone_holds_the_list() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    let folder = repo.clone_dir().join("lists");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("README.md"), README).unwrap();
    repo.git(&repo.clone_dir(), &["add", "lists"]);
    repo.git(&repo.clone_dir(), &["commit", "--quiet", "-m", "A second list"]);
    repo.git(&repo.clone_dir(), &["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
    confirm(&repo.ws, &FIRST);
    let out = repo
        .ws
        .pmagg()
        .env("GIT_CONFIG_GLOBAL", repo.ws.path("gitconfig"))
        .arg("publish")
        .arg("--repo")
        .arg(&folder)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("diff --git a/lists/README.md b/lists/README.md"), "{text}");
    assert!(text.contains("- `lists/postmortems/newco/03-02-2024-database-failover-outage.md`"));
    assert!(!text.contains("a/README.md"), "the top README is not touched:\n{text}");
}

/// The base moving on while the pull request is open does not leak into its description: it
/// describes the branch against where it forked, as GitHub shows it.
#[test]
fn the_description_ignores_later_commits_on_the_base() {
    let rt = runtime();
    let repo = ListRepo::new(&rt);
    mount_github(&rt, &repo.api);
    confirm(&repo.ws, &FIRST);
    assert_ok(&repo.publish(&[]));

    let clone = repo.clone_dir();
    std::fs::write(clone.join("CONTRIBUTING.md"), "Be kind.\n").unwrap();
    repo.git(&clone, &["add", "CONTRIBUTING.md"]);
    repo.git(&clone, &["commit", "--quiet", "-m", "Contributing"]);
    repo.git(&clone, &["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
    let main = repo.remote_ref("refs/heads/main").unwrap();

    confirm(&repo.ws, &SECOND);
    assert_ok(&repo.publish(&[]));
    let requests = repo.requests(&rt);
    let patch = requests.iter().find(|r| r.method.as_str() == "PATCH").expect("updated");
    let body = body_json(patch)["body"].as_str().unwrap().to_owned();
    assert!(!body.contains("CONTRIBUTING.md"), "{body}");
    assert!(body.contains("`README.md`") && body.contains("Resolver meltdown"), "{body}");
    assert_eq!(repo.remote_ref("refs/heads/main").unwrap(), main, "the base never moves");
}
