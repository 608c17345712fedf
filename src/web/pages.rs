//! The HTML pages, as maud templates: every value is escaped unless it went through
//! [`highlighted`] (escaped first, then marked) or the report renderer (`markdown`).

use std::collections::BTreeMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::charts;
use super::markdown::report_html;
use crate::model::{
    ChartPoint, CollectionDetail, CollectionItem, CollectionPage, FilterError, Origin,
    PostmortemFilter, SourceState,
};
use crate::store::{HIT_END, HIT_START};

/// A company's slug for its URL: lowercase ASCII letters and digits, other runs as `-`.
pub(super) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "-".to_owned() } else { out }
}

/// `text` percent-encoded as one path segment.
pub(super) fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A search snippet: read as plain text (it is cut from a report's markdown), escaped, then
/// its hits wrapped in `<mark>`.
fn highlighted(snippet: &str) -> Markup {
    let plain = super::markdown::snippet_text(snippet);
    // A hit inside a link's address goes with it, start and end together; should a start be
    // left without its end, the snippet is shown as written rather than with an open tag.
    let balanced = |text: &str| text.matches(HIT_START).count() == text.matches(HIT_END).count();
    let snippet = if balanced(&plain) { plain.as_str() } else { snippet };
    // maud escapes the text; the private-use markers pass through and become the tags.
    let escaped = html! { (snippet) }.into_string();
    PreEscaped(escaped.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))
}

/// A link only for http(s) URLs; anything else is shown as text.
fn external_link(url: &str, text: &str) -> Markup {
    let lower = url.to_ascii_lowercase();
    html! {
        @if lower.starts_with("https://") || lower.starts_with("http://") {
            a href=(url) rel="nofollow noopener" { (text) }
        } @else {
            span.unsafe-link { (text) }
        }
    }
}

fn layout(title: &str, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · pmagg" }
                link rel="stylesheet" href="/style.css";
                link rel="icon" href="/favicon.ico" type="image/svg+xml";
            }
            body {
                header.site {
                    a.brand href="/" { "pmagg" span { " postmortems" } }
                    nav { a href="/" { "Browse" } a href="/about" { "About & API" } }
                }
                main { (body) }
                footer.site { "pmagg · " a href="/api/postmortems" { "JSON" } " · " a href="/about" { "sources" } }
            }
        }
    }
}

fn href_with(filter: &PostmortemFilter, base: &str, page: u32) -> String {
    let mut filter = filter.clone();
    filter.page = page;
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(filter.to_pairs())
        .finish();
    if query.is_empty() { base.to_owned() } else { format!("{base}?{query}") }
}

fn filter_form(
    filter: &PostmortemFilter,
    companies: &[(String, u64)],
    sources: &[String],
    categories: &[String],
) -> Markup {
    let value = |v: Option<String>| v.unwrap_or_default();
    html! {
        form.filters method="get" action="/" role="search" {
            label.wide { "Search" input type="search" name="q" value=(value(filter.q.clone())) placeholder="e.g. database AND failover"; }
            label { "Company"
                input type="text" name="company" list="companies" value=(value(filter.company.clone()));
                datalist #companies { @for (name, _) in companies.iter().take(500) { option value=(name) {} } }
            }
            label { "Category"
                select name="category" {
                    option value="" { "any" }
                    @for name in categories {
                        option value=(name) selected[filter.category.as_deref() == Some(name.as_str())] { (name) }
                    }
                }
            }
            label { "Since" input type="date" name="since" value=(value(filter.since.map(|d| d.to_string()))); }
            label { "Until" input type="date" name="until" value=(value(filter.until.map(|d| d.to_string()))); }
            label { "Min. minutes" input type="number" min="0" name="min_minutes" value=(value(filter.min_minutes.map(|m| m.to_string()))); }
            label { "Max. minutes" input type="number" min="0" name="max_minutes" value=(value(filter.max_minutes.map(|m| m.to_string()))); }
            label { "Origin"
                select name="origin" {
                    option value="" { "any" }
                    @for origin in [Origin::Curated, Origin::Synced] {
                        option value=(origin.as_str()) selected[filter.origin == Some(origin)] { (origin.as_str()) }
                    }
                }
            }
            label { "Source"
                select name="source" {
                    option value="" { "any" }
                    @for name in sources {
                        option value=(name) selected[filter.source.as_deref() == Some(name.as_str())] { (name) }
                    }
                }
            }
            div.buttons { button type="submit" { "Filter" } a href="/" { "Clear" } }
        }
    }
}

fn item_row(item: &CollectionItem) -> Markup {
    let title = item.display_title();
    html! {
        li.item {
            div.meta {
                time { (item.incident_date.map_or_else(|| "undated".to_owned(), |d| d.to_string())) }
                @if let Some(company) = &item.company {
                    a.company href={"/companies/" (slug(company))} { (company) }
                }
                span.origin data-origin=(item.origin.as_str()) { (item.origin.as_str()) }
                @if let Some(minutes) = item.duration_minutes { span.duration { (charts::human_minutes(minutes)) } }
            }
            a.title href={"/postmortems/" (item.id)} { (title) }
            @if let Some(snippet) = &item.snippet {
                p.snippet { (highlighted(snippet)) }
            } @else if let Some(summary) = &item.summary {
                p.summary { (summary) }
            }
            @if !item.categories.is_empty() {
                ul.tags { @for c in &item.categories { li { a href={"/categories/" (path_segment(c))} { (c) } } } }
            }
        }
    }
}

fn item_list(filter: &PostmortemFilter, page: &CollectionPage, base: &str) -> Markup {
    let pages = page.total.div_ceil(u64::from(filter.per_page)).max(1);
    html! {
        p.count { (page.total) " postmortem" @if page.total != 1 { "s" } " · page " (filter.page) " of " (pages) }
        @if page.items.is_empty() {
            p.empty { "Nothing matches these filters." }
        } @else {
            ol.items { @for item in &page.items { (item_row(item)) } }
        }
        nav.pages aria-label="Pages" {
            @if filter.page > 1 { a rel="prev" href=(href_with(filter, base, filter.page - 1)) { "← Newer" } }
            @if u64::from(filter.page) < pages { a rel="next" href=(href_with(filter, base, filter.page + 1)) { "Older →" } }
        }
    }
}

fn all_categories(points: &[ChartPoint]) -> Vec<String> {
    let mut names: Vec<String> = points.iter().flat_map(|p| p.categories.iter().cloned()).collect();
    names.sort();
    names.dedup();
    names
}

/// `/`: the filter form, the charts and the newest matching postmortems.
pub(super) fn index(
    filter: &PostmortemFilter,
    page: &CollectionPage,
    points: &[ChartPoint],
    companies: &[(String, u64)],
    sources: &[String],
) -> Markup {
    let mut categories = all_categories(points);
    if let Some(c) = &filter.category
        && !categories.contains(c)
    {
        categories.push(c.clone());
    }
    layout(
        "Postmortems",
        &html! {
            h1 { "Postmortems" }
            (filter_form(filter, companies, sources, &categories))
            div.columns {
                section.results aria-label="Results" { (item_list(filter, page, "/")) }
                (charts::all(points))
            }
        },
    )
}

fn field(name: &str, value: Option<&str>) -> Markup {
    html! { @if let Some(value) = value { dt { (name) } dd { (value) } } }
}

/// `/postmortems/{id}`.
pub(super) fn postmortem(detail: &CollectionDetail) -> Markup {
    let item = &detail.item;
    let title = item.display_title();
    let decided = match (item.origin, detail.decided_by) {
        (Origin::Curated, _) => format!("a curated list ({}) has it", item.source),
        (Origin::Synced, Some(d)) => format!("{d} (source {})", item.source),
        (Origin::Synced, None) => format!("source {}", item.source),
    };
    layout(
        &title,
        &html! {
            article.postmortem {
                h1 { (title) }
                dl.fields {
                    @if let Some(company) = &item.company {
                        dt { "Company" } dd { a href={"/companies/" (slug(company))} { (company) } }
                    }
                    (field("Incident date", item.incident_date.map(|d| d.to_string()).as_deref()))
                    (field("Duration", item.duration_minutes.map(charts::human_minutes).as_deref()))
                    (field("Impact", item.impact.as_deref()))
                    (field("Root cause", item.root_cause.as_deref()))
                    (field("Resolution", item.resolution.as_deref()))
                    (field("Summary", item.summary.as_deref()))
                    @if !item.categories.is_empty() {
                        dt { "Categories" }
                        dd { ul.tags { @for c in &item.categories { li { a href={"/categories/" (path_segment(c))} { (c) } } } } }
                    }
                    dt { "Origin" } dd { span.origin data-origin=(item.origin.as_str()) { (item.origin.as_str()) } }
                    dt { "Decided by" } dd { (decided) }
                    @if let Some(url) = &item.url { dt { "Source" } dd { (external_link(url, url)) } }
                    dt { "Permalink" } dd { a href={"/postmortems/" (item.id)} { "/postmortems/" (item.id) } }
                    dt { "JSON" } dd { a href={"/api/postmortems/" (item.id)} { "/api/postmortems/" (item.id) } }
                }
                @if !detail.timeline.is_empty() {
                    h2 { "Timeline" }
                    ol.timeline { @for event in &detail.timeline { li { time { (event.time) } " " (event.event) } } }
                }
                @if !detail.action_items.is_empty() {
                    h2 { "Action items" }
                    ul { @for action in &detail.action_items { li { (action) } } }
                }
                @if let Some(report) = &detail.report {
                    details.report open {
                        summary { "Archived report" }
                        div.markdown { (PreEscaped(report_html(report))) }
                    }
                }
            }
        },
    )
}

/// Counts of each category in `points`, most first.
fn category_counts(points: &[ChartPoint], skip: Option<&str>) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for c in points.iter().flat_map(|p| p.categories.iter()) {
        if Some(c.as_str()) != skip {
            *counts.entry(c).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, u64)> =
        counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

/// `/companies/{slug}`.
pub(super) fn company(
    name: &str,
    filter: &PostmortemFilter,
    page: &CollectionPage,
    points: &[ChartPoint],
) -> Markup {
    let base = format!("/companies/{}", slug(name));
    let categories = category_counts(points, None);
    layout(
        name,
        &html! {
            h1 { (name) }
            p.lead { (page.total) " postmortems · " (categories.len()) " categories" }
            @if !categories.is_empty() {
                ul.tags { @for (c, n) in &categories { li { a href={"/categories/" (path_segment(c))} { (c) " (" (n) ")" } } } }
            }
            div.columns {
                section.results aria-label="Results" { (item_list(filter, page, &base)) }
                section.charts { (charts::per_year(points)) (charts::durations(points)) }
            }
        },
    )
}

/// `/categories/{name}`.
pub(super) fn category(
    name: &str,
    filter: &PostmortemFilter,
    page: &CollectionPage,
    points: &[ChartPoint],
) -> Markup {
    let base = format!("/categories/{}", path_segment(name));
    let with = category_counts(points, Some(name));
    let companies = points
        .iter()
        .filter_map(|p| p.company.as_deref())
        .collect::<std::collections::BTreeSet<_>>();
    layout(
        name,
        &html! {
            h1 { "Category: " (name) }
            p.lead { (page.total) " postmortems from " (companies.len()) " companies" }
            @if !with.is_empty() {
                h2 { "Often appears with" }
                ul.tags { @for (c, n) in with.iter().take(10) { li { a href={"/categories/" (path_segment(c))} { (c) " (" (n) ")" } } } }
            }
            div.columns {
                section.results aria-label="Results" { (item_list(filter, page, &base)) }
                section.charts { (charts::top_companies(points)) (charts::per_year(points)) }
            }
        },
    )
}

/// `/about`: sources, their health, the last pass and the API.
pub(super) fn about(sources: &[SourceState], total: u64) -> Markup {
    let last_pass = sources.iter().filter_map(|s| s.last_attempt_at).max();
    layout(
        "About",
        &html! {
            h1 { "About this collection" }
            p { (total) " postmortems from curated lists and " (sources.len()) " configured sources. "
                "Last pass: " (last_pass.map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())) "." }
            h2 { "Sources" }
            div.table-wrap {
                table.sources {
                    thead { tr { th { "Name" } th { "Kind" } th { "Health" } th { "Last success" } th { "Entries" } th { "Last error" } } }
                    tbody {
                        @for s in sources {
                            @let health = if s.consecutive_failures == 0 && s.last_success_at.is_some() { "ok" } else if s.last_success_at.is_none() && s.last_attempt_at.is_none() { "not polled yet" } else { "failing" };
                            tr {
                                td { a href={"/?source=" (path_segment(s.name.as_str()))} { (s.name.as_str()) } }
                                td { (s.kind) }
                                td { span.health data-health=(health) { (health) } @if s.consecutive_failures > 0 { " (" (s.consecutive_failures) " failures)" } }
                                td { (s.last_success_at.map_or_else(|| "—".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())) }
                                td { (s.entries) }
                                td { (s.last_error.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            h2 #api { "JSON API" }
            p { "Read-only, with the same parameters as the filter form and " code { "pmagg list" } ": "
                @for (i, name) in PostmortemFilter::PARAMS.iter().enumerate() { @if i > 0 { ", " } code { (name) } } "." }
            ul {
                li { code { "GET /api/postmortems?<filters>" } ": " code { "{\"total\": N, \"items\": [...]}" } ", newest first" }
                li { code { "GET /api/postmortems/{id}" } ": one postmortem with its timeline and action items" }
            }
            pre { code { "curl 'http://127.0.0.1:8080/api/postmortems?category=database&since=2023-01-01&per_page=10'" } }
            p { "A bad parameter answers 400 and names it." }
        },
    )
}

/// The 400 page: which parameter, and why.
pub(super) fn bad_request(err: &FilterError) -> Markup {
    layout(
        "Bad request",
        &html! {
            h1 { "Bad request" }
            p.error { "The parameter " code { (err.name) } " is wrong: " (err.why) "." }
            p { a href="/" { "Back to all postmortems" } }
        },
    )
}

/// Any other error page.
pub(super) fn failure(title: &str, detail: &str) -> Markup {
    layout(
        title,
        &html! { h1 { (title) } p.error { (detail) } p { a href="/" { "Back to all postmortems" } } },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_snippets() {
        assert_eq!(slug("Cloud Flare, Inc."), "cloud-flare-inc");
        assert_eq!(slug("<>"), "-");
        let marked = highlighted(&format!("a {HIT_START}<b>{HIT_END} c")).into_string();
        assert_eq!(marked, "a <mark>&lt;b&gt;</mark> c");
        // Markdown around a hit is not shown; a hit in a link's text is.
        let marked = highlighted(&format!(
            "…the **{HIT_START}dns{HIT_END}** [{HIT_START}dns{HIT_END} runbook](https://e.example/{HIT_START}dns{HIT_END})"
        ))
        .into_string();
        assert_eq!(marked, "…the <mark>dns</mark> <mark>dns</mark> runbook");
        // Were a start left without its end, the snippet is shown as written.
        let marked =
            highlighted(&format!("[a](https://e.example/{HIT_START}x) {HIT_END}")).into_string();
        assert_eq!(marked, "[a](https://e.example/<mark>x) </mark>");
    }
}
