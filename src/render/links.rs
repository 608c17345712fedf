//! `pmagg links fix` (issue #18): dead links in the README become their archived copy.
//!
//! Takes the README's text and the fixes; returns the new text. Pure and byte-stable like
//! [`super::readme`]: only the link targets of affected lines change, every other byte
//! (line endings, indents, a missing final newline) stays, and a second run changes nothing.
//!
//! **The form.** `[Title](URL)` becomes `[Title](SNAPSHOT) ([original](URL))`: the entry
//! leads to a page that works, and the original address stays beside it, so the link can be
//! restored when the site comes back and a reader sees where the report lived. `<URL>`
//! autolink targets (`[Title](<URL>)`) are rewritten the same way.
//!
//! **Which lines.** Only lines in the list (between the pmagg markers, or the list under the
//! postmortems heading) that pmagg wrote. A line outside the list, or one of an entry a person
//! wrote (`hand_written`: canonical URLs of entries imported from the list), is left as it is
//! unless `include_hand_written` is set. A line that already carries the replacement is done.

use std::collections::HashSet;
use std::path::Path;

use super::RenderError;
use super::readme::list_range;
use crate::model::canonical_url;

/// One dead link and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFix {
    /// The dead link, exactly as written in the README.
    pub url: String,
    /// Its Wayback Machine snapshot, or the path of pmagg's own archive copy.
    pub replacement: String,
}

/// The README after the fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedReadme {
    /// The whole file.
    pub text: String,
    /// The dead links that were rewritten (each once, in fix order).
    pub fixed: Vec<String>,
    /// How many lines changed.
    pub lines_changed: usize,
}

/// Rewrites dead links in `current`; `path` only names the file in errors.
pub fn fix_dead_links<S: std::hash::BuildHasher>(
    current: &str,
    fixes: &[LinkFix],
    hand_written: &HashSet<String, S>,
    include_hand_written: bool,
    path: &Path,
) -> Result<FixedReadme, RenderError> {
    let list = list_range(current, path)?;
    let mut text = String::with_capacity(current.len() + fixes.len() * 80);
    let mut fixed: Vec<String> = Vec::new();
    let mut lines_changed = 0;
    let mut at = 0;
    for line in current.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let in_list = list.contains(&start) && at <= list.end;
        let by_hand = !in_list
            || targets(line).iter().any(|target| hand_written.contains(&canonical_url(target)));
        if by_hand && !include_hand_written {
            text.push_str(line);
            continue;
        }
        let mut new = line.to_owned();
        for fix in fixes {
            if fix.url.is_empty() || new.contains(&fix.replacement) {
                continue;
            }
            let original = format!(" ([original]({}))", fix.url);
            let mut done = false;
            for from in [format!("]({})", fix.url), format!("](<{}>)", fix.url)] {
                if new.contains(&from) {
                    new = new.replace(&from, &format!("]({}){original}", fix.replacement));
                    done = true;
                }
            }
            if done && !fixed.contains(&fix.url) {
                fixed.push(fix.url.clone());
            }
        }
        if new != line {
            lines_changed += 1;
        }
        text.push_str(&new);
    }
    Ok(FixedReadme { text, fixed, lines_changed })
}

/// The link targets of a line: what follows each `](`, up to its closing parenthesis.
fn targets(line: &str) -> Vec<String> {
    line.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &line[i + 2..];
            let end = rest.find(')')?;
            Some(rest[..end].trim().trim_start_matches('<').trim_end_matches('>').to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const README: &str = "# Postmortems\r\n\
        See [the old list](https://gone.example/list) too.\r\n\
        <!-- pmagg:start -->\r\n\
        - 03-01-2020 - [A outage](https://gone.example/a) by [A](https://a.example)\r\n\
        \x20 - summary of A\r\n\
        - 02-01-2020 - [B outage](https://b.example/b)\r\n\
        - 01-01-2020 - [C outage](<https://gone.example/c>)\r\n\
        <!-- pmagg:end -->";

    fn fixes() -> Vec<LinkFix> {
        ["https://gone.example/a", "https://gone.example/c", "https://gone.example/list"]
            .iter()
            .map(|u| LinkFix {
                url: (*u).to_owned(),
                replacement: format!("https://web.archive.org/web/20190101000000/{u}"),
            })
            .collect()
    }

    #[test]
    fn fixes_only_list_lines_and_is_stable() {
        let out = fix_dead_links(README, &fixes(), &HashSet::new(), false, Path::new("R")).unwrap();
        assert_eq!(out.lines_changed, 2);
        assert_eq!(
            out.text,
            README
                .replace(
                    "[A outage](https://gone.example/a)",
                    "[A outage](https://web.archive.org/web/20190101000000/https://gone.example/a) ([original](https://gone.example/a))"
                )
                .replace(
                    "[C outage](<https://gone.example/c>)",
                    "[C outage](https://web.archive.org/web/20190101000000/https://gone.example/c) ([original](https://gone.example/c))"
                )
        );
        let again =
            fix_dead_links(&out.text, &fixes(), &HashSet::new(), false, Path::new("R")).unwrap();
        assert_eq!(again.text, out.text);
        assert_eq!(again.lines_changed, 0);
    }

    #[test]
    fn hand_written_lines_need_the_flag() {
        let hand: HashSet<String> = [canonical_url("https://gone.example/a")].into_iter().collect();
        let out = fix_dead_links(README, &fixes(), &hand, false, Path::new("R")).unwrap();
        assert_eq!(out.fixed, vec!["https://gone.example/c".to_owned()]);
        let all = fix_dead_links(README, &fixes(), &hand, true, Path::new("R")).unwrap();
        assert_eq!(all.lines_changed, 3);
    }
}
