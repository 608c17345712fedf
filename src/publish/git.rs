//! The git side of publishing, through the git CLI: explicit arguments, never a shell.
//!
//! [`Repo::open`] checks the clone; [`Repo::start`] refuses a dirty tree, fetches the base and
//! pmagg's branch and checks out a temporary linked worktree, detached at the commit to build
//! on. Everything after that happens in the worktree: [`Session::stage`] the rendered paths,
//! [`Session::commit`], [`Session::push`] the one branch with a lease. The user's checkout,
//! index and branches are never touched; the only refs that move in the clone are the remote
//! tracking refs that a `git fetch` moves anyway. [`Session::close`] removes the worktree (and
//! dropping a session does, too, if a step failed).
//!
//! Exit statuses decide what happened, never git's wording. Whatever git prints goes through
//! [`redact`] before it can reach an error.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use tokio::process::Command;

use super::{Author, PublishError, PublishOptions, redact};

/// At most this many changed paths are named in a dirty-tree error.
const MAX_DIRTY_NAMED: usize = 10;

/// `git` with the environment every call gets: no prompts (a push that needs credentials
/// fails instead of waiting for a terminal that is not there), no optional locks.
fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Runs a prepared command and returns its output, whatever its exit status.
async fn output(mut cmd: Command) -> Result<Output, PublishError> {
    cmd.output().await.map_err(|source| PublishError::GitMissing { source })
}

/// Runs `git -C dir args...`; an error unless it exits 0.
async fn run<I, S>(dir: &Path, args: I) -> Result<Output, PublishError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let mut cmd = git(dir);
    cmd.args(&args);
    let out = output(cmd).await?;
    if out.status.success() { Ok(out) } else { Err(failed(&args, &out)) }
}

/// The error for a git command that exited non-zero.
fn failed(args: &[OsString], out: &Output) -> PublishError {
    let command =
        args.iter().take(2).map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
    PublishError::Git {
        command,
        status: out.status.to_string(),
        stderr: redact(&String::from_utf8_lossy(&out.stderr), None),
    }
}

fn stdout_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim_end_matches(['\n', '\r']).to_owned()
}

/// A clone of the list repository, checked.
pub struct Repo {
    /// `--repo`, as given.
    dir: PathBuf,
    /// The top of its work tree.
    top: PathBuf,
    /// `--repo` relative to the top (empty at the top).
    prefix: PathBuf,
    /// `--remote`.
    remote: String,
    /// The remote's URL, as configured (may hold credentials: redact before showing).
    remote_url: String,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry credentials (`https://user:token@host/...`).
        f.debug_struct("Repo")
            .field("dir", &self.dir)
            .field("top", &self.top)
            .field("prefix", &self.prefix)
            .field("remote", &self.remote)
            .field("remote_url", &redact(&self.remote_url, None))
            .finish()
    }
}

impl Repo {
    /// Checks that `dir` is inside a git work tree with a remote named `remote`.
    pub async fn open(dir: &Path, remote: &str) -> Result<Self, PublishError> {
        let not_a_repo = |detail: String| PublishError::NotARepository {
            path: dir.to_owned(),
            detail: if detail.is_empty() { "not a directory".to_owned() } else { detail },
        };
        if !dir.is_dir() {
            return Err(not_a_repo(String::new()));
        }
        let mut cmd = git(dir);
        cmd.args(["rev-parse", "--is-inside-work-tree", "--show-toplevel", "--show-prefix"]);
        let out = output(cmd).await?;
        if !out.status.success() {
            return Err(not_a_repo(redact(&String::from_utf8_lossy(&out.stderr), None)));
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = text.lines();
        if lines.next() != Some("true") {
            return Err(not_a_repo("not inside a work tree (a bare repository?)".to_owned()));
        }
        let top = PathBuf::from(lines.next().unwrap_or_default());
        let prefix = PathBuf::from(lines.next().unwrap_or_default());
        let mut cmd = git(dir);
        cmd.args(["remote", "get-url", "--"]).arg(remote);
        let out = output(cmd).await?;
        if !out.status.success() {
            return Err(PublishError::NoRemote { path: dir.to_owned(), remote: remote.to_owned() });
        }
        Ok(Self {
            dir: dir.to_owned(),
            top,
            prefix,
            remote: remote.to_owned(),
            remote_url: stdout_line(&out),
        })
    }

    /// The remote's URL as configured. It may hold credentials: pass it through
    /// [`redact`] before showing it.
    pub fn remote_url(&self) -> &str {
        &self.remote_url
    }

    /// Refuses a dirty tree, fetches the base and the branch, and checks out the worktree to
    /// build on: the remote branch when it exists (unless it is already merged into the
    /// base), else the remote base.
    pub async fn start(self, options: &PublishOptions) -> Result<Session, PublishError> {
        self.check_branches(options).await?;
        self.ensure_clean().await?;
        let remote = &self.remote;
        let base_ref = format!("refs/heads/{}", options.base);
        let branch_ref = format!("refs/heads/{}", options.branch);
        // Which of the two exist; a fetch of a missing ref would fail.
        let listed = run(&self.top, ["ls-remote", "--", remote, &base_ref, &branch_ref]).await?;
        let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
        let exists = |name: &str| listed.lines().any(|l| l.split('\t').nth(1) == Some(name));
        if !exists(&base_ref) {
            return Err(PublishError::NoBase {
                remote: remote.clone(),
                base: options.base.clone(),
            });
        }
        let branch_exists = exists(&branch_ref);
        let tracking = |name: &str| format!("refs/remotes/{remote}/{name}");
        let mut fetch: Vec<String> =
            ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--", remote]
                .map(str::to_owned)
                .into();
        fetch.push(format!("+{base_ref}:{}", tracking(&options.base)));
        if branch_exists {
            fetch.push(format!("+{branch_ref}:{}", tracking(&options.branch)));
        }
        run(&self.top, &fetch).await?;
        let base_sha = self.rev_parse(&tracking(&options.base)).await?;
        let branch_sha = if branch_exists {
            Some(self.rev_parse(&tracking(&options.branch)).await?)
        } else {
            None
        };
        // A branch whose commits are all in the base was merged: start again from the base
        // (still a fast-forward of the branch). A shallow clone may not know; then the branch
        // is built on.
        let start_sha = match &branch_sha {
            Some(sha) if !self.is_ancestor(sha, &base_sha).await => sha.clone(),
            _ => base_sha.clone(),
        };
        // What the pull request shows is the branch against its merge base with the base
        // branch (GitHub's three-dot diff), so the base's own later commits are not part of
        // it. A shallow clone may not know the merge base; then the base itself is used.
        let fork_sha = if start_sha == base_sha {
            base_sha.clone()
        } else {
            let mut cmd = git(&self.top);
            cmd.args(["merge-base", &start_sha, &base_sha]);
            match output(cmd).await? {
                out if out.status.success() => stdout_line(&out),
                _ => base_sha.clone(),
            }
        };
        let worktree = Worktree::add(&self.top, &start_sha).await?;
        tracing::debug!(base = %base_sha, branch = ?branch_sha, start = %start_sha, "publish worktree ready");
        Ok(Session {
            repo: self,
            branch: options.branch.clone(),
            author: options.author.clone(),
            fork_sha,
            branch_sha,
            start_sha,
            worktree,
        })
    }

    /// Both names are branch names, and different ones.
    async fn check_branches(&self, options: &PublishOptions) -> Result<(), PublishError> {
        for (what, name) in [("--base", &options.base), ("--branch", &options.branch)] {
            let valid = !name.starts_with('-') && !name.starts_with("refs/") && {
                let mut cmd = git(&self.top);
                // `refs/heads/` first: the argument cannot pass for an option.
                cmd.arg("check-ref-format").arg(format!("refs/heads/{name}"));
                output(cmd).await?.status.success()
            };
            if !valid {
                return Err(PublishError::Branch(format!(
                    "{what} {name:?} is not a branch name (e.g. `main`, `pmagg/new-postmortems`)"
                )));
            }
        }
        if options.base == options.branch {
            return Err(PublishError::Branch(format!(
                "--branch and --base are both {:?}: publish never writes the base branch, give it a branch of its own",
                options.base
            )));
        }
        Ok(())
    }

    /// Refuses uncommitted changes to tracked files, staged or not: edits the user may
    /// expect in the pull request, which would not be there. Untracked files (a database,
    /// a `sources.toml` kept beside the list) cannot get in the way of the worktree and are
    /// allowed.
    async fn ensure_clean(&self) -> Result<(), PublishError> {
        let out =
            run(&self.dir, ["status", "--porcelain=v1", "-z", "--untracked-files=no"]).await?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // Entries are `XY path\0`; a rename adds its source as a second field.
        let files: Vec<String> = text
            .split('\0')
            .filter(|entry| entry.len() > 3 && entry.as_bytes()[2] == b' ')
            .map(|entry| entry[3..].to_owned())
            .collect();
        if files.is_empty() {
            return Ok(());
        }
        let mut named: Vec<String> = files.iter().take(MAX_DIRTY_NAMED).cloned().collect();
        if files.len() > MAX_DIRTY_NAMED {
            named.push(format!("and {} more", files.len() - MAX_DIRTY_NAMED));
        }
        Err(PublishError::DirtyTree { path: self.dir.clone(), files: named })
    }

    async fn rev_parse(&self, name: &str) -> Result<String, PublishError> {
        let out =
            run(&self.top, ["rev-parse", "--verify", "--quiet", "--end-of-options", name]).await?;
        Ok(stdout_line(&out))
    }

    async fn is_ancestor(&self, ancestor: &str, of: &str) -> bool {
        let mut cmd = git(&self.top);
        cmd.args(["merge-base", "--is-ancestor", ancestor, of]);
        output(cmd).await.is_ok_and(|out| out.status.success())
    }
}

/// A temporary linked worktree, removed on [`Worktree::remove`] or on drop.
#[derive(Debug)]
struct Worktree {
    /// The clone it belongs to.
    top: PathBuf,
    /// Holds the worktree's parent directory.
    parent: Option<tempfile::TempDir>,
    /// The worktree.
    path: PathBuf,
}

impl Worktree {
    async fn add(top: &Path, sha: &str) -> Result<Self, PublishError> {
        let parent = tempfile::Builder::new()
            .prefix("pmagg-publish-")
            .tempdir()
            .map_err(|source| PublishError::TempDir { source })?;
        let path = parent.path().join("list");
        let mut args: Vec<OsString> =
            ["worktree", "add", "--quiet", "--detach"].map(OsString::from).into();
        args.push(path.clone().into_os_string());
        args.push(sha.into());
        run(top, &args).await?;
        Ok(Self { top: top.to_owned(), parent: Some(parent), path })
    }

    async fn remove(mut self) {
        let mut cmd = git(&self.top);
        cmd.args(["worktree", "remove", "--force"]).arg(&self.path);
        if output(cmd).await.is_ok_and(|out| out.status.success()) {
            self.parent.take();
        }
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        if self.parent.is_none() {
            return;
        }
        // A step failed before `remove` ran: this is the last chance to tidy up, and it must
        // not need a runtime. `prune` forgets the worktree once its directory is gone.
        let _ = std::process::Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        self.parent.take();
        let _ = std::process::Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(["worktree", "prune"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// What staged changes are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The commit the worktree started from: what this run changes (the commit).
    Start,
    /// Where the branch forked from the remote base branch: what the whole pull request
    /// changes.
    Base,
}

/// A prepared worktree and what was fetched.
#[derive(Debug)]
pub struct Session {
    repo: Repo,
    branch: String,
    author: Author,
    /// The merge base of the start commit and the base.
    fork_sha: String,
    branch_sha: Option<String>,
    start_sha: String,
    worktree: Worktree,
}

impl Session {
    /// Where `--repo` is inside the worktree: relative settings paths are joined to it.
    pub fn dir(&self) -> PathBuf {
        self.worktree.path.join(&self.repo.prefix)
    }

    /// Whether the work builds on pmagg's existing branch (else on the base).
    pub fn builds_on_branch(&self) -> bool {
        self.branch_sha.as_deref() == Some(self.start_sha.as_str())
    }

    fn pathspecs(&self, paths: &[PathBuf]) -> Vec<OsString> {
        paths
            .iter()
            .map(|p| {
                let mut spec = OsString::from(":(literal)");
                spec.push(self.repo.prefix.join(p).as_os_str());
                spec
            })
            .collect()
    }

    /// Stages `paths` (relative to `--repo`; those that do not exist are skipped) and says
    /// whether anything changed since the start commit.
    pub async fn stage(&self, paths: &[PathBuf]) -> Result<bool, PublishError> {
        let existing: Vec<PathBuf> =
            paths.iter().filter(|p| self.dir().join(p).exists()).cloned().collect();
        if !existing.is_empty() {
            let mut args: Vec<OsString> = ["add", "--all", "--"].map(OsString::from).into();
            args.extend(self.pathspecs(&existing));
            run(&self.worktree.path, &args).await?;
        }
        let mut cmd = git(&self.worktree.path);
        cmd.args(["diff", "--cached", "--quiet", "--no-ext-diff"]);
        let out = output(cmd).await?;
        match out.status.code() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(failed(&["diff".into(), "--cached".into()], &out)),
        }
    }

    fn against(&self, against: Against) -> &str {
        match against {
            Against::Start => &self.start_sha,
            Against::Base => &self.fork_sha,
        }
    }

    /// `--repo` relative to the top of the repository (empty at the top).
    pub fn prefix(&self) -> &Path {
        &self.repo.prefix
    }

    /// Staged paths that differ from `against`, relative to the top of the repository (as a
    /// pull request shows them).
    pub async fn changed_files(&self, against: Against) -> Result<Vec<PathBuf>, PublishError> {
        let mut args: Vec<OsString> =
            ["diff", "--cached", "--name-only", "-z", "--no-renames"].map(OsString::from).into();
        args.push(self.against(against).into());
        let out = run(&self.worktree.path, &args).await?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect())
    }

    /// A text file (relative to `--repo`) as it is at `against`; `None` when it is not there.
    pub async fn file_at(
        &self,
        against: Against,
        path: &Path,
    ) -> Result<Option<String>, PublishError> {
        let relative = self.repo.prefix.join(path);
        let name = relative.to_string_lossy().replace('\\', "/");
        let object = format!("{}:{name}", self.against(against));
        let mut cmd = git(&self.worktree.path);
        cmd.args(["cat-file", "-e", &object]);
        if !output(cmd).await?.status.success() {
            return Ok(None);
        }
        let out = run(&self.worktree.path, ["cat-file", "blob", &object]).await?;
        Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
    }

    /// The staged changes as a patch, for `--dry-run`.
    pub async fn staged_diff(&self) -> Result<String, PublishError> {
        let out = run(
            &self.worktree.path,
            [
                "diff",
                "--cached",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--stat",
                "--patch",
            ],
        )
        .await?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Commits what is staged as the author; returns the new commit.
    pub async fn commit(&self, message: &str) -> Result<String, PublishError> {
        let mut cmd = git(&self.worktree.path);
        cmd.args(["commit", "--quiet", "--no-edit", "--cleanup=whitespace", "-m", message])
            .env("GIT_AUTHOR_NAME", &self.author.name)
            .env("GIT_AUTHOR_EMAIL", &self.author.email)
            .env("GIT_COMMITTER_NAME", &self.author.name)
            .env("GIT_COMMITTER_EMAIL", &self.author.email);
        let out = output(cmd).await?;
        if !out.status.success() {
            return Err(failed(&["commit".into()], &out));
        }
        let out = run(&self.worktree.path, ["rev-parse", "--verify", "HEAD"]).await?;
        Ok(stdout_line(&out))
    }

    /// Pushes `commit` to pmagg's branch, and only there, with a lease on what was fetched
    /// (the branch must still not exist when it did not).
    pub async fn push(&self, commit: &str) -> Result<(), PublishError> {
        let branch_ref = format!("refs/heads/{}", self.branch);
        let lease = format!(
            "--force-with-lease={branch_ref}:{}",
            self.branch_sha.as_deref().unwrap_or_default()
        );
        let refspec = format!("{commit}:{branch_ref}");
        let mut cmd = git(&self.worktree.path);
        cmd.args(["push", "--porcelain", "--no-follow-tags", "--recurse-submodules=no", &lease])
            .args(["--", &self.repo.remote, &refspec]);
        let out = output(cmd).await?;
        if out.status.success() {
            return Ok(());
        }
        // 1: the remote refused the update (lease, protection, hook); anything else is git
        // failing to talk to it at all.
        if out.status.code() == Some(1) {
            // `--porcelain` lines are `flag \t from:to \t summary`; a refused ref has flag `!`.
            // What the remote's hooks said comes on stderr as `remote: ...` lines.
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let mut said: Vec<&str> = stdout
                .lines()
                .filter(|l| l.starts_with('!'))
                .filter_map(|l| l.split('\t').nth(2))
                .collect();
            said.extend(
                stderr
                    .lines()
                    .filter_map(|l| l.strip_prefix("remote:"))
                    .map(str::trim)
                    .filter(|l| !l.is_empty()),
            );
            let detail = if said.is_empty() { stderr.into_owned() } else { said.join("; ") };
            return Err(PublishError::PushRejected {
                remote: self.repo.remote.clone(),
                branch: self.branch.clone(),
                detail: redact(&detail, None),
            });
        }
        Err(failed(&["push".into(), self.repo.remote.clone().into()], &out))
    }

    /// Removes the worktree.
    pub async fn close(self) {
        self.worktree.remove().await;
    }
}
