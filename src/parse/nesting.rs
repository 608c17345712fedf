//! How deep an HTML document nests, measured on its text before any parser builds a tree.
//!
//! Takes HTML text and a limit; returns where the document first nests deeper than the limit,
//! if it does. html5ever builds the whole tree whatever its depth, and some of its steps scan
//! the stack of open elements, so 100,000 nested `<div>`s take it an hour; the readability
//! pass that reads an article recurses once per level and overflows its thread's stack long
//! before that. Callers cut a document at the returned offset (an article keeps what comes
//! before) or refuse it (an index page).
//!
//! The count is a cheap, single pass that errs on the deep side: start tags push, end tags pop
//! back to their element when it is open (a stray end tag pops nothing, as in the HTML parser),
//! void elements and elements whose end tag a sibling implies (`p`, `li`, `td`...) do not
//! count, comments and raw-text elements (`script`, `style`...) are skipped, and `<x/>` closes
//! only inside `svg` and `math`, as in HTML. Attribute values may hold `>`.

use std::borrow::Cow;
use std::ops::Range;

use memchr::memchr;

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements closed by their next sibling (or their parent's end), so that a run of them does
/// not nest. Left out of the count: any depth they add needs another element between them.
const IMPLIED_END: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "colgroup", "caption", "rb", "rt", "rtc", "rp",
];

/// Elements whose content is foreign (SVG, MathML): `<x/>` closes there, and `script` and
/// `style` are not raw text.
const FOREIGN: &[&str] = &["svg", "math"];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] =
    &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"];

/// The byte offset of the first start tag that nests deeper than `limit`, or `None` when the
/// whole document stays within it. The offset is on a character boundary (a `<`).
pub fn too_deep_at(html: &str, limit: usize) -> Option<usize> {
    scan(html, limit, None)
}

/// `html` cut where it nests deeper than `limit` (see [`within_depth`]), and without the
/// text of its scripts and style sheets, which readability drops unread: on article pages
/// inline scripts, style sheets and hydration blobs are most of the bytes (80% in the
/// benchmark corpus), and the HTML parser would still tokenize each of them into a text node.
/// The elements stay, empty, and so does the text of what is read: JSON-LD scripts (article
/// metadata), anything inside `noscript` (readability reads images from it) or `template`,
/// and SVG and MathML, where `style` and `script` are not raw text.
///
/// A script's text is left out only when the HTML tokenizer would end it at the first
/// `</script` (its text holds no `<!--`, whose escaping rules can carry a script past that
/// end tag) followed by a space, `/` or `>`, so the parser sees the same elements either way.
/// This follows the tokenizer, not the tree builder: a script the tree builder ignores (one
/// inside a `frameset`, whose text the parser then reads as markup) loses its text too, which
/// can only change a page that has no article to read.
pub fn readable(html: &str, limit: usize) -> Cow<'_, str> {
    let mut inert = Vec::new();
    let end = scan(html, limit, Some(&mut inert)).unwrap_or(html.len());
    if inert.is_empty() {
        return Cow::Borrowed(&html[..end]);
    }
    let removed: usize = inert.iter().map(ExactSizeIterator::len).sum();
    let mut out = String::with_capacity(end - removed);
    let mut at = 0;
    // Ranges come in order, each before the point where the document was cut.
    for range in inert {
        out.push_str(&html[at..range.start]);
        at = range.end;
    }
    out.push_str(&html[at..end]);
    Cow::Owned(out)
}

/// The pass behind [`too_deep_at`] and [`readable`]: the offset of the first start tag that
/// nests deeper than `limit`, and (when `inert` is given) the text ranges of the scripts and
/// style sheets that [`readable`] leaves out.
fn scan(html: &str, limit: usize, mut inert: Option<&mut Vec<Range<usize>>>) -> Option<usize> {
    let bytes = html.as_bytes();
    // Names as written (any case), borrowed from `html`: a page has thousands of tags and a
    // few dozen distinct names, so a short list compared without case beats an owned,
    // lowercased name and a hash map per tag.
    let mut stack: Vec<&str> = Vec::new();
    let mut open: Vec<(&str, usize)> = Vec::new();
    let mut foreign = 0usize;
    let mut at = 0;
    while let Some(found) = memchr(b'<', &bytes[at..]) {
        let start = at + found;
        let rest = &bytes[start + 1..];
        if rest.starts_with(b"!--") {
            at = find(bytes, start + 4, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        if rest.first().is_some_and(|b| matches!(b, b'!' | b'?')) {
            at = memchr(b'>', rest).map_or(bytes.len(), |end| start + 1 + end + 1);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_from = start + 1 + usize::from(closing);
        if !bytes.get(name_from).is_some_and(u8::is_ascii_alphabetic) {
            at = start + 1;
            continue;
        }
        let name_len = bytes[name_from..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))
            .unwrap_or(bytes.len() - name_from);
        // ASCII up to here (the name starts with a letter and stops at ASCII bytes), so the
        // slice ends on a character boundary.
        let name = &html[name_from..name_from + name_len];
        let (start_tag_end, self_closing) = tag_end(bytes, name_from + name_len);
        at = start_tag_end;
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        let foreign_root = is(FOREIGN);
        if closing {
            if open.iter().any(|(n, count)| *count > 0 && n.eq_ignore_ascii_case(name)) {
                // Pop back to the element, as the parser does for an end tag in scope.
                while let Some(top) = stack.pop() {
                    if FOREIGN.iter().any(|n| n.eq_ignore_ascii_case(top)) {
                        foreign = foreign.saturating_sub(1);
                    }
                    if let Some((_, count)) =
                        open.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(top))
                    {
                        *count -= 1;
                    }
                    if top.eq_ignore_ascii_case(name) {
                        break;
                    }
                }
            }
            continue;
        }
        if foreign == 0 && is(RAW_TEXT) {
            let end_tag = first_end_tag(bytes, at, name);
            if let Some(inert) = inert.as_deref_mut()
                && let Some(text) = inert_text(html, start..at, end_tag, name, &open)
            {
                inert.push(text);
            }
            at = end_tag.map_or(bytes.len(), |end| tag_end(bytes, end + 2 + name.len()).0);
            continue;
        }
        let closes_itself = self_closing && foreign > 0;
        if is(VOID) || is(IMPLIED_END) || closes_itself {
            continue;
        }
        if stack.len() >= limit {
            return Some(start);
        }
        if foreign_root {
            foreign += 1;
        }
        match open.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, count)) => *count += 1,
            None => open.push((name, 1)),
        }
        stack.push(name);
    }
    None
}

/// The text of a script or style sheet that [`readable`] may leave out: `start_tag` is the
/// element's start tag, `end_tag` where its first `</name` begins ([`first_end_tag`]);
/// `open` counts the open elements.
fn inert_text(
    html: &str,
    start_tag: Range<usize>,
    end_tag: Option<usize>,
    name: &str,
    open: &[(&str, usize)],
) -> Option<Range<usize>> {
    let script = name.eq_ignore_ascii_case("script");
    if !script && !name.eq_ignore_ascii_case("style") {
        return None;
    }
    let inside =
        |element: &str| open.iter().any(|(n, count)| *count > 0 && n.eq_ignore_ascii_case(element));
    if inside("noscript") || inside("template") {
        return None;
    }
    let bytes = html.as_bytes();
    // JSON-LD carries the article's metadata.
    if script && bytes[start_tag.clone()].windows(4).any(|w| w.eq_ignore_ascii_case(b"json")) {
        return None;
    }
    // The first `</name` is the end tag the tokenizer takes when it is followed by a space,
    // `/` or `>` (`</scripts` is text) and, in a script, no `<!--` comes before it.
    let (text_from, end) = (start_tag.end, end_tag?);
    let delimited = matches!(
        bytes.get(end + 2 + name.len()),
        Some(b'\t' | b'\n' | b'\x0c' | b' ' | b'/' | b'>')
    );
    let escaped = script && find(&bytes[..end], text_from, b"<!--").is_some();
    (delimited && !escaped && end > text_from).then_some(text_from..end)
}

/// `html` cut where it nests deeper than `limit` (whole when it does not).
pub fn within_depth(html: &str, limit: usize) -> &str {
    too_deep_at(html, limit).map_or(html, |at| &html[..at])
}

/// The offset just past a tag's `>`, skipping quoted attribute values, and whether the tag
/// ends with `/>`.
fn tag_end(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    let mut after_equals = false;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return (i + 1, i > from && bytes[i - 1] == b'/'),
            quote @ (b'"' | b'\'') if after_equals => {
                i = memchr(quote, &bytes[i + 1..]).map_or(bytes.len(), |end| i + 1 + end + 1);
                after_equals = false;
                continue;
            }
            b'=' => after_equals = true,
            b if b.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
        i += 1;
    }
    (bytes.len(), false)
}

/// Where the first `</name` (in any case) at or after `from` begins: the end tag of a
/// raw-text element such as `script`.
fn first_end_tag(bytes: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut at = from;
    while let Some(found) = find(bytes, at, b"</") {
        let candidate = bytes.get(found + 2..found + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return Some(found);
        }
        at = found + 2;
    }
    None
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|at| from + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(tag: &str, n: usize) -> String {
        format!("<html><body>{}x{}</body></html>", format!("<{tag}>").repeat(n), {
            format!("</{tag}>").repeat(n)
        })
    }

    #[test]
    fn ordinary_pages_pass() {
        let page = "<!DOCTYPE html><html><head><title>a <div> b</title>\
            <script>if (a < b) { document.write('<div><div><div>') }</script>\
            <style>p > a {}</style></head><body><!-- <div><div> -->\
            <p>one<p>two<ul><li>a<li>b</ul><img src=x><br/>\
            <div data-x=\"a > b\" title='<div>'><span>x</span></div>\
            <svg><path d=\"M0\"/><path/><path/></svg><table><tr><td>1<td>2<tr><td>3</table>\
            </body></html>";
        assert_eq!(too_deep_at(page, 8), None);
        assert_eq!(too_deep_at(&nested("div", 100), 512), None);
        assert_eq!(too_deep_at(&"<p>x".repeat(10_000), 32), None);
        assert_eq!(too_deep_at(&"<svg><g/></svg>".repeat(10_000), 32), None);
    }

    #[test]
    fn readable_leaves_out_script_and_style_text_only_where_the_tokenizer_agrees() {
        let page = "<html><head><style>p{color:red}</style>\
            <script type=\"application/ld+json\">{\"a\":1}</script>\
            <script>var a = \"<div>\";</script></head><body><p>x</p><script src=a.js></script>\
            <SCRIPT>b()</SCRIPT ><svg><style>.a{}</style></svg>\
            <noscript><style>q{}</style></noscript><template><script>t()</script></template>\
            <!-- <script>c()</script> --><textarea><script>d()</script></textarea></body></html>";
        assert_eq!(
            readable(page, 512),
            "<html><head><style></style>\
            <script type=\"application/ld+json\">{\"a\":1}</script>\
            <script></script></head><body><p>x</p><script src=a.js></script>\
            <SCRIPT></SCRIPT ><svg><style>.a{}</style></svg>\
            <noscript><style>q{}</style></noscript><template><script>t()</script></template>\
            <!-- <script>c()</script> --><textarea><script>d()</script></textarea></body></html>"
        );
        // `<!--` in a script can carry it past its first `</script>`; `</scripts>` ends
        // nothing; an unterminated script runs to the end. All are kept as they are.
        for kept in [
            "<script><!-- document.write('<script src=x></script>'); //--></script><p>y</p>",
            "<script>a = '</scripts>'; b()</script>",
            "<p>a</p><script>never ends",
            "<p>no scripts at all</p>",
        ] {
            assert!(matches!(readable(kept, 512), Cow::Borrowed(text) if text == kept), "{kept}");
        }
        // Cut where the page nests too deep, as `within_depth` cuts it.
        let deep = format!("<script>x()</script>{}", nested("div", 1_000));
        let cut = readable(&deep, 512);
        assert!(cut.starts_with("<script></script><html><body><div>"));
        assert_eq!(cut.len(), within_depth(&deep, 512).len() - "x()".len());
    }

    #[test]
    fn deep_pages_are_found_where_they_pass_the_limit() {
        let deep = nested("div", 100_000);
        let at = too_deep_at(&deep, 512).unwrap();
        assert_eq!(at, "<html><body>".len() + 510 * "<div>".len());
        let cut = within_depth(&deep, 512);
        assert!(cut.len() < 3_000);
        // Tags the parser keeps open whatever follows: stray end tags close nothing, and
        // `<div/>` is a start tag in HTML.
        let stray = "<div></span>".repeat(1_000);
        assert!(too_deep_at(&stray, 512).is_some());
        assert!(too_deep_at(&"<div/>".repeat(1_000), 512).is_some());
        assert!(too_deep_at(&"<span><b>".repeat(1_000), 512).is_some());
        // Upper case and attributes do not hide a level.
        assert!(too_deep_at(&"<DIV class=\"a>b\">".repeat(1_000), 512).is_some());
    }

    #[test]
    fn end_tags_close_what_they_name_and_what_is_inside() {
        let page = "<div><span><b>x</div>".repeat(10_000);
        assert_eq!(too_deep_at(&page, 8), None);
    }

    #[test]
    fn never_panics_on_fragments() {
        for text in ["<", "</", "<a", "<a href='", "<!--", "<!", "<script>", "</x", "<é>", "<a é>"]
        {
            let _ = too_deep_at(text, 1);
            let _ = within_depth(text, 1);
        }
    }
}
