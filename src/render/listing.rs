//! Curated entries + confirmed postmortems → [`Listing`]s: one per postmortem, duplicates
//! collapsed, in the list's total order.
//!
//! Two records are one postmortem when their [`canonical_url`]s are equal (so a Wayback copy
//! matches its original, and `http://www.x.com/a/` matches `https://x.com/a`), or when they
//! name the same company, their incident dates are at most a day apart and their titles are
//! similar (see [`similar_titles`]). Two entries of the same curated list are never merged by
//! the second rule: the curator listed them apart.
//!
//! A listing's text comes from its curated entries first (curated text is authoritative) and
//! only fills the gaps from extraction. Its link is the company's own report when one member
//! has it (a host under the company's domain or name), else the curated link, else the first
//! postmortem's.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::{CuratedEntry, Decision, ListablePostmortem, SourceName, canonical_url};

/// What the config says about a source: who its postmortems are from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCompany {
    /// The source's `company`.
    pub company: String,
    /// The source's `company_url`.
    pub company_url: Option<String>,
}

/// The archive copy of a listing: the report and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedReport {
    /// The report's link (the archive copy's `[Source](url)`).
    pub url: String,
    /// The report as markdown.
    pub body: String,
}

/// One postmortem of the list, after duplicates collapsed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listing {
    /// The preferred link: the company's own report when known.
    pub url: String,
    /// [`canonical_url`] of `url`.
    pub canonical_url: String,
    /// Every member's canonical URL, sorted: what a list entry is matched on.
    pub canonical_urls: Vec<String>,
    /// The title.
    pub title: Option<String>,
    /// The company.
    pub company: Option<String>,
    /// The company's home page.
    pub company_url: Option<String>,
    /// The incident date, else the date it was published: what the list is ordered by.
    pub date: Option<NaiveDate>,
    /// When the report was published, when known.
    pub published: Option<DateTime<Utc>>,
    /// The one-or-two-sentence summary.
    pub summary: Option<String>,
    /// Categories (curated ones first).
    pub categories: Vec<String>,
    /// The curated entries it collapses (from any list).
    #[serde(skip)]
    pub curated: Vec<CuratedEntry>,
    /// The stored entries (`pmagg show ID`) of its confirmed postmortems.
    pub entry_ids: Vec<i64>,
    /// The sources that found it, and the curated lists that list it.
    pub sources: Vec<String>,
    /// Who decided it is a postmortem: the strongest word among its members (a curator's
    /// mark, then the publisher, then a curated list, then the classifier).
    pub decided_by: Decision,
    /// The report to archive, when one is stored.
    #[serde(skip)]
    pub report: Option<ArchivedReport>,
    /// When pmagg first stored one of its postmortems (the earliest); `None` for a listing
    /// only curated lists have. The feed's `updated` (#16).
    #[serde(skip)]
    pub first_seen: Option<DateTime<Utc>>,
}

impl Listing {
    /// Whether a curated entry of this listing was written by a person (not by pmagg).
    pub fn is_hand_curated(&self) -> bool {
        self.curated.iter().any(|c| c.origin == crate::model::CuratedOrigin::Import)
    }
}

/// One record before collapsing.
struct Member<'a> {
    url: String,
    canonical: String,
    title: Option<String>,
    company: Option<String>,
    company_url: Option<String>,
    date: Option<NaiveDate>,
    published: Option<DateTime<Utc>>,
    summary: Option<String>,
    categories: Vec<String>,
    first_seen: Option<DateTime<Utc>>,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Curated(&'a CuratedEntry),
    Postmortem {
        entry_id: i64,
        source: &'a SourceName,
        body: Option<&'a str>,
        decided_by: Decision,
    },
}

/// Collapses duplicates and orders the result: newest first (by [`Listing::date`]; undated
/// last), then company, title and link, so that the same records always give the same list.
/// Curated entries marked removed take their whole listing out.
pub fn collect_listings<S: std::hash::BuildHasher>(
    curated: &[CuratedEntry],
    postmortems: &[ListablePostmortem],
    companies: &HashMap<SourceName, SourceCompany, S>,
) -> Vec<Listing> {
    let mut members = Vec::new();
    let mut curated_sorted: Vec<&CuratedEntry> = curated.iter().collect();
    curated_sorted.sort_by(|a, b| (&a.list, a.position).cmp(&(&b.list, b.position)));
    for entry in curated_sorted {
        members.push(Member {
            url: entry.url.clone(),
            canonical: entry.canonical_url.clone(),
            title: entry.title.clone(),
            company: entry.company.clone(),
            company_url: entry.company_url.clone(),
            date: entry.incident_date,
            published: None,
            summary: entry.summary.clone(),
            categories: entry.categories.clone(),
            first_seen: None,
            kind: Kind::Curated(entry),
        });
    }
    let mut by_id: Vec<&ListablePostmortem> = postmortems.iter().collect();
    by_id.sort_by_key(|p| p.stored.id);
    for listable in by_id {
        let p = &listable.stored.postmortem;
        let Some(url) = p.url.clone().or_else(|| listable.entry_url.clone()) else { continue };
        let source = companies.get(&listable.stored.source);
        let company = p.company.clone().or_else(|| source.map(|s| s.company.clone()));
        // The source's company_url belongs to the source's company only.
        let company_url = source.and_then(|s| {
            let same = company.as_deref().is_none_or(|c| same_company(c, &s.company));
            s.company_url.clone().filter(|_| same)
        });
        let published = p.published.or(listable.entry_published);
        members.push(Member {
            canonical: canonical_url(&url),
            url,
            title: p.title.clone(),
            company,
            company_url,
            date: p.incident_date.or_else(|| published.map(|t| t.date_naive())),
            published,
            summary: p.summary.clone(),
            categories: p
                .categories
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok()?.as_str().map(str::to_owned))
                .collect(),
            first_seen: listable.first_seen,
            kind: Kind::Postmortem {
                entry_id: listable.stored.entry_id,
                source: &listable.stored.source,
                body: listable.body.as_deref(),
                decided_by: listable.stored.decided_by,
            },
        });
    }

    let groups = group_duplicates(&members);
    let mut listings: Vec<Listing> =
        groups.into_iter().filter_map(|group| merge(&members, &group)).collect();
    listings.sort_by(compare_listings);
    listings
}

/// The list's total order: newest first, undated last, then company, title, link.
pub fn compare_listings(a: &Listing, b: &Listing) -> std::cmp::Ordering {
    b.date
        .is_some()
        .cmp(&a.date.is_some())
        .then_with(|| b.date.cmp(&a.date))
        .then_with(|| lower(a.company.as_deref()).cmp(&lower(b.company.as_deref())))
        .then_with(|| lower(a.title.as_deref()).cmp(&lower(b.title.as_deref())))
        .then_with(|| a.canonical_url.cmp(&b.canonical_url))
}

fn lower(text: Option<&str>) -> String {
    text.unwrap_or_default().to_lowercase()
}

/// Union-find over the members; groups in order of their first member.
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn group_duplicates(members: &[Member<'_>]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..members.len()).collect();
    let union = |parent: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (root(parent, a), root(parent, b));
        if ra != rb {
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[high] = low;
        }
    };
    let mut by_url: HashMap<&str, usize> = HashMap::new();
    let mut by_company: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, member) in members.iter().enumerate() {
        match by_url.get(member.canonical.as_str()) {
            Some(&first) => union(&mut parent, first, i),
            None => {
                by_url.insert(&member.canonical, i);
            }
        }
        if let Some(company) = member.company.as_deref().map(company_key).filter(|k| !k.is_empty())
        {
            by_company.entry(company).or_default().push(i);
        }
    }
    // Within a company, only records at most a day apart can match: sort by date and compare
    // each with the next ones until the gap grows, so a company with thousands of incidents
    // costs a sort, not a square.
    for indices in by_company.values() {
        let mut dated: Vec<(NaiveDate, usize, BTreeSet<String>)> = indices
            .iter()
            .filter_map(|&i| {
                let m = &members[i];
                Some((m.date?, i, title_words(m.title.as_deref()?)))
            })
            .filter(|(_, _, words)| !words.is_empty())
            .collect();
        dated.sort_by_key(|(date, i, _)| (*date, *i));
        for (n, (date, i, words)) in dated.iter().enumerate() {
            for (other_date, j, other_words) in &dated[n + 1..] {
                if (*other_date - *date).num_days() > 1 {
                    break;
                }
                if let (Kind::Curated(x), Kind::Curated(y)) = (&members[*i].kind, &members[*j].kind)
                    && x.list == y.list
                {
                    continue;
                }
                if similar_words(words, other_words) {
                    union(&mut parent, *i, *j);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index_of_root: HashMap<usize, usize> = HashMap::new();
    for i in 0..members.len() {
        let r = root(&mut parent, i);
        let slot = *index_of_root.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[slot].push(i);
    }
    groups
}

/// Dates at most a day apart and similar titles (company equality is the caller's).
pub(crate) fn same_incident(
    a_date: Option<NaiveDate>,
    a_title: Option<&str>,
    b_date: Option<NaiveDate>,
    b_title: Option<&str>,
) -> bool {
    let (Some(a_date), Some(b_date)) = (a_date, b_date) else { return false };
    let (Some(a_title), Some(b_title)) = (a_title, b_title) else { return false };
    (a_date - b_date).num_days().abs() <= 1 && similar_titles(a_title, b_title)
}

/// Words that say nothing about which incident a title names.
const STOP_WORDS: &[&str] =
    &["the", "a", "an", "of", "for", "on", "in", "and", "to", "with", "at", "from", "by", "our"];

fn title_words(title: &str) -> BTreeSet<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// Mostly the same words: a Jaccard index of at least three quarters, or every word of a title
/// of two or more words found in the other. Strict on purpose: a status page often has two
/// incidents on one day named alike ("Elevated errors on API", "... on ChatGPT"), and merging
/// them would drop one from the list.
pub fn similar_titles(a: &str, b: &str) -> bool {
    similar_words(&title_words(a), &title_words(b))
}

fn similar_words(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.intersection(b).count();
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    shared * 4 >= a.union(b).count() * 3 || (small.len() >= 2 && small.is_subset(large))
}

/// A company name reduced to lowercase letters and digits (`Fly.io` → `flyio`).
pub(crate) fn company_key(company: &str) -> String {
    company.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

fn same_company(a: &str, b: &str) -> bool {
    company_key(a) == company_key(b)
}

/// The last two labels of a URL's host (`status.openai.com` → `openai.com`).
fn domain_of(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let n = labels.len();
    Some(if n >= 2 { format!("{}.{}", labels[n - 2], labels[n - 1]) } else { host })
}

/// Whether `url` is on the company's own site: under its `company_url`'s domain, or on a host
/// with a label that is the company's name.
fn is_companys_own(url: &str, company: Option<&str>, company_url: Option<&str>) -> bool {
    if let (Some(domain), Some(own)) = (domain_of(url), company_url.and_then(domain_of))
        && domain == own
    {
        return true;
    }
    let Some(key) = company.map(company_key).filter(|k| k.len() >= 2) else { return false };
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| host.split('.').any(|label| company_key(label) == key))
}

fn merge(members: &[Member<'_>], group: &[usize]) -> Option<Listing> {
    let items: Vec<&Member<'_>> = group.iter().map(|&i| &members[i]).collect();
    let curated: Vec<CuratedEntry> = items
        .iter()
        .filter_map(|m| match m.kind {
            Kind::Curated(c) => Some(c.clone()),
            Kind::Postmortem { .. } => None,
        })
        .collect();
    if curated.iter().any(|c| c.removed) {
        return None;
    }
    // Curated members come first in `items` (they were pushed first), so "first with a
    // value" gives curated text priority.
    let first = |f: &dyn Fn(&Member<'_>) -> Option<String>| items.iter().find_map(|m| f(m));
    let company = first(&|m| m.company.clone());
    let company_url = first(&|m| m.company_url.clone());
    let preferred = items
        .iter()
        .enumerate()
        .max_by_key(|(i, m)| {
            (
                is_companys_own(&m.url, company.as_deref(), company_url.as_deref()),
                matches!(m.kind, Kind::Curated(_)),
                std::cmp::Reverse(*i),
            )
        })
        .map(|(_, m)| *m)?;
    // The preferred member's own text fills gaps before other postmortems'.
    let mut ordered: Vec<&Member<'_>> =
        items.iter().copied().filter(|m| matches!(m.kind, Kind::Curated(_))).collect();
    if !matches!(preferred.kind, Kind::Curated(_)) {
        ordered.push(preferred);
    }
    ordered.extend(
        items
            .iter()
            .copied()
            .filter(|m| !matches!(m.kind, Kind::Curated(_)) && !std::ptr::eq(*m, preferred)),
    );
    let pick = |f: &dyn Fn(&Member<'_>) -> Option<String>| ordered.iter().find_map(|m| f(m));
    let mut categories = Vec::new();
    for m in &ordered {
        for c in &m.categories {
            if !categories.contains(c) {
                categories.push(c.clone());
            }
        }
    }
    let mut canonical_urls: Vec<String> = items.iter().map(|m| m.canonical.clone()).collect();
    canonical_urls.sort();
    canonical_urls.dedup();
    let mut sources = Vec::new();
    let mut entry_ids = Vec::new();
    let mut report = None;
    for m in &ordered {
        let source = match &m.kind {
            Kind::Curated(c) => c.list.clone(),
            Kind::Postmortem { entry_id, source, body, .. } => {
                entry_ids.push(*entry_id);
                if report.is_none()
                    && let Some(body) = body
                {
                    report = Some(ArchivedReport { url: m.url.clone(), body: (*body).to_owned() });
                }
                source.to_string()
            }
        };
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    let decided_by = items
        .iter()
        .map(|m| match m.kind {
            Kind::Curated(_) => Decision::Curated,
            Kind::Postmortem { decided_by, .. } => decided_by,
        })
        .max_by_key(|d| match d {
            Decision::Curator => 3,
            Decision::Publisher => 2,
            Decision::Curated => 1,
            Decision::Classifier => 0,
        })
        .unwrap_or_default();
    Some(Listing {
        url: preferred.url.clone(),
        canonical_url: preferred.canonical.clone(),
        canonical_urls,
        title: pick(&|m| m.title.clone()),
        company,
        company_url,
        date: ordered.iter().find_map(|m| m.date),
        published: ordered.iter().find_map(|m| m.published),
        summary: pick(&|m| m.summary.clone()),
        categories,
        curated,
        entry_ids,
        sources,
        decided_by,
        report,
        first_seen: items.iter().filter_map(|m| m.first_seen).min(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use pretty_assertions::assert_eq;

    use super::*;
    use crate::model::{CuratedOrigin, ListShape, Postmortem, StoredPostmortem};

    pub(crate) fn curated(list: &str, position: u32, url: &str, title: &str) -> CuratedEntry {
        CuratedEntry {
            list: list.into(),
            position,
            raw: format!("- [{title}]({url})\n"),
            shape: ListShape::Dated,
            origin: CuratedOrigin::Import,
            url: url.into(),
            canonical_url: canonical_url(url),
            title: Some(title.into()),
            company: Some("OpenAI".into()),
            company_url: Some("https://openai.com/".into()),
            incident_date: NaiveDate::from_ymd_opt(2023, 11, 15),
            summary: Some("Curated summary.".into()),
            categories: vec![],
            removed: false,
        }
    }

    pub(crate) fn postmortem(id: i64, url: &str, title: &str, date: &str) -> ListablePostmortem {
        ListablePostmortem {
            stored: StoredPostmortem {
                id,
                entry_id: id * 10,
                source: SourceName::new("OpenAI Status"),
                extractor_version: 1,
                extracted_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
                decided_by: Decision::Classifier,
                postmortem: Postmortem {
                    is_postmortem: true,
                    confidence: Some(0.9),
                    title: Some(title.into()),
                    url: Some(url.into()),
                    incident_date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
                    summary: Some("Extracted summary.".into()),
                    ..Postmortem::default()
                },
            },
            entry_url: None,
            entry_published: None,
            body: Some("## Impact\n\nEverything.".into()),
            first_seen: None,
        }
    }

    fn companies() -> HashMap<SourceName, SourceCompany> {
        HashMap::from([(
            SourceName::new("OpenAI Status"),
            SourceCompany {
                company: "OpenAI".into(),
                company_url: Some("https://openai.com/".into()),
            },
        )])
    }

    #[test]
    fn same_link_collapses_and_curated_text_wins() {
        let c = curated(
            "README.md",
            0,
            "https://status.openai.com/incidents/00fpy0yxrx1q",
            "API Outage",
        );
        let p = postmortem(
            1,
            "http://www.status.openai.com/incidents/00fpy0yxrx1q/?utm_source=x",
            "Elevated errors on API",
            "2023-11-16",
        );
        let listings = collect_listings(&[c], &[p], &companies());
        assert_eq!(listings.len(), 1);
        let l = &listings[0];
        assert_eq!(l.title.as_deref(), Some("API Outage"));
        assert_eq!(l.summary.as_deref(), Some("Curated summary."));
        assert_eq!(l.date, NaiveDate::from_ymd_opt(2023, 11, 15));
        assert_eq!(l.url, "https://status.openai.com/incidents/00fpy0yxrx1q");
        assert_eq!(l.entry_ids, [10]);
        assert_eq!(l.sources, ["README.md", "OpenAI Status"]);
        assert!(l.report.is_some() && l.is_hand_curated());
    }

    #[test]
    fn similar_reports_a_day_apart_collapse_and_the_companys_own_link_wins() {
        let mut news = postmortem(
            1,
            "https://news.example/openai-api-outage",
            "OpenAI API outage",
            "2023-11-15",
        );
        news.stored.source = SourceName::new("News");
        news.stored.postmortem.company = Some("OpenAI".into());
        let own =
            postmortem(2, "https://openai.com/blog/api-outage-report", "API outage", "2023-11-16");
        let other = postmortem(3, "https://openai.com/blog/dalle", "DALL-E down", "2023-11-16");
        let listings = collect_listings(&[], &[news, own, other], &companies());
        assert_eq!(listings.len(), 2);
        let api = listings.iter().find(|l| l.entry_ids.contains(&10)).unwrap();
        assert_eq!(api.url, "https://openai.com/blog/api-outage-report");
        assert_eq!(api.entry_ids.len(), 2);
        // Two entries of one curated list are never merged on similarity.
        let a = curated("README.md", 0, "https://a.example/1", "API Outage");
        let b = curated("README.md", 1, "https://a.example/2", "API Outage");
        assert_eq!(collect_listings(&[a, b], &[], &companies()).len(), 2);
    }

    #[test]
    fn removed_entries_take_their_listing_out_and_order_is_total() {
        let mut gone = curated("README.md", 0, "https://a.example/1", "Gone");
        gone.removed = true;
        let p = postmortem(1, "https://a.example/1", "Gone", "2024-01-01");
        let older = postmortem(2, "https://b.example/2", "Older", "2022-01-01");
        let mut undated = postmortem(3, "https://c.example/3", "Undated", "");
        undated.stored.postmortem.incident_date = None;
        let newer = postmortem(4, "https://d.example/4", "Newer", "2023-01-01");
        let listings = collect_listings(&[gone], &[p, older, undated, newer], &companies());
        let titles: Vec<_> = listings.iter().map(|l| l.title.as_deref().unwrap()).collect();
        assert_eq!(titles, ["Newer", "Older", "Undated"]);
    }

    #[test]
    fn titles_and_companies_compare_loosely() {
        assert!(similar_titles("Dicsord Authentication Outage", "Authentication outage"));
        assert!(similar_titles(
            "API, ChatGPT & Sora Facing Issues",
            "ChatGPT, API and Sora facing issues"
        ));
        assert!(!similar_titles("OpenAI API Outage", "DALL-E Web Interface Down"));
        assert!(!similar_titles("Elevated error rates on API", "Elevated error rates on ChatGPT"));
        assert!(similar_titles("Elevated error rates", "Elevated error rates on the API"));
        assert!(!similar_titles("Outage", "Database"));
        assert_eq!(company_key("Fly.io"), "flyio");
        assert!(is_companys_own("https://status.openai.com/x", Some("OpenAI"), None));
        assert!(is_companys_own(
            "https://blog.cloudflare.com/x",
            None,
            Some("https://cloudflare.com/")
        ));
        assert!(!is_companys_own(
            "https://web.archive.org/web/1/https://openai.com/",
            Some("OpenAI"),
            None
        ));
    }
}
