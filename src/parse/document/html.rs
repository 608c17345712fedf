//! The HTML reader: one page, parsed once by dom_smoothie, → its metadata and main content.
//!
//! Without a content selector, dom_smoothie's readability port picks the main content and
//! writes it as markdown; with one, the selected elements are the main content. The markdown
//! is then read into blocks by [`super::markdown`]. Never fails: a page readability cannot
//! read at all is an empty document.

use scraper::selector::ToCss;
use url::Url;

use super::markdown::markdown_blocks;
use super::{Reading, collapse, non_empty, title_from_blocks};
use crate::model::{Block, Document};
use crate::parse::timestamp::metadata_timestamp;

pub(super) fn parse_html(
    html: &str,
    url: Option<&Url>,
    selector: Option<&scraper::Selector>,
    reading: Reading,
) -> Document {
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Markdown,
        ..dom_smoothie::Config::default()
    };
    let url_str = url.map(Url::as_str);
    let readability = dom_smoothie::Readability::new(html, url_str, Some(config.clone()))
        .or_else(|_| dom_smoothie::Readability::new(html, None, Some(config)));
    let Ok(mut readability) = readability else {
        return Document::default();
    };
    // Read before `parse`, which rewrites the tree.
    let time_attr =
        readability.doc.select("time[datetime]").attr("datetime").map(|t| t.to_string());
    // The article's own heading: its `<h1>`, else the paragraph a Google Docs export writes
    // in the Title style (`<p class="title">`), which has no `<title>` either.
    let h1 = ["h1", "p.title"]
        .iter()
        .find_map(|css| readability.doc.select(css).nodes().first().map(|n| collapse(&n.text())))
        .filter(|h| !h.is_empty());
    // A Confluence export titles its pages "Space : Page"; the first breadcrumb is the space.
    // (Looked for in the bytes first: a selector walks the whole tree.)
    let space = memchr::memmem::find(html.as_bytes(), b"breadcrumbs")
        .and_then(|_| {
            readability.doc.select("#breadcrumbs a").nodes().first().map(|n| collapse(&n.text()))
        })
        .filter(|s| !s.is_empty());
    // A definition list's terms and descriptions are written run together ("11:37 UTCError
    // rates…"): the markdown writer breaks lines only around the list.
    if memchr::memmem::find(html.as_bytes(), b"<dd").is_some()
        || memchr::memmem::find(html.as_bytes(), b"<DD").is_some()
    {
        definitions_as_paragraphs(&readability);
    }

    let mut title = None;
    let mut published = None;
    let mut site_name = None;
    let mut markdown = None;

    // The part of the page that holds the report, where the page says: the source's own
    // selector, else a forum thread's first post (Discourse: `#post_1`, then the replies,
    // which ask questions and recall other incidents).
    let select = |css: &str| {
        readability
            .doc
            .try_select(css)
            .map(|selection| {
                selection.nodes().iter().map(|node| node.md(None).to_string()).collect::<Vec<_>>()
            })
            .filter(|parts| parts.iter().any(|md| !md.trim().is_empty()))
    };
    let thread = memchr::memmem::find(html.as_bytes(), b"id=\"post_1\"").is_some()
        || memchr::memmem::find(html.as_bytes(), b"id='post_1'").is_some();
    let chosen = match selector {
        Some(selector) => select(&selector.to_css_string()).map(|parts| parts.join("\n\n")),
        None if thread => select("#post_1 .cooked, #post_1 [itemprop='text']")
            .and_then(|parts| parts.into_iter().next()),
        None => None,
    };
    if let Some(chosen) = chosen {
        let metadata = readability.get_article_metadata(readability.parse_json_ld());
        title = non_empty(metadata.title);
        published = metadata.published_time.as_deref().and_then(metadata_timestamp);
        site_name = metadata.site_name.and_then(non_empty);
        markdown = Some(chosen);
    }
    if markdown.is_none() {
        match readability.parse() {
            Ok(article) => {
                title = non_empty(article.title);
                published = article.published_time.as_deref().and_then(metadata_timestamp);
                site_name = article.site_name.and_then(non_empty);
                markdown = Some(article.text_content.to_string());
            }
            Err(_) => {
                // Readability found nothing it trusts: keep the whole body rather than nothing.
                let whole = dom_smoothie::Readability::new(html, None, None)
                    .map(|r| r.doc.select("body").nodes().first().map(|n| n.md(None).to_string()));
                markdown = whole.ok().flatten();
            }
        }
    }
    let markdown = markdown.unwrap_or_default();
    let blocks = if reading == Reading::Whole || title.is_none() {
        markdown_blocks(&markdown)
    } else {
        Vec::new()
    };
    let title = title.map(|t| without_github_parts(without_site_name(t, site_name.as_deref())));
    let title = refine_title(title, h1.as_deref(), &blocks);
    Document {
        title: title.map(|t| without_space(t, space.as_deref())),
        url: None,
        published: published.or_else(|| time_attr.as_deref().and_then(metadata_timestamp)),
        site_name,
        blocks,
        markdown: markdown.trim().to_owned(),
    }
}

/// Page titles carry the site (`API outage | Acme Engineering`) where readability keeps a
/// short title whole; the article's own `<h1>` is the title when the page title starts with it.
fn refine_title(title: Option<String>, h1: Option<&str>, blocks: &[Block]) -> Option<String> {
    match (title, h1) {
        (Some(title), Some(h1)) if title.len() > h1.len() && title.starts_with(h1) => {
            Some(h1.to_owned())
        }
        (Some(title), _) => Some(title),
        (None, h1) => title_from_blocks(blocks).or_else(|| h1.map(str::to_owned)),
    }
}

/// A GitHub page title without what GitHub adds after it: "Mirror sync stalled · Issue #482
/// · acme/infra · GitHub", "Postmortem: DNS outage · acme/infra Wiki". Kept whole unless
/// every part after the first is one of those, and one of them is plainly GitHub's ("GitHub",
/// "Issue #482", "… Wiki"): "Deploy outage · CI/CD" keeps its "CI/CD".
fn without_github_parts(title: String) -> String {
    fn numbered(part: &str) -> bool {
        ["Issue #", "Pull Request #", "Discussion #"].iter().any(|kind| {
            part.strip_prefix(kind)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    }
    fn repo(part: &str) -> bool {
        let word = |w: &str| {
            !w.is_empty()
                && w.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        let name = part.strip_suffix(" Wiki").unwrap_or(part);
        name.split_once('/').is_some_and(|(owner, name)| word(owner) && word(name))
    }
    let plainly_github = |part: &str| part == "GitHub" || numbered(part) || part.ends_with(" Wiki");
    match title.split_once(" · ") {
        Some((head, rest))
            if !head.trim().is_empty()
                && rest.split(" · ").all(|p| p == "GitHub" || numbered(p) || repo(p))
                && rest.split(" · ").any(plainly_github) =>
        {
            head.trim().to_owned()
        }
        _ => title,
    }
}

/// A Confluence page title without its space: "Platform : 2024-11-19 Postmortem" where the
/// page's first breadcrumb is "Platform".
fn without_space(title: String, space: Option<&str>) -> String {
    let rest = space.and_then(|space| title.strip_prefix(space)?.strip_prefix(" : "));
    match rest.map(str::trim) {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => title,
    }
}

/// A page title without the site's name where the page puts it before or after the article's
/// own title, across a separator: "Acme Status - Webhook delivery delays" (a status page's
/// incident), "Queue outage | Acme Engineering". A title that is only the site's name, or that
/// names it without a separator, stays whole.
fn without_site_name(title: String, site_name: Option<&str>) -> String {
    const SEPARATORS: [&str; 5] = [" - ", " | ", " · ", " — ", " – "];
    let Some(site) = site_name.map(str::trim).filter(|s| !s.is_empty()) else { return title };
    let after = title.strip_prefix(site).map(|r| r.strip_prefix(" Status").unwrap_or(r));
    let before = title.strip_suffix(site);
    let found = SEPARATORS.iter().find_map(|sep| {
        let rest = after.and_then(|r| r.strip_prefix(sep));
        rest.or_else(|| before.and_then(|r| r.strip_suffix(sep)))
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
    });
    found.unwrap_or(title)
}

/// Each term of a definition list that gives a time or a date ("11:37 UTC", "March 4"), with
/// its descriptions, as one paragraph ("11:37 UTC — Error rates are back to normal."): a
/// timeline written as `<dt>time</dt><dd>event</dd>` keeps an entry per line. Other terms (a
/// glossary's) are left as the markdown writer writes them.
fn definitions_as_paragraphs(readability: &dom_smoothie::Readability) {
    for term in readability.doc.select("dl > dt").nodes() {
        let term_text = collapse(&term.text());
        if term_text.chars().count() > 40 || !term_text.contains(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let mut described = Vec::new();
        let mut next = term.next_element_sibling();
        while let Some(node) = next.filter(|n| n.has_name("dd")) {
            described.push(collapse(&node.text()));
            next = node.next_element_sibling();
            node.remove_from_parent();
        }
        if !described.is_empty() {
            // A text node, not markup: nothing to escape.
            term.set_text(format!("{term_text} — {}", described.join(" ")));
        }
        term.rename("p");
    }
}
