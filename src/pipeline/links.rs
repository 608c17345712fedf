//! Link rot (issue #18): check links, count their failures, find archived copies, and save
//! new pages to the archive.
//!
//! Like the rest of [`crate::pipeline`], this calls several stages: `fetch` for the GETs,
//! `parse` for the archive's answers, `store` for the shared record of each URL. The store is
//! locked only between awaits, never across one. Whether a link is dead is the policy's word
//! ([`crate::model::links::DeadPolicy`]), so one failing night marks nothing dead.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tracing::{info, warn};
use url::Url;

use crate::config::{Config, LinkSettings};
use crate::fetch::Fetcher;
use crate::model::links::{LinkOutcome, LinkProbe, LinkRecord, LinkStatus, Snapshot, fold_probe};
use crate::parse::list::read_curated;
use crate::parse::wayback::{self, SaveJob};
use crate::render::read_text;
use crate::store::{Store, StoreError};

/// A link of the list or of a stored postmortem, and the date the archived copy should come
/// before (the incident's or the publication's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedLink {
    /// The link as written.
    pub url: String,
    /// The entry's incident or publication date, when known.
    pub date: Option<NaiveDate>,
}

/// What `pmagg links check` reports about one link.
#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    /// The link.
    pub url: String,
    /// ok, dead, inconclusive or unchecked.
    pub status: LinkStatus,
    /// Broken checks in a row.
    pub failures: u32,
    /// The first of them.
    pub first_failure: Option<DateTime<Utc>>,
    /// The last 2xx.
    pub last_success: Option<DateTime<Utc>>,
    /// The archived copy, when one was found.
    pub snapshot: Option<String>,
    /// The last check's HTTP status or error, for the table.
    #[serde(skip)]
    pub detail: Option<String>,
}

/// One pass of link checks: the reports, and how many checks had each outcome.
#[derive(Debug, Clone, Default)]
pub struct LinkRun {
    /// One per distinct link, in URL order.
    pub reports: Vec<LinkReport>,
    /// Checks of this pass by outcome: ok, broken, inconclusive.
    pub outcomes: BTreeMap<&'static str, u64>,
    /// What Save Page Now did, one line per submitted link (stderr material).
    pub saves: Vec<String>,
}

/// The Internet Archive's S3-style keys for Save Page Now.
#[derive(Debug, Clone)]
pub struct ArchiveKeys {
    /// `ARCHIVE_ORG_ACCESS`.
    pub access: SecretString,
    /// `ARCHIVE_ORG_SECRET`.
    pub secret: SecretString,
}

impl ArchiveKeys {
    /// `ARCHIVE_ORG_ACCESS` and `ARCHIVE_ORG_SECRET`, when both are set.
    pub fn from_env() -> Option<Self> {
        let access = std::env::var(ACCESS_ENV).ok().filter(|v| !v.is_empty())?;
        let secret = std::env::var(SECRET_ENV).ok().filter(|v| !v.is_empty())?;
        Some(Self { access: SecretString::from(access), secret: SecretString::from(secret) })
    }
}

/// Save Page Now's access key.
pub const ACCESS_ENV: &str = "ARCHIVE_ORG_ACCESS";
/// Save Page Now's secret key.
pub const SECRET_ENV: &str = "ARCHIVE_ORG_SECRET";

/// Checks every link once (at most `concurrency` at a time, `per_host` per host through the
/// fetcher), folds each check into the link's stored record, looks up a snapshot for links
/// that are dead and have none, and, with `archive_save` and keys, submits links that answer
/// but have no snapshot to Save Page Now.
pub async fn check_links(
    store: &Mutex<Store>,
    fetcher: &Fetcher,
    links: &[ListedLink],
    settings: &LinkSettings,
    concurrency: usize,
    keys: Option<&ArchiveKeys>,
    now: DateTime<Utc>,
) -> Result<LinkRun, StoreError> {
    let by_url = distinct(links);
    let mut records = lock(store).link_records()?;
    let targets: Vec<(String, Url)> = by_url
        .keys()
        .filter_map(|u| {
            Url::parse(u)
                .ok()
                .filter(|p| matches!(p.scheme(), "http" | "https"))
                .map(|p| (u.clone(), p))
        })
        .collect();
    let probes: Vec<(String, LinkProbe)> = futures_util::stream::iter(targets)
        .map(|(raw, url)| async move {
            let probe = fetcher.probe_link(&url).await;
            (raw, probe)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;

    let mut run = LinkRun::default();
    let mut changed = Vec::with_capacity(probes.len());
    for (url, probe) in &probes {
        *run.outcomes.entry(probe.outcome.as_str()).or_default() += 1;
        let record = records
            .entry(url.clone())
            .or_insert_with(|| LinkRecord { url: url.clone(), ..LinkRecord::default() });
        fold_probe(record, probe, now);
        changed.push(record.clone());
    }
    lock(store).record_link_checks(&changed)?;

    // Archived copies for dead links that have none yet.
    for record in &changed {
        if record.snapshot.is_some() || !settings.policy.is_dead(record) {
            continue;
        }
        let date = by_url.get(&record.url).copied().flatten();
        if let Some(snapshot) =
            find_snapshot(fetcher, &settings.archive_api_url, &record.url, date).await
        {
            lock(store).record_snapshot(&record.url, &snapshot)?;
            if let Some(r) = records.get_mut(&record.url) {
                r.snapshot = Some(snapshot);
            }
        }
    }

    if let (true, Some(keys)) = (settings.archive_save, keys) {
        for (url, probe) in &probes {
            let Some(record) = records.get(url) else { continue };
            if probe.outcome != LinkOutcome::Ok
                || record.snapshot.is_some()
                || record.saved_at.is_some()
            {
                continue;
            }
            let outcome = save_page(fetcher, settings, keys, url).await;
            let (word, snapshot) = match &outcome {
                SaveOutcome::Saved(snapshot) => ("success", Some(snapshot.clone())),
                SaveOutcome::Abandoned { .. } => ("abandoned", None),
                SaveOutcome::Failed(_) => ("failed", None),
            };
            run.saves.push(outcome.describe(url));
            let mut store = lock(store);
            store.record_save(url, now, word)?;
            if let Some(snapshot) = snapshot {
                store.record_snapshot(url, &snapshot)?;
                if let Some(r) = records.get_mut(url) {
                    r.snapshot = Some(snapshot);
                }
            }
        }
    }

    for url in by_url.keys() {
        let record = records.get(url);
        run.reports.push(LinkReport {
            url: url.clone(),
            status: settings.policy.status(record),
            failures: record.map_or(0, |r| r.failures),
            first_failure: record.and_then(|r| r.first_failure),
            last_success: record.and_then(|r| r.last_success),
            snapshot: record.and_then(|r| r.snapshot.as_ref()).map(|s| s.url.clone()),
            detail: record.and_then(|r| r.error.clone().or(r.status.map(|s| format!("HTTP {s}")))),
        });
    }
    info!(
        links = run.reports.len(),
        dead = run.reports.iter().filter(|r| r.status == LinkStatus::Dead).count(),
        "links checked"
    );
    Ok(run)
}

/// Every link to check: the README's entries and company links, the stored curated lists'
/// (removed entries excluded) and the stored postmortems' with their sources' company links.
pub fn gather_links(config: &Config, store: &Store) -> Result<Vec<ListedLink>, GatherError> {
    let mut links = Vec::new();
    let mut push = |url: Option<&str>, date| {
        if let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) {
            links.push(ListedLink { url: url.to_owned(), date });
        }
    };
    if let Some(readme) = &config.settings.readme
        && let Some(text) = read_text(readme)?
    {
        for entry in read_curated(&text, "README") {
            push(Some(&entry.url), entry.incident_date);
            push(entry.company_url.as_deref(), None);
        }
    }
    for entry in store.curated_entries()?.into_iter().filter(|e| !e.removed) {
        push(Some(&entry.url), entry.incident_date);
        push(entry.company_url.as_deref(), None);
    }
    let company_urls: HashMap<&str, &str> = config
        .sources
        .iter()
        .filter_map(|s| Some((s.name.as_str(), s.company_url.as_ref()?.as_str())))
        .collect();
    for listed in store.listable_postmortems()? {
        let pm = &listed.stored.postmortem;
        let date = pm
            .incident_date
            .or(pm.published.map(|p| p.date_naive()))
            .or(listed.entry_published.map(|p| p.date_naive()));
        push(pm.url.as_deref().or(listed.entry_url.as_deref()), date);
        push(company_urls.get(listed.stored.source.as_str()).copied(), None);
    }
    Ok(links)
}

/// Why the links could not be gathered.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// The README could not be read.
    #[error("cannot read the README")]
    Readme(#[from] crate::render::RenderError),
    /// The store could not be read.
    #[error("cannot read the stored links")]
    Store(#[from] StoreError),
}

/// The distinct links, each with its earliest date.
fn distinct(links: &[ListedLink]) -> BTreeMap<String, Option<NaiveDate>> {
    let mut out: BTreeMap<String, Option<NaiveDate>> = BTreeMap::new();
    for link in links {
        let slot = out.entry(link.url.clone()).or_default();
        *slot = match (*slot, link.date) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    out
}

/// The closest 200 capture of `url` before `date` (else the closest at all): the CDX API
/// first, then the availability API.
pub async fn find_snapshot(
    fetcher: &Fetcher,
    archive: &Url,
    url: &str,
    date: Option<NaiveDate>,
) -> Option<Snapshot> {
    // The day before the incident: the page as it was, not as the incident left it.
    let closest = date
        .and_then(|d| d.pred_opt())
        .map_or_else(|| "20000101000000".to_owned(), |d| format!("{}235959", d.format("%Y%m%d")));
    let mut cdx = archive.join("cdx/search/cdx").ok()?;
    cdx.query_pairs_mut()
        .append_pair("url", url)
        .append_pair("output", "json")
        .append_pair("fl", "timestamp,original")
        .append_pair("filter", "statuscode:200")
        .append_pair("closest", &closest)
        .append_pair("limit", "1");
    let capture = match fetcher.get_json(&cdx).await {
        Ok(body) => wayback::parse_cdx(&body),
        Err(err) => {
            warn!(%url, error = %err, "the CDX API failed; trying the availability API");
            None
        }
    };
    let capture = match capture {
        Some(capture) => Some(capture),
        None => {
            let mut available = archive.join("wayback/available").ok()?;
            available.query_pairs_mut().append_pair("url", url).append_pair("timestamp", &closest);
            match fetcher.get_json(&available).await {
                Ok(body) => wayback::parse_availability(&body, url),
                Err(err) => {
                    warn!(%url, error = %err, "the availability API failed");
                    None
                }
            }
        }
    }?;
    Some(snapshot_of(archive, &capture.timestamp, &capture.original))
}

/// `<archive>/web/<timestamp>/<url>`.
pub fn snapshot_of(archive: &Url, timestamp: &str, original: &str) -> Snapshot {
    let base = archive.as_str().trim_end_matches('/');
    Snapshot { url: format!("{base}/web/{timestamp}/{original}"), timestamp: timestamp.to_owned() }
}

/// What came of one Save Page Now submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The capture exists.
    Saved(Snapshot),
    /// Still pending after every poll: given up.
    Abandoned {
        /// Polls made.
        polls: u32,
        /// Time waited in all.
        waited: Duration,
    },
    /// Refused, failed, or the archive could not be reached.
    Failed(String),
}

impl SaveOutcome {
    /// One line for stderr.
    pub fn describe(&self, url: &str) -> String {
        match self {
            SaveOutcome::Saved(snapshot) => format!("saved {url} as {}", snapshot.url),
            SaveOutcome::Abandoned { polls, waited } => format!(
                "Save Page Now abandoned for {url}: still pending after {polls} polls ({}s); \
                 it may finish later, the next check looks again (archive_save_polls)",
                waited.as_secs()
            ),
            SaveOutcome::Failed(why) => format!("Save Page Now failed for {url}: {why}"),
        }
    }
}

/// Submits `url` to Save Page Now and polls its job at most `archive_save_polls` times.
pub async fn save_page(
    fetcher: &Fetcher,
    settings: &LinkSettings,
    keys: &ArchiveKeys,
    url: &str,
) -> SaveOutcome {
    let archive = &settings.archive_api_url;
    let Ok(submit) = archive.join("save") else {
        return SaveOutcome::Failed("bad archive_api_url".into());
    };
    let authorization =
        format!("LOW {}:{}", keys.access.expose_secret(), keys.secret.expose_secret());
    let job_id = match fetcher.post_form(&submit, &authorization, &[("url", url)]).await {
        Ok(body) => match wayback::parse_save(&body) {
            SaveJob::Submitted { job_id } => job_id,
            SaveJob::Success { timestamp } => {
                return SaveOutcome::Saved(snapshot_of(archive, &timestamp, url));
            }
            SaveJob::Pending => return SaveOutcome::Failed("no job id in the answer".into()),
            SaveJob::Failed { message } => return SaveOutcome::Failed(message),
        },
        Err(err) => return SaveOutcome::Failed(err.to_string()),
    };
    let Ok(status) = archive.join(&format!("save/status/{job_id}")) else {
        return SaveOutcome::Failed(format!("bad job id {job_id:?}"));
    };
    let mut waited = Duration::ZERO;
    for poll in 1..=settings.archive_save_polls {
        tokio::time::sleep(settings.archive_save_poll).await;
        waited += settings.archive_save_poll;
        match fetcher.get_json(&status).await.map(|body| wayback::parse_save(&body)) {
            Ok(SaveJob::Success { timestamp }) => {
                return SaveOutcome::Saved(snapshot_of(archive, &timestamp, url));
            }
            Ok(SaveJob::Pending | SaveJob::Submitted { .. }) => {
                tracing::debug!(%url, poll, "Save Page Now still pending");
            }
            Ok(SaveJob::Failed { message }) => return SaveOutcome::Failed(message),
            Err(err) => return SaveOutcome::Failed(err.to_string()),
        }
    }
    SaveOutcome::Abandoned { polls: settings.archive_save_polls, waited }
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}
