//! Where the list is in a README, and the entries already in it.
//!
//! Takes the README's text; returns the byte range `render` may rewrite ([`list_range`]: the
//! lines between the markers, else the bullet list under the first heading that names
//! postmortems, else an empty place under that heading) and the entries in it, each with the
//! exact bytes it is written in and what its first line says (read with
//! [`crate::listfmt::read_entry`], the grammar `parse::list` reads lists with). Everything
//! outside the range, and every entry's bytes, are the curator's: this module only finds them.

use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{END_MARKER, START_MARKER};
use crate::listfmt::{
    SourceLine, bullet, date_prefix, heading, indent_width, is_fence, line_ending, lines_of,
    read_entry, unescape,
};
use crate::model::canonical_url;
use crate::render::RenderError;
use crate::render::listing::{Listing, same_incident};

/// Where the list is, and what to add around it when it starts out empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Region {
    /// The list's bytes in the file.
    pub(super) range: Range<usize>,
    /// Written before the list when it is empty and entries are added (a line ending and a
    /// blank line after a heading that ends the file).
    pub(super) lead: String,
    /// Written after a list that was empty, before text that follows it directly.
    pub(super) trail: String,
}

static POSTMORTEMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)post[\s_-]*mort")
        .expect("the postmortems pattern is a valid regex (checked by a test)")
});
static HTTP_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\]\(\s*<?https?://")
        .expect("the link pattern is a valid regex (checked by a test)")
});

/// A list item that starts an entry: its marker indented by less than two columns.
fn is_top_bullet(text: &str) -> bool {
    indent_width(text) < 2 && bullet(text).is_some()
}

/// Lines outside fenced code, with their index.
fn outside_fences<'a>(
    lines: &'a [SourceLine<'a>],
) -> impl Iterator<Item = (usize, &'a SourceLine<'a>)> {
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

pub(super) fn find_list(text: &str, path: &Path) -> Result<Region, RenderError> {
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
        .filter_map(|(i, l)| heading(l.text).map(|(level, _)| (i, level)))
        .collect();
    let mut candidates: Vec<(usize, usize, usize)> = headings
        .iter()
        .enumerate()
        .filter(|(_, (i, _))| heading(lines[*i].text).is_some_and(|(_, t)| POSTMORTEMS.is_match(t)))
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
            lead.push_str(ending);
        }
        at += blanks.iter().map(|l| l.full.len()).sum::<usize>();
    } else {
        lead = format!("{ending}{ending}");
    }
    let trail = if at < text.len() { ending.to_owned() } else { String::new() };
    Ok(Region { range: at..at, lead, trail })
}

/// For each line, whether it is inside fenced code (fences themselves count as inside).
///
/// A fence indented by two columns or more sits inside a list item, and as in CommonMark it
/// ends with the item: the next non-blank line indented less than that closes it, and is read
/// as an ordinary line (often the next entry). Without this, an unclosed fence inside one
/// entry would hide every entry after it, and each render would add them again.
fn fenced(lines: &[SourceLine<'_>]) -> Vec<bool> {
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
fn list_end(lines: &[SourceLine<'_>], start: usize, limit: usize) -> usize {
    let mut last = start;
    let mut after_blank = false;
    for (i, line) in lines.iter().enumerate().take(limit).skip(start + 1) {
        let text = line.text;
        if text.trim().is_empty() {
            after_blank = true;
            continue;
        }
        let indented = indent_width(text) >= 1;
        let structural = heading(text).is_some()
            || is_fence(text)
            || (indent_width(text) < 4 && text.trim_start().starts_with("<!--"));
        // A heading, fence or comment belongs to an entry only when indented to the entry's
        // content (two columns after `- `); one space is not enough and ends the list, so
        // new entries never land inside a code block that follows it.
        let belongs = if structural && indent_width(text) < 2 {
            false
        } else if bullet(text).is_some() || indented {
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
pub(super) struct Block<'a> {
    /// The blank lines before it (after the entry above).
    pub(super) gap: &'a str,
    /// Its lines, from the bullet to its last non-blank line.
    pub(super) text: &'a str,
    /// Whether it is the list's first entry.
    pub(super) first: bool,
    /// Its link, canonical.
    pub(super) canonical: Option<String>,
    /// The date its first line starts with.
    pub(super) date: Option<NaiveDate>,
    title: Option<String>,
    /// The company its first line names, escapes undone.
    pub(super) company: Option<String>,
}

impl Block<'_> {
    /// The duplicate rule against a listing of the same company: dates a day apart at most
    /// and similar titles.
    pub(super) fn duplicates(&self, listing: &Listing) -> bool {
        same_incident(self.date, self.title.as_deref(), listing.date, listing.title.as_deref())
    }
}

/// The list's text split into what is before the first entry, the entries, and the blank
/// lines after the last.
pub(super) struct Layout<'a> {
    /// The list's bytes.
    pub(super) region_text: &'a str,
    /// What comes before its first entry.
    pub(super) prefix: &'a str,
    /// The entries.
    pub(super) blocks: Vec<Block<'a>>,
    /// The blank lines after the last entry.
    pub(super) suffix: &'a str,
}

impl<'a> Layout<'a> {
    pub(super) fn read(text: &'a str, region: &Region) -> Self {
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

/// What an entry's first line says: its link (canonical), date, title and company.
fn read_entry_line(
    line: &str,
) -> (Option<String>, Option<NaiveDate>, Option<String>, Option<String>) {
    let Some(item) = bullet(line.trim_start_matches([' ', '\t'])) else {
        return (None, None, None, None);
    };
    // A date is read even when no link follows it: it still places the entry in the order.
    let date = date_prefix(item).and_then(|prefix| prefix.date);
    match read_entry(item) {
        Some(entry) => (
            Some(canonical_url(entry.url)),
            date,
            Some(unescape(entry.text)),
            entry.company.as_deref().map(unescape),
        ),
        None => (None, date, None, None),
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn patterns_compile() {
        for pattern in [&POSTMORTEMS, &HTTP_LINK] {
            LazyLock::force(pattern);
        }
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
        // A title with brackets in it, and a link with parentheses, read as `parse::list` does.
        let (url, _, title, _) = read_entry_line("  * [A [b]](https://w.example/A_(b))");
        assert_eq!(url, Some(canonical_url("https://w.example/A_(b)")));
        assert_eq!(title.as_deref(), Some("A [b]"));
        assert_eq!(
            read_entry_line("- 01-02-2024 - no link").1,
            NaiveDate::from_ymd_opt(2024, 1, 2)
        );
        assert_eq!(read_entry_line("text"), (None, None, None, None));
    }
}
