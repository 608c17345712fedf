//! `pmagg publish`: store → render into a worktree of the list repository → commit, push, pull
//! request.
//!
//! The paths come from `[settings]` (`readme`, default `README.md`; `archive_dir`; `feed`),
//! taken relative to `--repo` (an absolute one must lie inside it). [`Repo::start`]
//! prepares a temporary worktree on pmagg's branch; the render writes there, and records the
//! README's list in the store only once the branch holds it (after the push, or right away
//! when nothing changed): a list recorded but never pushed would read as entries deleted by
//! hand on the next run. What the pull request describes is everything its branch changes
//! against the base (the list entries the base does not have, and archive copies that
//! differ); the commit message names what this run changed.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;
use chrono::Utc;

use super::render::{RenderMode, Targets, record_render, render_with};
use super::{UsageError, database_path, load_config, open_store};
use crate::cli::{Cli, DEFAULT_BRANCH, DEFAULT_LINKS_BRANCH, LINKS_LABEL, PublishArgs};
use crate::config::{Settings, Source};
use crate::fetch::build_client;
use crate::model::{CuratedEntry, list_key};
use crate::parse;
use crate::publish::git::{Against, Repo, Session};
use crate::publish::github::{GitHub, Token};
use crate::publish::{
    Author, EntryChange, PublishError, PublishOptions, PublishOutcome, PublishedEntry, RepoSlug,
    description, redact,
};
use crate::render::{Listing, archive::plan_archive};
use crate::store::Store;

/// The README when `settings.readme` is unset: a list repository's front page.
pub(super) const DEFAULT_README: &str = "README.md";

/// A [`PublishError`] as the command reports it: the ones that mean "fix the call or the
/// clone" exit 2.
fn fail(err: PublishError) -> anyhow::Error {
    if err.is_usage() { UsageError(err.to_string()).into() } else { err.into() }
}

/// The rendered files, relative to `--repo`.
#[derive(Debug, Clone)]
struct RepoPaths {
    readme: PathBuf,
    archive: Option<PathBuf>,
    feed: Option<PathBuf>,
}

impl RepoPaths {
    fn from_settings(settings: &Settings, repo: &Path) -> Result<Self, PublishError> {
        let readme = settings.readme.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_README));
        Ok(Self {
            readme: inside(repo, &readme, "settings.readme")?,
            archive: settings
                .archive_dir
                .as_deref()
                .map(|p| inside(repo, p, "settings.archive_dir"))
                .transpose()?,
            feed: settings.feed.as_deref().map(|p| inside(repo, p, "settings.feed")).transpose()?,
        })
    }

    fn all(&self) -> Vec<PathBuf> {
        [Some(&self.readme), self.archive.as_ref(), self.feed.as_ref()]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// `path` relative to `repo`: a relative path as it is (without `..`), an absolute one with
/// `repo` stripped.
fn inside(repo: &Path, path: &Path, what: &'static str) -> Result<PathBuf, PublishError> {
    let outside =
        || PublishError::OutsideRepository { what, path: path.to_owned(), repo: repo.to_owned() };
    let relative = if path.is_absolute() {
        let candidates = [std::path::absolute(repo).ok(), repo.canonicalize().ok()];
        candidates
            .iter()
            .flatten()
            .find_map(|root| path.strip_prefix(root).ok())
            .map(Path::to_path_buf)
            .ok_or_else(outside)?
    } else {
        path.to_owned()
    };
    let parts: Vec<Component<'_>> =
        relative.components().filter(|c| !matches!(c, Component::CurDir)).collect();
    if parts.is_empty() || !parts.iter().all(|c| matches!(c, Component::Normal(_))) {
        return Err(outside());
    }
    Ok(parts.iter().collect())
}

pub(super) fn run(cli: &Cli, args: &PublishArgs) -> anyhow::Result<()> {
    // Settings lend the paths and source companies; publishing works without a config.
    let config = if cli.config.exists() { Some(load_config(cli)?) } else { None };
    let settings = config.as_ref().map(|c| c.settings.clone()).unwrap_or_default();
    let sources = config.as_ref().map_or(&[][..], |c| c.sources.as_slice());
    let paths = RepoPaths::from_settings(&settings, &args.repo).map_err(fail)?;
    let author: Author = args.author.parse().map_err(|e| UsageError(format!("--author: {e}")))?;
    let slug: Option<RepoSlug> = args
        .github
        .as_deref()
        .map(|s| s.parse().map_err(|e| UsageError(format!("--github: {e}"))))
        .transpose()?;
    // Read before anything is touched, so a missing token changes nothing.
    let token =
        if args.dry_run { None } else { Some(Token::from_env(&args.token_env).map_err(fail)?) };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let repo = runtime.block_on(Repo::open(&args.repo, &args.remote)).map_err(fail)?;
    let mut store = open_store(&database_path(cli, config.as_ref()))?;
    let slug = match slug.or_else(|| RepoSlug::from_remote_url(repo.remote_url())) {
        Some(slug) => Some(slug),
        None if args.dry_run => None,
        None => {
            return Err(fail(PublishError::UnknownRepository {
                remote: args.remote.clone(),
                url: redact(repo.remote_url(), None),
            }));
        }
    };
    let github = match (token, slug) {
        (Some(token), Some(slug)) => {
            let client = build_client(&settings).context("cannot start the HTTP client")?;
            Some(GitHub::new(client, &args.api_url, slug, token))
        }
        _ => None,
    };
    // The link-rot pull request lives on its own branch, so the new-postmortems one is never
    // touched by it (and the other way round).
    let branch = if args.links && args.branch == DEFAULT_BRANCH {
        DEFAULT_LINKS_BRANCH.to_owned()
    } else {
        args.branch.clone()
    };
    let options =
        PublishOptions { remote: args.remote.clone(), base: args.base.clone(), branch, author };
    let session = runtime.block_on(repo.start(&options)).map_err(fail)?;
    let step = Step { runtime: &runtime, session: &session, options: &options, paths: &paths };
    let result = match (&config, args.links) {
        (Some(config), true) => step.publish_links(&store, config, github.as_ref(), args.dry_run),
        (None, true) => Err(UsageError(format!(
            "publish --links needs the config ({}) for its link settings",
            cli.config.display()
        ))
        .into()),
        (_, false) => step.publish(&mut store, sources, &settings, github.as_ref(), args.dry_run),
    };
    runtime.block_on(session.close());
    let mut out = super::stdout();
    match result? {
        PublishOutcome::NothingToPublish(from) => {
            writeln!(out, "nothing new to publish: {from} is up to date")?;
        }
        PublishOutcome::DryRun => {}
        PublishOutcome::Opened(pull) => {
            writeln!(out, "opened pull request #{}: {}", pull.number, pull.html_url)?;
        }
        PublishOutcome::Updated(pull) => {
            writeln!(out, "updated pull request #{}: {}", pull.number, pull.html_url)?;
        }
    }
    Ok(())
}

/// What the publish steps share.
struct Step<'a> {
    runtime: &'a tokio::runtime::Runtime,
    session: &'a Session,
    options: &'a PublishOptions,
    paths: &'a RepoPaths,
}

impl Step<'_> {
    fn block_on<T>(
        &self,
        future: impl Future<Output = Result<T, PublishError>>,
    ) -> anyhow::Result<T> {
        self.runtime.block_on(future).map_err(fail)
    }

    fn publish(
        &self,
        store: &mut Store,
        sources: &[Source],
        settings: &Settings,
        github: Option<&GitHub>,
        dry_run: bool,
    ) -> anyhow::Result<PublishOutcome> {
        let now = Utc::now();
        let dir = self.session.dir();
        let targets = Targets {
            readme: Some(dir.join(&self.paths.readme)),
            archive: self.paths.archive.as_ref().map(|p| dir.join(p)),
            feed: self.paths.feed.as_ref().map(|p| dir.join(p)),
            list_root: Some(dir.clone()),
        };
        let report = render_with(store, sources, settings, &targets, RenderMode::WriteFiles, now)
            .context("cannot render into the list repository")?;
        let from = self.starting_point();
        if !self.block_on(self.session.stage(&self.paths.all()))? {
            if !dry_run {
                record_render(store, &report.records, now)?;
            }
            tracing::info!(from = %from, "nothing new to publish");
            return Ok(PublishOutcome::NothingToPublish(from));
        }

        let root_causes = root_causes(store)?;
        let key = list_key(&self.paths.readme, None);
        let describe = |against| -> anyhow::Result<(Vec<PublishedEntry>, Vec<String>)> {
            let files = self.block_on(self.session.changed_files(against))?;
            let before = self.block_on(self.session.file_at(against, &self.paths.readme))?;
            let after =
                crate::render::read_text(&dir.join(&self.paths.readme))?.unwrap_or_default();
            let archived: Vec<String> = match &self.paths.archive {
                Some(archive) => files
                    .iter()
                    .filter_map(|f| f.strip_prefix(self.session.prefix().join(archive)).ok())
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .collect(),
                None => Vec::new(),
            };
            let entries = changed_entries(
                before.as_deref(),
                &after,
                &archived,
                &report.listings,
                &root_causes,
                &key,
            );
            let files = files.iter().map(|f| f.to_string_lossy().replace('\\', "/")).collect();
            Ok((entries, files))
        };
        let (pr_entries, pr_files) = describe(Against::Base)?;
        let (run_entries, run_files) = describe(Against::Start)?;
        let text = description::describe_pull_request(&pr_entries, &pr_files);
        let message = description::describe_commit(&run_entries, &run_files);
        let (branch, base) = (&self.options.branch, &self.options.base);

        if dry_run {
            let diff = self.block_on(self.session.staged_diff())?;
            let mut out = super::stdout();
            writeln!(
                out,
                "dry run: would commit on {branch} (from {from}), push it to {} and open or \
                 update a pull request into {base}\n",
                self.options.remote
            )?;
            writeln!(out, "{diff}")?;
            writeln!(out, "--- commit message ---\n{message}")?;
            writeln!(out, "--- pull request ---\n{}\n\n{}", text.title, text.body)?;
            return Ok(PublishOutcome::DryRun);
        }
        let github = github.context("no GitHub client outside a dry run")?;
        // Asking first checks the token before anything is pushed.
        let existing = self.block_on(github.find_open_pull(branch, base))?;
        let commit = self.block_on(self.session.commit(&message))?;
        self.block_on(self.session.push(&commit))?;
        tracing::info!(branch = %branch, commit = %commit, from = %from, "pushed");
        // The branch holds the list now: it is the list from here on.
        record_render(store, &report.records, now)?;
        let outcome = self.send_pull(github, existing, &text)?;
        tracing::info!(outcome = ?outcome, title = %text.title, "pull request sent");
        Ok(outcome)
    }
}

impl Step<'_> {
    /// Where the branch starts: `remote/branch` when it exists there, else `remote/base`.
    fn starting_point(&self) -> String {
        let branch =
            if self.session.builds_on_branch() { &self.options.branch } else { &self.options.base };
        format!("{}/{branch}", self.options.remote)
    }

    /// After the push: updates the open pull request `existing`, or opens one.
    fn send_pull(
        &self,
        github: &GitHub,
        existing: Option<crate::publish::github::PullRequest>,
        text: &crate::publish::description::PullRequestText,
    ) -> anyhow::Result<PublishOutcome> {
        let (branch, base) = (&self.options.branch, &self.options.base);
        let after_push = |verb| {
            move |err| PublishError::AfterPush {
                branch: branch.clone(),
                verb,
                source: Box::new(err),
            }
        };
        Ok(match existing {
            Some(open) => PublishOutcome::Updated(self.block_on(async {
                github.update_pull(open.number, text).await.map_err(after_push("updated"))
            })?),
            None => PublishOutcome::Opened(self.block_on(async {
                github.open_pull(branch, base, text).await.map_err(after_push("opened"))
            })?),
        })
    }

    /// `publish --links`: the dead-link fixes of the README, committed on the link-rot
    /// branch, with one pull request opened or updated in place.
    fn publish_links(
        &self,
        store: &Store,
        config: &crate::config::Config,
        github: Option<&GitHub>,
        dry_run: bool,
    ) -> anyhow::Result<PublishOutcome> {
        let dir = self.session.dir();
        let readme = dir.join(&self.paths.readme);
        let text = crate::render::read_text(&readme)?.unwrap_or_default();
        let archive = self.paths.archive.as_ref().map(|p| dir.join(p));
        let fixes = super::links::plan_fixes(config, store, &readme, archive.as_deref())?;
        let key = list_key(&self.paths.readme, None);
        let hand: HashSet<String> = store
            .curated_entries()?
            .into_iter()
            .filter(|e| e.list == key && e.origin == crate::model::CuratedOrigin::Import)
            .map(|e| e.canonical_url)
            .collect();
        let fixed = crate::render::links::fix_dead_links(&text, &fixes, &hand, false, &readme)?;
        crate::render::write_if_changed(&readme, fixed.text.as_bytes())?;
        let from = self.starting_point();
        if !self.block_on(self.session.stage(std::slice::from_ref(&self.paths.readme)))? {
            tracing::info!(from = %from, "no dead link to fix");
            return Ok(PublishOutcome::NothingToPublish(from));
        }
        let replaced: HashMap<&str, &str> =
            fixes.iter().map(|f| (f.url.as_str(), f.replacement.as_str())).collect();
        let mut body = String::from(
            "Dead links in the list, each replaced by its archived copy with the original kept \
             beside it (`pmagg links fix`). A link is dead after repeated 404, 410 or DNS \
             failures spread over days (`pmagg links check`).\n\n",
        );
        for url in &fixed.fixed {
            let _ = writeln!(body, "- {url} → {}", replaced.get(url.as_str()).unwrap_or(&""));
        }
        let n = fixed.fixed.len();
        let text = crate::publish::description::PullRequestText {
            title: format!(
                "Replace {n} dead link{} with archived copies",
                if n == 1 { "" } else { "s" }
            ),
            body,
        };
        let message = format!("{}\n\n{}", text.title, text.body);
        let (branch, base) = (&self.options.branch, &self.options.base);
        if dry_run {
            let diff = self.block_on(self.session.staged_diff())?;
            let mut out = super::stdout();
            writeln!(
                out,
                "dry run: would commit on {branch} (from {from}) and open or update a pull request into {base}\n"
            )?;
            writeln!(out, "{diff}")?;
            writeln!(out, "--- pull request ---\n{}\n\n{}", text.title, text.body)?;
            return Ok(PublishOutcome::DryRun);
        }
        let github = github.context("no GitHub client outside a dry run")?;
        let existing = self.block_on(github.find_open_pull(branch, base))?;
        let commit = self.block_on(self.session.commit(&message))?;
        self.block_on(self.session.push(&commit))?;
        let outcome = self.send_pull(github, existing, &text)?;
        // A token that may open pull requests may still lack the right to label.
        if let PublishOutcome::Opened(pull) = &outcome
            && let Err(err) = self.runtime.block_on(github.add_labels(pull.number, &[LINKS_LABEL]))
        {
            eprintln!("pmagg: pull request #{} is not labelled {LINKS_LABEL}: {err}", pull.number);
        }
        Ok(outcome)
    }
}

/// Each confirmed postmortem's root cause, by entry id.
fn root_causes(store: &Store) -> anyhow::Result<HashMap<i64, String>> {
    Ok(store
        .listable_postmortems()?
        .into_iter()
        .filter_map(|p| Some((p.stored.entry_id, p.stored.postmortem.root_cause?)))
        .collect())
}

/// The entries that differ between two versions of the README (`before`, `None` when it did
/// not exist, and `after`) plus those whose archive copy changed (`archived`: paths relative
/// to the archive directory), described from the rendered `listings`.
fn changed_entries(
    before: Option<&str>,
    after: &str,
    archived: &[String],
    listings: &[Listing],
    root_causes: &HashMap<i64, String>,
    key: &str,
) -> Vec<PublishedEntry> {
    let listed_before: HashSet<String> = before
        .map(|text| parse::list::read_curated(text, key))
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.canonical_url)
        .collect();
    let listing_of =
        |url: &str| listings.iter().find(|l| l.canonical_urls.iter().any(|u| u == url));
    let mut out = Vec::new();
    let mut described: HashSet<String> = HashSet::new();
    for entry in parse::list::read_curated(after, key) {
        if listed_before.contains(&entry.canonical_url) {
            continue;
        }
        let listing = listing_of(&entry.canonical_url);
        if listing.is_some_and(|l| l.canonical_urls.iter().any(|u| listed_before.contains(u))) {
            continue;
        }
        described.insert(listing.map_or(entry.canonical_url.clone(), |l| l.canonical_url.clone()));
        out.push(match listing {
            Some(listing) => describe_listing(listing, EntryChange::New, root_causes, key),
            None => describe_curated(&entry),
        });
    }
    if !archived.is_empty() {
        let files: HashMap<String, String> =
            plan_archive(listings).into_iter().map(|f| (f.path, f.canonical_url)).collect();
        for path in archived {
            let Some(url) = files.get(path) else { continue };
            let Some(listing) = listings.iter().find(|l| &l.canonical_url == url) else { continue };
            if described.insert(listing.canonical_url.clone()) {
                out.push(describe_listing(listing, EntryChange::Updated, root_causes, key));
            }
        }
    }
    out
}

fn describe_listing(
    listing: &Listing,
    change: EntryChange,
    root_causes: &HashMap<i64, String>,
    key: &str,
) -> PublishedEntry {
    PublishedEntry {
        change,
        title: listing.title.clone(),
        company: listing.company.clone(),
        incident_date: listing.date,
        // The list being published is where the entry goes, not where it was found.
        sources: listing.sources.iter().filter(|s| *s != key).cloned().collect(),
        link: listing.url.clone(),
        summary: listing.summary.clone(),
        root_cause: listing.entry_ids.iter().find_map(|id| root_causes.get(id).cloned()),
    }
}

/// An entry the README has but no listing matches (it should not happen: the render lists
/// every entry of the file it wrote).
fn describe_curated(entry: &CuratedEntry) -> PublishedEntry {
    PublishedEntry {
        change: EntryChange::New,
        title: entry.title.clone(),
        company: entry.company.clone(),
        incident_date: entry.incident_date,
        sources: Vec::new(),
        link: entry.url.clone(),
        summary: entry.summary.clone(),
        root_cause: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_paths_map_into_the_repository() {
        let repo = Path::new("/srv/list");
        assert_eq!(inside(repo, Path::new("README.md"), "r").unwrap(), Path::new("README.md"));
        assert_eq!(inside(repo, Path::new("./docs/x.md"), "r").unwrap(), Path::new("docs/x.md"));
        assert_eq!(
            inside(repo, Path::new("/srv/list/postmortems"), "r").unwrap(),
            Path::new("postmortems")
        );
        for bad in ["../x.md", "/etc/passwd", ".", "docs/../../x"] {
            assert!(
                matches!(
                    inside(repo, Path::new(bad), "r"),
                    Err(PublishError::OutsideRepository { .. })
                ),
                "{bad}"
            );
        }
    }
}
