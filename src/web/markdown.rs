//! A report's markdown as HTML for the postmortem page, under the archive copies' rules
//! ([`inert_markdown`]: no raw HTML, no script, no event handlers, no `javascript:` links).
//!
//! Two more rules for the page: whatever HTML is left is shown as text, and images become
//! links (the site's Content-Security-Policy loads no image from elsewhere).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::render::archive::inert_markdown;

/// Renders `markdown` (a stored report) as safe HTML.
pub(super) fn report_html(markdown: &str) -> String {
    let inert = inert_markdown(markdown);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut in_image = false;
    let events = Parser::new_ext(&inert, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Image { dest_url, title, id, .. }) => {
            in_image = true;
            Event::Start(Tag::Link {
                link_type: pulldown_cmark::LinkType::Inline,
                dest_url: checked(dest_url),
                title,
                id,
            })
        }
        Event::End(TagEnd::Image) if in_image => {
            in_image = false;
            Event::End(TagEnd::Link)
        }
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: checked(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(inert.len() * 5 / 4);
    html::push_html(&mut out, events);
    out
}

/// A search snippet (a fragment of a report's markdown, cut anywhere) as the words a reader
/// sees: `**bold**`, `# headings`, `` `code` ``, list markers and table pipes lose their
/// marks, and `[text](url)` keeps its text. Whatever does not parse as markup stays as written;
/// HTML is text, as on the report's page. Breaks between blocks become one space.
pub(super) fn snippet_text(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                out.push_str(&text);
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::Rule
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// http(s) and mailto links stay; anything else (inert_markdown already removed scripts) is
/// made harmless.
fn checked(dest: CowStr<'_>) -> CowStr<'_> {
    let lower = dest.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
    {
        dest
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_lose_their_markup() {
        assert_eq!(
            snippet_text(
                "…outage.\n\n## Root cause\n\nThe **DNS** resolver's `ttl` was set by [a \
                 deploy](https://e.example/pr/1) | table | cell |\n- first\n- second…"
            ),
            "…outage. Root cause The DNS resolver's ttl was set by a deploy | table | cell | \
             first second…"
        );
        // A fragment cut inside the markup keeps what it cannot read.
        assert_eq!(
            snippet_text("…see [the status page](https://sta…"),
            "…see [the status page](https://sta…"
        );
        assert_eq!(snippet_text("a <b>bold</b> claim"), "a <b>bold</b> claim");
        assert_eq!(snippet_text("plain words, 5 * 3 = 15"), "plain words, 5 * 3 = 15");
    }

    #[test]
    fn reports_cannot_run_anything() {
        let html = report_html(
            "# T\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> \
             [a](javascript:alert(1)) ![i](https://e.example/i.png) [ok](https://e.example/)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:alert(1)\""), "{html}");
        assert!(html.contains("<a href=\"https://e.example/\">ok</a>"), "{html}");
    }
}
