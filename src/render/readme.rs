//! The curated list's README: rewrites only the list and keeps every other byte.
//!
//! Takes the README's current text and the [`Listing`]s; returns the new text. Pure: it reads
//! no file and opens no database.
//!
//! **Where the list is.** Between a `<!-- pmagg:start -->` line and a `<!-- pmagg:end -->`
//! line when the file has them; otherwise the bullet list under the first heading that names
//! postmortems (`## Postmortems`, `## Post-mortems`, the original's `## Postmorterms`), from
//! its first bullet with an http(s) link to the last line that belongs to the list. The bytes
//! before and after (the header and footer) are copied unchanged.
//!
//! **What is kept.** Every entry already in the list keeps its exact bytes (a tab or two-space
//! summary indent, CRLF, a missing final newline, a typo) and its place, so a hand-ordered
//! list comes back byte-identical even when it is not perfectly sorted. An entry is a
//! top-level bullet with the lines under it.
//!
//! **What is added.** A listing none of whose links (canonical, Wayback unwrapped) is in the
//! list, that matches no entry as a duplicate (same company, a day apart, similar title), and
//! whose curated entry for this list (if any) is not in the file. A curated entry of this list
//! that is no longer in the file was deleted by hand, and stays out. New entries are written
//! `- MM-DD-YYYY - [Title](url) by [Company](company_url)` with the summary on a nested bullet
//! in the list's prevailing indent, bullet and line ending, and go in at their date: before
//! the first entry that is older, after those of the same day. Text is escaped for markdown,
//! and a link that is not http(s) is never written.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::RenderError;
use super::listing::{Listing, company_key, compare_listings, same_incident};
use crate::model::canonical_url;

/// The line that opens the rendered list, when the README has one.
pub const START_MARKER: &str = "<!-- pmagg:start -->";
/// The line that closes the rendered list.
pub const END_MARKER: &str = "<!-- pmagg:end -->";
/// What `render` starts from when the README does not exist yet.
pub const NEW_README: &str = "# Postmortems\n\n<!-- pmagg:start -->\n<!-- pmagg:end -->\n";
/// Longest title written for a new entry, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest summary written for a new entry, in characters.
pub const MAX_SUMMARY_CHARS: usize = 600;
/// Indent of a new entry's summary bullet when the list has no nested bullet to copy.
pub const DEFAULT_INDENT: &str = "  ";

/// The new README and what changed in its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReadme {
    /// The whole file.
    pub text: String,
    /// Canonical URLs of the listings added, in list order.
    pub added: Vec<String>,
    /// Entries that were in the list and still are.
    pub kept: usize,
    /// Canonical URLs of entries already in the list whose bytes are exactly what pmagg
    /// writes for their listing: pmagg's own, even when a render that wrote them was killed
    /// before it could record them.
    pub own: Vec<String>,
}

/// Rewrites the list in `current` (the README's text) for `list` (its [`crate::model::list_key`]).
/// `path` only names the file in errors.
pub fn render_readme(
    current: &str,
    listings: &[Listing],
    list: &str,
    path: &Path,
) -> Result<RenderedReadme, RenderError> {
    render_readme_withdrawing(current, listings, list, path, &HashSet::new())
}

/// [`render_readme`], and the entries whose link (canonical) is in `withdrawn` leave the
/// list: a curator marked them not a postmortem (`pmagg mark --not-postmortem`). The caller
/// names only entries pmagg wrote; hand-written ones are never withdrawn.
pub fn render_readme_withdrawing<S: std::hash::BuildHasher>(
    current: &str,
    listings: &[Listing],
    list: &str,
    path: &Path,
    withdrawn: &HashSet<String, S>,
) -> Result<RenderedReadme, RenderError> {
    let region = find_list(current, path)?;
    let mut layout = Layout::read(current, &region);
    let had_blocks = !layout.blocks.is_empty();
    layout.blocks.retain(|b| !b.canonical.as_ref().is_some_and(|c| withdrawn.contains(c)));
    let blocks = &layout.blocks;

    let block_urls: HashSet<&str> = blocks.iter().filter_map(|b| b.canonical.as_deref()).collect();
    let mut by_company: HashMap<String, Vec<&Block<'_>>> = HashMap::new();
    for block in blocks {
        if let Some(key) = block.company.as_deref().map(company_key).filter(|k| !k.is_empty()) {
            by_company.entry(key).or_default().push(block);
        }
    }
    let mut new: Vec<&Listing> = listings
        .iter()
        .filter(|listing| {
            let listed = listing.canonical_urls.iter().any(|u| block_urls.contains(u.as_str()))
                || listing.company.as_deref().is_some_and(|company| {
                    by_company
                        .get(&company_key(company))
                        .is_some_and(|same| same.iter().any(|b| b.duplicates(listing)))
                });
            // A curated entry of this list is either still in the file (anywhere in it: it
            // stays as it is) or was deleted by hand (it stays out).
            let ours = listing.curated.iter().any(|c| c.list == list);
            !listed && !ours && safe_href(&listing.url).is_some()
        })
        .collect();
    new.sort_by(|a, b| compare_listings(a, b));

    // A block's place in the order: its own date, else its listing's, else the one above.
    let dates: HashMap<&str, NaiveDate> = listings
        .iter()
        .filter_map(|l| Some((l, l.date?)))
        .flat_map(|(l, date)| l.canonical_urls.iter().map(move |u| (u.as_str(), date)))
        .collect();
    let mut keys = Vec::with_capacity(blocks.len());
    let mut above = i64::MAX;
    for block in blocks {
        let date = block.date.or_else(|| dates.get(block.canonical.as_deref()?).copied());
        above = date.map_or(above, |d| i64::from(d.num_days_from_ce()));
        keys.push(above);
    }
    let new_key = |l: &Listing| l.date.map_or(i64::MIN, |d| i64::from(d.num_days_from_ce()));

    let style = Style::of(current, &layout);
    let mut items: Vec<Item<'_>> = Vec::with_capacity(blocks.len() + new.len());
    let mut pending = new.iter().peekable();
    for (block, key) in blocks.iter().zip(&keys) {
        while let Some(listing) = pending.next_if(|l| new_key(l) > *key) {
            items.push(Item::New(listing));
        }
        items.push(Item::Kept(block));
    }
    items.extend(pending.map(|l| Item::New(l)));

    let mut out = String::with_capacity(current.len() + new.len() * 200);
    let filled = !had_blocks && !new.is_empty();
    out.push_str(&current[..region.range.start]);
    if filled {
        out.push_str(&region.lead);
    }
    let mut body = layout.prefix.to_owned();
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Kept(block) => {
                if i > 0 {
                    body.push_str(if block.first { &style.gap } else { block.gap });
                }
                body.push_str(block.text);
                if !block.text.ends_with('\n') {
                    body.push_str(&style.line_ending);
                }
            }
            Item::New(listing) => {
                if i > 0 {
                    body.push_str(&style.gap);
                }
                body.push_str(&style.entry(listing));
            }
        }
    }
    body.push_str(layout.suffix);
    if !layout.region_text.is_empty() && !layout.region_text.ends_with('\n') {
        // The file had no final newline: neither has the new one. Only the line ending added
        // above goes: a `\r` that ended the file is text and stays (found by tests/fuzz).
        if let Some(trimmed) = body.strip_suffix(style.line_ending.as_str()) {
            body.truncate(trimmed.len());
        }
    }
    out.push_str(&body);
    if filled {
        out.push_str(&region.trail);
    }
    out.push_str(&current[region.range.end..]);
    Ok(RenderedReadme {
        text: out,
        added: new.iter().map(|l| l.canonical_url.clone()).collect(),
        kept: blocks.len(),
        own: own_entries(blocks, listings, &style),
    })
}

/// Canonical URLs of the blocks whose bytes are exactly what pmagg writes for their listing.
fn own_entries(blocks: &[Block<'_>], listings: &[Listing], style: &Style) -> Vec<String> {
    let by_url: HashMap<&str, &Listing> = listings
        .iter()
        .flat_map(|l| l.canonical_urls.iter().map(move |u| (u.as_str(), l)))
        .collect();
    blocks
        .iter()
        .filter_map(|block| {
            let listing = by_url.get(block.canonical.as_deref()?)?;
            (block.text == style.entry(listing)).then(|| listing.canonical_url.clone())
        })
        .collect()
}

enum Item<'a> {
    Kept(&'a Block<'a>),
    New(&'a Listing),
}

/// Where the list is, and what to add around it when it starts out empty.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Region {
    /// The list's bytes in the file.
    range: Range<usize>,
    /// Written before the list when it is empty and entries are added (a line ending and a
    /// blank line after a heading that ends the file).
    lead: String,
    /// Written after a list that was empty, before text that follows it directly.
    trail: String,
}

/// One line with its ending, and where it is.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    at: usize,
    /// Without the line ending.
    text: &'a str,
    /// With it.
    full: &'a str,
}

fn lines_of(text: &str) -> Vec<Line<'_>> {
    let mut at = 0;
    text.split_inclusive('\n')
        .map(|full| {
            let text = full.strip_suffix('\n').map_or(full, |l| l.strip_suffix('\r').unwrap_or(l));
            let line = Line { at, text, full };
            at += full.len();
            line
        })
        .collect()
}

/// Leading whitespace in columns; a tab advances to the next multiple of 4.
fn indent_width(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => break,
        }
    }
    width
}

static BULLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
        .expect("the bullet pattern is a valid regex (checked by a test)")
});
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
        .expect("the heading pattern is a valid regex (checked by a test)")
});
static POSTMORTEMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)post[\s_-]*mort")
        .expect("the postmortems pattern is a valid regex (checked by a test)")
});
static HTTP_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\]\(\s*<?https?://")
        .expect("the link pattern is a valid regex (checked by a test)")
});

fn is_bullet(text: &str) -> bool {
    BULLET.is_match(text)
}

fn is_top_bullet(text: &str) -> bool {
    indent_width(text) < 2 && is_bullet(text)
}

fn is_fence(text: &str) -> bool {
    let t = text.trim_start();
    indent_width(text) <= 3 && (t.starts_with("```") || t.starts_with("~~~"))
}

/// Lines outside fenced code, with their index.
fn outside_fences<'a>(lines: &'a [Line<'a>]) -> impl Iterator<Item = (usize, &'a Line<'a>)> {
    let mut fenced = false;
    lines.iter().enumerate().filter(move |(_, line)| {
        if is_fence(line.text) {
            fenced = !fenced;
            return false;
        }
        !fenced
    })
}

/// Where the list is in `text` (see the module docs): the bytes `render` may rewrite. For
/// `pmagg links fix`, which rewrites dead links only there unless told otherwise.
pub fn list_range(text: &str, path: &Path) -> Result<Range<usize>, RenderError> {
    find_list(text, path).map(|region| region.range)
}

fn find_list(text: &str, path: &Path) -> Result<Region, RenderError> {
    let lines = lines_of(text);
    let marker = |wanted: &str| -> Vec<usize> {
        outside_fences(&lines).filter(|(_, l)| l.text.trim() == wanted).map(|(i, _)| i).collect()
    };
    let (starts, ends) = (marker(START_MARKER), marker(END_MARKER));
    match (starts.as_slice(), ends.as_slice()) {
        ([], []) => {}
        ([start], [end]) if start < end => {
            return Ok(Region {
                range: lines[*start].at + lines[*start].full.len()..lines[*end].at,
                lead: String::new(),
                trail: String::new(),
            });
        }
        _ => {
            return Err(RenderError::Markers {
                path: path.to_owned(),
                detail: format!(
                    "expected one {START_MARKER} line before one {END_MARKER} line, found {} and {}",
                    starts.len(),
                    ends.len()
                ),
            });
        }
    }

    // Headings that name postmortems: level 2 and deeper first (a level-1 heading is usually
    // the list's title), each with the index of the next heading.
    let headings: Vec<(usize, usize)> = outside_fences(&lines)
        .filter_map(|(i, l)| HEADING.captures(l.text).map(|c| (i, c.get(1).map_or(1, |h| h.len()))))
        .collect();
    let mut candidates: Vec<(usize, usize, usize)> = headings
        .iter()
        .enumerate()
        .filter(|(_, (i, _))| {
            HEADING
                .captures(lines[*i].text)
                .and_then(|c| c.get(2))
                .is_some_and(|t| POSTMORTEMS.is_match(t.as_str()))
        })
        .map(|(n, &(i, level))| (i, level, headings.get(n + 1).map_or(lines.len(), |h| h.0)))
        .collect();
    candidates.sort_by_key(|&(i, level, _)| (level == 1, i));
    let Some(&(first_heading, _, _)) = candidates.first() else {
        return Err(RenderError::NoList { path: path.to_owned() });
    };
    let fenced = fenced(&lines);
    for &(heading, _, next) in &candidates {
        let start = (heading + 1..next).find(|&i| {
            is_top_bullet(lines[i].text) && HTTP_LINK.is_match(lines[i].text) && !fenced[i]
        });
        if let Some(start) = start {
            let end = list_end(&lines, start, next);
            let range_end = lines[end].at + lines[end].full.len();
            return Ok(Region {
                range: lines[start].at..range_end,
                lead: String::new(),
                trail: String::new(),
            });
        }
    }
    // An empty list: entries go under the heading, after its blank lines.
    let ending = line_ending(text);
    let heading = &lines[first_heading];
    let mut at = heading.at + heading.full.len();
    let mut lead = String::new();
    if heading.full.ends_with('\n') {
        // Blank as markdown sees it (spaces and tabs), and ended: a last line of whitespace
        // without a line ending, or with a vertical tab, is text the entry must not join.
        let blank = lines[first_heading + 1..]
            .iter()
            .take_while(|l| l.text.trim_matches([' ', '\t']).is_empty() && l.full.ends_with('\n'));
        let blanks: Vec<_> = blank.collect();
        if blanks.is_empty() {
            lead.push_str(&ending);
        }
        at += blanks.iter().map(|l| l.full.len()).sum::<usize>();
    } else {
        lead = format!("{ending}{ending}");
    }
    let trail = if at < text.len() { ending } else { String::new() };
    Ok(Region { range: at..at, lead, trail })
}

/// For each line, whether it is inside fenced code (fences themselves count as inside).
///
/// A fence indented by two columns or more sits inside a list item, and as in CommonMark it
/// ends with the item: the next non-blank line indented less than that closes it, and is read
/// as an ordinary line (often the next entry). Without this, an unclosed fence inside one
/// entry would hide every entry after it, and each render would add them again.
fn fenced(lines: &[Line<'_>]) -> Vec<bool> {
    // The indent of the fence that is open, if one is.
    let mut open: Option<usize> = None;
    lines
        .iter()
        .map(|l| {
            let indent = indent_width(l.text);
            if let Some(opened_at) = open {
                let item_ended = opened_at >= 2 && indent < 2 && !l.text.trim().is_empty();
                if !item_ended {
                    if is_fence(l.text) {
                        open = None;
                    }
                    return true;
                }
                open = None;
            }
            if is_fence(l.text) {
                open = Some(indent);
                return true;
            }
            false
        })
        .collect()
}

/// The last line of the list that starts at `start`, before line `limit`.
fn list_end(lines: &[Line<'_>], start: usize, limit: usize) -> usize {
    let mut last = start;
    let mut after_blank = false;
    for (i, line) in lines.iter().enumerate().take(limit).skip(start + 1) {
        let text = line.text;
        if text.trim().is_empty() {
            after_blank = true;
            continue;
        }
        let indented = indent_width(text) >= 1;
        let structural = HEADING.is_match(text)
            || is_fence(text)
            || (indent_width(text) < 4 && text.trim_start().starts_with("<!--"));
        // A heading, fence or comment belongs to an entry only when indented to the entry's
        // content (two columns after `- `); one space is not enough and ends the list, so
        // new entries never land inside a code block that follows it.
        let belongs = if structural && indent_width(text) < 2 {
            false
        } else if is_bullet(text) || indented {
            true
        } else {
            // Unindented text right after an item continues it (a lazy continuation line).
            !after_blank
        };
        if !belongs {
            break;
        }
        last = i;
        after_blank = false;
    }
    last
}

/// An entry already in the list.
#[derive(Debug)]
struct Block<'a> {
    /// The blank lines before it (after the entry above).
    gap: &'a str,
    /// Its lines, from the bullet to its last non-blank line.
    text: &'a str,
    /// Whether it is the list's first entry.
    first: bool,
    canonical: Option<String>,
    date: Option<NaiveDate>,
    title: Option<String>,
    company: Option<String>,
}

impl Block<'_> {
    /// The duplicate rule against a listing of the same company: dates a day apart at most
    /// and similar titles.
    fn duplicates(&self, listing: &Listing) -> bool {
        same_incident(self.date, self.title.as_deref(), listing.date, listing.title.as_deref())
    }
}

/// The list's text split into what is before the first entry, the entries, and the blank
/// lines after the last.
struct Layout<'a> {
    region_text: &'a str,
    prefix: &'a str,
    blocks: Vec<Block<'a>>,
    suffix: &'a str,
}

impl<'a> Layout<'a> {
    fn read(text: &'a str, region: &Region) -> Self {
        let region_text = &text[region.range.clone()];
        let lines = lines_of(region_text);
        let fenced = fenced(&lines);
        let starts: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(i, l)| is_top_bullet(l.text) && !fenced[*i])
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = starts.first() else {
            return Layout { region_text, prefix: region_text, blocks: Vec::new(), suffix: "" };
        };
        let prefix = &region_text[..lines[first].at];
        let mut blocks = Vec::new();
        let mut gap_start = lines[first].at;
        for (n, &start) in starts.iter().enumerate() {
            let next = starts.get(n + 1).copied().unwrap_or(lines.len());
            let last =
                (start..next).rev().find(|&i| !lines[i].text.trim().is_empty()).unwrap_or(start);
            let begin = lines[start].at;
            let end = lines[last].at + lines[last].full.len();
            let (canonical, date, title, company) = read_entry_line(lines[start].text);
            blocks.push(Block {
                gap: &region_text[gap_start..begin],
                text: &region_text[begin..end],
                first: n == 0,
                canonical,
                date,
                title,
                company,
            });
            gap_start = end;
        }
        Layout { region_text, prefix, blocks, suffix: &region_text[gap_start..] }
    }
}

static ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:(?:(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})[-/.](?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))[ \t]*(?:[-–—:|][ \t]*)?)?(?:\[(?P<title>(?:\\.|[^\]\\])*)\]\([ \t]*<?(?P<url>[^)\s>]+)>?[^)]*\)(?:[ \t]*,?[ \t]*by[ \t]+(?:\[(?P<company>(?:\\.|[^\]\\])*)\]|(?P<plain>[^\[]+?))[ \t.]*(?:\(|$))?)?",
    )
    .expect("the entry pattern is a valid regex (checked by a test)")
});

/// What an entry's first line says: its link (canonical), date, title and company.
fn read_entry_line(
    line: &str,
) -> (Option<String>, Option<NaiveDate>, Option<String>, Option<String>) {
    let Some(caps) = ENTRY.captures(line) else { return (None, None, None, None) };
    let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = match (number("y"), number("iy")) {
        (Some(y), _) => {
            NaiveDate::from_ymd_opt(y as i32, number("m").unwrap_or(0), number("d").unwrap_or(0))
        }
        (None, Some(y)) => {
            NaiveDate::from_ymd_opt(y as i32, number("im").unwrap_or(0), number("id").unwrap_or(0))
        }
        _ => None,
    };
    let text = |name: &str| caps.name(name).map(|m| unescape(m.as_str().trim()));
    (
        caps.name("url").map(|u| canonical_url(u.as_str())),
        date,
        text("title"),
        text("company").or_else(|| text("plain")),
    )
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(next) if c == '\\' && next.is_ascii_punctuation() => {
                out.push(*next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// `\r\n` when most of the file's lines end with it, else `\n`.
fn line_ending(text: &str) -> String {
    let lf = text.matches('\n').count();
    let crlf = text.matches("\r\n").count();
    if crlf * 2 > lf { "\r\n".to_owned() } else { "\n".to_owned() }
}

/// How the list writes entries, for the ones pmagg adds.
struct Style {
    line_ending: String,
    bullet: char,
    nested_bullet: char,
    indent: String,
    gap: String,
}

impl Style {
    fn of(text: &str, layout: &Layout<'_>) -> Self {
        let line_ending = line_ending(text);
        let most = |counts: Vec<(String, usize)>| {
            // The most used; on a tie, the one seen first (nearest the top).
            counts.into_iter().rev().max_by_key(|(_, n)| *n).map(|(v, _)| v)
        };
        let mut bullets: Vec<(String, usize)> = Vec::new();
        let mut nested: Vec<(String, usize)> = Vec::new();
        let mut indents: Vec<(String, usize)> = Vec::new();
        let bump = |counts: &mut Vec<(String, usize)>, value: String| match counts
            .iter_mut()
            .find(|(v, _)| *v == value)
        {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        };
        for block in &layout.blocks {
            for (i, line) in lines_of(block.text).iter().enumerate() {
                let trimmed = line.text.trim_start();
                let Some(marker) = trimmed.chars().next().filter(|c| matches!(c, '-' | '*' | '+'))
                else {
                    continue;
                };
                if !is_bullet(line.text) {
                    continue;
                }
                if i == 0 {
                    bump(&mut bullets, marker.to_string());
                } else {
                    let indent = &line.text[..line.text.len() - trimmed.len()];
                    bump(&mut indents, indent.to_owned());
                    bump(&mut nested, marker.to_string());
                }
            }
        }
        let bullet = most(bullets).and_then(|b| b.chars().next()).unwrap_or('-');
        let loose = layout.blocks.iter().skip(1).filter(|b| !b.gap.is_empty()).count();
        let gap = if loose * 2 > layout.blocks.len().saturating_sub(1) && layout.blocks.len() > 1 {
            line_ending.clone()
        } else {
            String::new()
        };
        Style {
            bullet,
            nested_bullet: most(nested).and_then(|b| b.chars().next()).unwrap_or(bullet),
            indent: most(indents).unwrap_or_else(|| DEFAULT_INDENT.to_owned()),
            line_ending,
            gap,
        }
    }

    /// `- MM-DD-YYYY - [Title](url) by [Company](company_url)` and the summary bullet.
    fn entry(&self, listing: &Listing) -> String {
        let le = &self.line_ending;
        let mut line = format!("{} ", self.bullet);
        // A year outside 1..=9999 would not read back as a date (nor as the entry's link).
        if let Some(date) = listing.date.filter(|d| (1..=9999).contains(&d.year())) {
            line.push_str(&date.format("%m-%d-%Y - ").to_string());
        }
        let company = listing.company.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let (title, by_company) =
            match listing.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(title) => (title.to_owned(), company),
                None => match company {
                    Some(company) => (company.to_owned(), None),
                    None => (host_of(&listing.url), None),
                },
            };
        let href = safe_href(&listing.url).unwrap_or_default();
        line.push('[');
        line.push_str(&escape_inline(&title, MAX_TITLE_CHARS));
        line.push_str("](");
        line.push_str(&href);
        line.push(')');
        if let Some(company) = by_company {
            line.push_str(" by ");
            let name = escape_inline(company, MAX_TITLE_CHARS);
            match listing.company_url.as_deref().and_then(safe_href) {
                Some(url) => line.push_str(&["[", &name, "](", &url, ")"].concat()),
                None => line.push_str(&name),
            }
        }
        line.push_str(le);
        if let Some(summary) = listing.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            line.push_str(&self.indent);
            line.push(self.nested_bullet);
            line.push(' ');
            line.push_str(&escape_inline(summary, MAX_SUMMARY_CHARS));
            line.push_str(le);
        }
        line
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()
}

/// The link to write for `url`: an absolute http(s) URL, serialized (so spaces, quotes and
/// angle brackets are percent-encoded) with parentheses encoded too, so it cannot close the
/// markdown link early. `None` for anything else (`javascript:`, `data:`, relative links).
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return None;
    }
    Some(
        parsed
            .as_str()
            .replace('(', "%28")
            .replace(')', "%29")
            .replace('[', "%5B")
            .replace(']', "%5D")
            .replace('\\', "%5C"),
    )
}

/// Text made safe for one line of markdown: whitespace (newlines included) collapsed, control
/// characters dropped, markdown and HTML punctuation backslash-escaped (`[`, `]`, `<`, `>`,
/// `|`, `*`, `_`, `` ` ``, `\`, an entity-like `&`) and a leading `#`, `+`, `-`, `=` or `1.`
/// defused, so that it renders as the text it is. At most `max_chars` characters (an
/// ellipsis marks a cut).
pub fn escape_inline(text: &str, max_chars: usize) -> String {
    let collapsed: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
        .collect();
    let clipped: String = if collapsed.chars().count() > max_chars {
        let mut cut: String = collapsed.chars().take(max_chars.saturating_sub(1)).collect();
        cut = cut.trim_end().to_owned();
        cut.push('…');
        cut
    } else {
        collapsed
    };
    let chars: Vec<char> = clipped.chars().collect();
    let mut out = String::with_capacity(clipped.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        // `&amp;`, `&#60;`: a reference that markdown would decode.
        let entity_like = c == '&' && {
            let name: Vec<&char> = chars[i + 1..]
                .iter()
                .take_while(|n| n.is_ascii_alphanumeric() || **n == '#')
                .collect();
            !name.is_empty() && chars.get(i + 1 + name.len()) == Some(&';')
        };
        // A leading `#`, `+`, `-` or `=` would start a heading or a list, and so would `1.`.
        let leading = (i == 0 && matches!(c, '#' | '+' | '-' | '='))
            || (matches!(c, '.' | ')') && i > 0 && chars[..i].iter().all(char::is_ascii_digit));
        if matches!(c, '\\' | '[' | ']' | '<' | '>' | '|' | '*' | '_' | '`' | '~')
            || entity_like
            || leading
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn listing(date: &str, title: &str, url: &str, company: Option<&str>) -> Listing {
        Listing {
            url: url.into(),
            canonical_url: canonical_url(url),
            canonical_urls: vec![canonical_url(url)],
            title: Some(title.into()),
            company: company.map(Into::into),
            company_url: company.map(|c| format!("https://{}.example/", c.to_lowercase())),
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
            published: None,
            summary: Some(format!("What happened to {title}.")),
            categories: vec![],
            curated: vec![],
            entry_ids: vec![],
            sources: vec![],
            decided_by: crate::model::Decision::Classifier,
            report: None,
            first_seen: None,
        }
    }

    fn render(text: &str, listings: &[Listing]) -> RenderedReadme {
        render_readme(text, listings, "README.md", Path::new("README.md")).unwrap()
    }

    const LIST: &str = "# Awesome\n\nIntro.\n\n## Postmorterms\n\n\
        - 02-21-2024 - [Core Outage](https://mailer.example/blog/core)\n  - Two spaces.\n\
        - 11-06-2023 - [Auth Outage](https://chat.example/auth) by [Chat](https://chat.example)\n\t- A tab.\n\
        - 11-03-2023 - [Control Plane](https://cdn.example/cp) by [CDN](https://cdn.example/)\n  - More.\n\
        \n## Contributing\n\n- [Guide](https://example.com/guide)\n";

    #[test]
    fn patterns_compile() {
        for pattern in [&BULLET, &HEADING, &POSTMORTEMS, &HTTP_LINK, &ENTRY] {
            LazyLock::force(pattern);
        }
    }

    /// Found by the `readme` fuzz target: an unclosed fence after the last entry hid the
    /// entries a render had added, so the next render added them again.
    #[test]
    fn an_unclosed_fence_after_the_list_does_not_swallow_new_entries() {
        let listings = [listing("2023-05-01", "New", "https://n.example/1", Some("Nco"))];
        for (fence, new_goes_before_it) in [(" ```", true), ("```", true), ("  ```", false)] {
            let text = format!(
                "## Postmortems\n- 01-02-2024 - [A](https://a.example/pm) by [A co](https://a.example/)\n{fence}\n"
            );
            let first = render(&text, &listings);
            assert_eq!(first.added.len(), 1, "{fence:?}");
            let second = render(&first.text, &listings);
            assert_eq!(second.text, first.text, "{fence:?}");
            assert!(second.added.is_empty(), "{fence:?}");
            let at_new = first.text.find("[New]").unwrap();
            let at_fence = first.text.find(&format!("\n{fence}\n")).unwrap();
            assert_eq!(at_new < at_fence, new_goes_before_it, "{fence:?}: {}", first.text);
        }
    }

    #[test]
    fn nothing_new_gives_the_same_bytes() {
        for text in [
            LIST.to_owned(),
            LIST.replace('\n', "\r\n"),
            LIST.trim_end().to_owned(),
            "# T\n\n## Postmortems\n\n- 01-02-2024 - [A](https://a.example/)\n\t- x".to_owned(),
        ] {
            let out = render(&text, &[]);
            assert_eq!(out.text, text);
            assert_eq!(out.kept, if text.contains("[A]") { 1 } else { 3 });
        }
    }

    #[test]
    fn new_entries_go_in_at_their_date_in_the_lists_style() {
        let listings = [
            listing("2024-05-01", "Newest", "https://n.example/1", Some("Nco")),
            listing("2023-11-06", "Same day", "https://s.example/2", None),
            listing("2023-12-01", "Middle", "https://m.example/3", Some("Mco")),
            listing("2023-11-06", "Auth Outage again", "https://chat.example/auth/", Some("Chat")),
        ];
        let out = render(LIST, &listings);
        let expected = LIST
            .replace(
                "- 02-21-2024",
                "- 05-01-2024 - [Newest](https://n.example/1) by [Nco](https://nco.example/)\n  - What happened to Newest.\n- 02-21-2024",
            )
            .replace(
                "- 11-06-2023",
                "- 12-01-2023 - [Middle](https://m.example/3) by [Mco](https://mco.example/)\n  - What happened to Middle.\n- 11-06-2023",
            )
            .replace(
                "\t- A tab.\n",
                "\t- A tab.\n- 11-06-2023 - [Same day](https://s.example/2)\n  - What happened to Same day.\n",
            );
        assert_eq!(out.text, expected);
        assert_eq!(out.added.len(), 3);
        let again = render(&out.text, &listings);
        assert_eq!(again.text, out.text, "a second render changes nothing");
        assert_eq!(again.own, out.added, "what pmagg wrote is recognised as its own");
    }

    #[test]
    fn crlf_tabs_and_no_final_newline_carry_over() {
        let text = "## Postmortems\r\n\r\n- 01-02-2024 - [A](https://a.example/)\r\n\t- x\r\n- 01-01-2020 - [B](https://b.example/)\r\n\t- y";
        let out = render(
            text,
            &[
                listing("2021-01-01", "C", "https://c.example/", None),
                listing("2019-01-01", "D", "https://d.example/", None),
            ],
        );
        assert_eq!(
            out.text,
            "## Postmortems\r\n\r\n- 01-02-2024 - [A](https://a.example/)\r\n\t- x\r\n\
             - 01-01-2021 - [C](https://c.example/)\r\n\t- What happened to C.\r\n\
             - 01-01-2020 - [B](https://b.example/)\r\n\t- y\r\n\
             - 01-01-2019 - [D](https://d.example/)\r\n\t- What happened to D."
        );
    }

    #[test]
    fn a_lone_carriage_return_at_the_end_stays() {
        // Found by tests/fuzz: a whitespace line that markdown does not call blank.
        for text in ["# Awesome postmortems\n\u{b}", "## Postmortems\n  ", "## Postmortems\n\n \t"]
        {
            let once = render(text, &[listing("", "A", "https://a.example/", None)]);
            assert!(once.text.contains("\n- [A](https://a.example/)\n"), "{:?}", once.text);
            let twice = render(&once.text, &[listing("", "A", "https://a.example/", None)]);
            assert_eq!(twice.text, once.text);
        }
        // Found by tests/fuzz: the last line `¡\r` lost its `\r` on the second render.
        let once = render(
            "## Postmortems\n    code\n¡\r",
            &[listing("", "A", "https://a.example/", None)],
        );
        assert!(once.text.ends_with("¡\r"), "{:?}", once.text);
        let twice = render(&once.text, &[listing("", "A", "https://a.example/", None)]);
        assert_eq!(twice.text, once.text);
        // Years that do not fit MM-DD-YYYY are left out rather than written unreadably.
        let far = listing("262000-01-01", "Far", "https://f.example/", None);
        let mut far = far;
        far.date = NaiveDate::from_ymd_opt(262_000, 1, 1);
        let out = render("## Postmortems\n", std::slice::from_ref(&far));
        assert!(out.text.contains("- [Far](https://f.example/)"), "{}", out.text);
        assert_eq!(render(&out.text, &[far]).text, out.text);
    }

    #[test]
    fn markers_bound_the_list_and_an_empty_list_fills() {
        let text = "# T\n\n<!-- pmagg:start -->\n<!-- pmagg:end -->\n\nFooter [x](y)\n";
        let out = render(text, &[listing("2024-01-01", "A", "https://a.example/", None)]);
        assert_eq!(
            out.text,
            "# T\n\n<!-- pmagg:start -->\n- 01-01-2024 - [A](https://a.example/)\n  - What happened to A.\n<!-- pmagg:end -->\n\nFooter [x](y)\n"
        );
        let heading_only = "# T\n\n## Postmortems\n\n## Other\n";
        let out = render(heading_only, &[listing("2024-01-01", "A", "https://a.example/", None)]);
        assert_eq!(
            out.text,
            "# T\n\n## Postmortems\n\n- 01-01-2024 - [A](https://a.example/)\n  - What happened to A.\n\n## Other\n"
        );
        assert_eq!(
            render(&out.text, &[listing("2024-01-01", "A", "https://a.example/", None)]).text,
            out.text
        );
        let broken = "<!-- pmagg:end -->\n<!-- pmagg:start -->\n";
        assert!(matches!(
            render_readme(broken, &[], "R", Path::new("R")),
            Err(RenderError::Markers { .. })
        ));
        assert!(matches!(
            render_readme("# Nothing here\n", &[], "R", Path::new("R")),
            Err(RenderError::NoList { .. })
        ));
    }

    #[test]
    fn hostile_text_is_escaped_and_bad_links_are_not_written() {
        let mut evil = listing(
            "2024-01-01",
            "x](javascript:alert(1)) <script>",
            "https://e.example/a(b)",
            Some("../../etc"),
        );
        evil.summary =
            Some("line one\nline | two <img src=x onerror=alert(1)> [y](javascript:z)".into());
        evil.company_url = Some("javascript:alert(1)".into());
        let out = render("## Postmortems\n", &[evil.clone()]);
        assert_eq!(
            out.text,
            "## Postmortems\n\n- 01-01-2024 - [x\\](javascript:alert(1)) \\<script\\>](https://e.example/a%28b%29) by ../../etc\n  - line one line \\| two \\<img src=x onerror=alert(1)\\> \\[y\\](javascript:z)\n"
        );
        let mut bad_link = evil;
        bad_link.url = "javascript:alert(1)".into();
        bad_link.canonical_url = canonical_url(&bad_link.url);
        assert_eq!(render("## Postmortems\n", &[bad_link]).added.len(), 0);
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_inline("# Title", 100), "\\# Title");
        assert_eq!(escape_inline("1. first", 100), "1\\. first");
        assert_eq!(escape_inline("AT&T &amp; co", 100), "AT&T \\&amp; co");
        assert_eq!(escape_inline("a_b*c`d", 100), "a\\_b\\*c\\`d");
        assert_eq!(escape_inline("abcdef", 4), "abc…");
        assert_eq!(safe_href("HTTPS://E.example/x y"), Some("https://e.example/x%20y".into()));
        assert_eq!(safe_href("ftp://e.example/"), None);
        assert_eq!(safe_href("/relative"), None);
    }

    #[test]
    fn entry_lines_are_read_back() {
        let (url, date, title, company) = read_entry_line(
            "- 02-20-2024 - [OpenAI ChaGPT \\[beta\\]](https://status.openai.com/incidents/x) by [OpenAI](https://openai.com/)",
        );
        assert_eq!(url.as_deref(), Some("https://status.openai.com/incidents/x"));
        assert_eq!(date, NaiveDate::from_ymd_opt(2024, 2, 20));
        assert_eq!(title.as_deref(), Some("OpenAI ChaGPT [beta]"));
        assert_eq!(company.as_deref(), Some("OpenAI"));
        let (_, _, _, plain) = read_entry_line("- [T](https://x.example/) by Plain Co");
        assert_eq!(plain.as_deref(), Some("Plain Co"));
    }
}
