//! The words of a publish: the pull request's title and description (markdown) and the commit
//! message, from model values. Pure: no I/O, the same entries always give the same text.
//!
//! Every field that comes from a report or a list (titles, summaries, root causes, company
//! and source names) is one line of escaped markdown: no HTML, links, headings or tables can
//! come through, and an `@name` cannot notify anyone. Links are written only when they are
//! http(s). The description stays under GitHub's 65 536 characters: entries past
//! [`MAX_BODY_CHARS`] are counted instead of listed.

use std::fmt::Write as _;

use chrono::NaiveDate;

/// The most a description holds; GitHub refuses bodies over 65 536 characters.
pub const MAX_BODY_CHARS: usize = 60_000;
/// Longest title quoted, in characters.
const MAX_TITLE: usize = 200;
/// Longest summary quoted.
const MAX_SUMMARY: usize = 800;
/// Longest root cause quoted.
const MAX_ROOT_CAUSE: usize = 1_200;
/// Longest pull request title.
const MAX_PR_TITLE: usize = 120;
/// Files named in a description or commit message.
const MAX_FILES: usize = 50;

/// How an entry changed on the branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryChange {
    /// Added to the list.
    New,
    /// Already listed; its archive copy changed (the report was revised).
    Updated,
}

/// One postmortem that a publish adds or changes, with what a curator needs to review it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedEntry {
    /// New or updated.
    pub change: EntryChange,
    /// The report's title.
    pub title: Option<String>,
    /// Whose incident it was.
    pub company: Option<String>,
    /// When it happened.
    pub incident_date: Option<NaiveDate>,
    /// Where pmagg found it: source names from `sources.toml` (and other lists).
    pub sources: Vec<String>,
    /// The report's link.
    pub link: String,
    /// The one-or-two-sentence summary.
    pub summary: Option<String>,
    /// The root cause extraction found.
    pub root_cause: Option<String>,
}

/// A pull request's title and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestText {
    /// One line.
    pub title: String,
    /// Markdown.
    pub body: String,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn counts(entries: &[PublishedEntry]) -> (usize, usize) {
    let new = entries.iter().filter(|e| e.change == EntryChange::New).count();
    (new, entries.len() - new)
}

/// One line saying what changed: `Add 2 new postmortems`, `Add postmortem: Title (Company)`,
/// `Update 1 archived postmortem`...
pub fn summary_line(entries: &[PublishedEntry]) -> String {
    let (new, updated) = counts(entries);
    let line = match (new, updated) {
        (0, 0) => "Update the postmortem list".to_owned(),
        (1, 0) => {
            let entry = &entries[0];
            let name = plain(entry.title.as_deref().unwrap_or(&entry.link), MAX_PR_TITLE);
            match entry.company.as_deref() {
                Some(company) => format!("Add postmortem: {name} ({})", plain(company, 60)),
                None => format!("Add postmortem: {name}"),
            }
        }
        (0, n) => format!("Update {}", plural(n, "archived postmortem", "archived postmortems")),
        (n, 0) => format!("Add {}", plural(n, "new postmortem", "new postmortems")),
        (n, m) => format!(
            "Add {}, update {}",
            plural(n, "new postmortem", "new postmortems"),
            plural(m, "archived one", "archived ones")
        ),
    };
    cut(&line, MAX_PR_TITLE)
}

/// The pull request for everything the branch changes against the base: `entries`, and the
/// `files` (relative to the repository) that change.
pub fn describe_pull_request(entries: &[PublishedEntry], files: &[String]) -> PullRequestText {
    let (new, updated) = counts(entries);
    let mut body = String::new();
    let found = match (new, updated) {
        (0, 0) => "no new postmortems; the files below changed".to_owned(),
        (n, 0) => format!("**{}**", plural(n, "new postmortem", "new postmortems")),
        (0, m) => format!("**{}**", plural(m, "updated report", "updated reports")),
        (n, m) => format!(
            "**{}** and **{}**",
            plural(n, "new postmortem", "new postmortems"),
            plural(m, "updated report", "updated reports")
        ),
    };
    let _ = writeln!(body, "pmagg found {found} for this list.\n");

    let mut footer = String::from("---\n\n");
    if !files.is_empty() {
        let _ = writeln!(
            footer,
            "<details>\n<summary>{}</summary>\n",
            plural(files.len(), "file changed", "files changed")
        );
        for file in files.iter().take(MAX_FILES) {
            let _ = writeln!(footer, "- {}", code(file));
        }
        if files.len() > MAX_FILES {
            let _ = writeln!(footer, "- and {} more", files.len() - MAX_FILES);
        }
        footer.push_str("\n</details>\n\n");
    }
    let _ = writeln!(
        footer,
        "Written by pmagg {}. While this pull request is open, pmagg adds commits to its \
         branch and rewrites this description; it never touches the base branch. Edit the list \
         on this branch as you like: pmagg keeps your edits, and an entry you delete stays out.",
        env!("CARGO_PKG_VERSION")
    );

    let mut omitted = 0;
    for (heading, change) in
        [("New postmortems", EntryChange::New), ("Updated reports", EntryChange::Updated)]
    {
        let group: Vec<&PublishedEntry> = entries.iter().filter(|e| e.change == change).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(body, "## {heading}\n");
        for entry in group {
            let section = describe_entry(entry);
            // Room is kept for the "and N more" line.
            if omitted > 0 || body.len() + section.len() + footer.len() + 200 > MAX_BODY_CHARS {
                omitted += 1;
                continue;
            }
            body.push_str(&section);
        }
    }
    if omitted > 0 {
        let _ = writeln!(
            body,
            "…and {} more: see the changed files.\n",
            plural(omitted, "entry", "entries")
        );
    }
    body.push_str(&footer);
    PullRequestText { title: summary_line(entries), body }
}

/// One entry's section: a heading with the link, then its fields.
fn describe_entry(entry: &PublishedEntry) -> String {
    let title = entry.title.as_deref().map_or_else(
        || match entry.company.as_deref() {
            Some(company) => format!("{} postmortem", escape(company, MAX_TITLE)),
            None => "Untitled postmortem".to_owned(),
        },
        |t| escape(t, MAX_TITLE),
    );
    let link = safe_link(&entry.link);
    let mut out = String::new();
    match &link {
        Some(href) => {
            let _ = writeln!(out, "### [{title}]({href})\n");
        }
        None => {
            let _ = writeln!(out, "### {title}\n");
        }
    }
    let unknown = "_unknown_".to_owned();
    let field =
        |text: Option<&str>, max: usize| text.map_or_else(|| unknown.clone(), |t| escape(t, max));
    let sources = if entry.sources.is_empty() {
        unknown.clone()
    } else {
        entry.sources.iter().map(|s| escape(s, 100)).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "- **Company:** {}", field(entry.company.as_deref(), 100));
    let _ = writeln!(
        out,
        "- **Incident date:** {}",
        entry.incident_date.map_or_else(|| unknown.clone(), |d| d.format("%Y-%m-%d").to_string())
    );
    let _ = writeln!(out, "- **Source:** {sources}");
    let _ = writeln!(
        out,
        "- **Link:** {}",
        link.map_or_else(|| code(&entry.link), |href| format!("<{href}>"))
    );
    let _ = writeln!(out, "- **Summary:** {}", field(entry.summary.as_deref(), MAX_SUMMARY));
    let _ = writeln!(
        out,
        "- **Root cause:** {}",
        entry
            .root_cause
            .as_deref()
            .map_or_else(|| "_not found in the report_".to_owned(), |t| escape(t, MAX_ROOT_CAUSE))
    );
    out.push('\n');
    out
}

/// The commit message for what one run changes: the summary line, then one line per entry
/// (date, company, title, link) and the files.
pub fn describe_commit(entries: &[PublishedEntry], files: &[String]) -> String {
    let mut message = summary_line(entries);
    message.push_str("\n\n");
    for entry in entries {
        let verb = match entry.change {
            EntryChange::New => "Add",
            EntryChange::Updated => "Update",
        };
        let mut line = verb.to_owned();
        if let Some(date) = entry.incident_date {
            let _ = write!(line, " {}", date.format("%Y-%m-%d"));
        }
        if let Some(company) = &entry.company {
            let _ = write!(line, " {}:", plain(company, 60));
        }
        let _ = write!(line, " {}", plain(entry.title.as_deref().unwrap_or("untitled"), MAX_TITLE));
        let _ = writeln!(message, "- {line}\n  {}", plain(&entry.link, 400));
    }
    if !files.is_empty() {
        if !entries.is_empty() {
            message.push('\n');
        }
        let named: Vec<&str> = files.iter().take(MAX_FILES).map(String::as_str).collect();
        let _ = write!(message, "Files: {}", named.join(", "));
        if files.len() > MAX_FILES {
            let _ = write!(message, " and {} more", files.len() - MAX_FILES);
        }
        message.push('\n');
    }
    message
}

/// One line of plain text: whitespace runs (newlines included) become one space, control
/// characters go, at most `max` characters (an ellipsis marks a cut).
fn plain(text: &str, max: usize) -> String {
    let joined = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    cut(&joined, max)
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// [`plain`], then escaped for markdown: every punctuation character that can start markup is
/// backslash-escaped, and `@` is followed by a zero-width joiner so that no mention notifies.
fn escape(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in plain(text, max).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '&' | '!' | '{'
            | '}' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{2060}"),
            c => out.push(c),
        }
    }
    out
}

/// Inline code that cannot be closed early: backticks inside become quotes.
fn code(text: &str) -> String {
    format!("`{}`", plain(text, 400).replace('`', "'"))
}

/// The link as a markdown destination, when it is an absolute http(s) URL; parentheses are
/// percent-encoded so the link cannot end early.
fn safe_link(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return None;
    }
    Some(parsed.as_str().replace('(', "%28").replace(')', "%29"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn entry(title: &str, company: &str) -> PublishedEntry {
        PublishedEntry {
            change: EntryChange::New,
            title: Some(title.to_owned()),
            company: Some(company.to_owned()),
            incident_date: NaiveDate::from_ymd_opt(2024, 3, 2),
            sources: vec!["Acme Status".to_owned()],
            link: "https://status.acme.example/incidents/42".to_owned(),
            summary: Some("Writes failed for 40 minutes.".to_owned()),
            root_cause: Some("A config push removed the primary's replicas.".to_owned()),
        }
    }

    #[test]
    fn one_new_entry() {
        let entries = [entry("Database failover outage", "Acme")];
        let text = describe_pull_request(&entries, &["README.md".to_owned()]);
        assert_eq!(text.title, "Add postmortem: Database failover outage (Acme)");
        let expected_start = "\
pmagg found **1 new postmortem** for this list.

## New postmortems

### [Database failover outage](https://status.acme.example/incidents/42)

- **Company:** Acme
- **Incident date:** 2024-03-02
- **Source:** Acme Status
- **Link:** <https://status.acme.example/incidents/42>
- **Summary:** Writes failed for 40 minutes.
- **Root cause:** A config push removed the primary's replicas.

---

<details>
<summary>1 file changed</summary>

- `README.md`

</details>
";
        assert!(text.body.starts_with(expected_start), "{}", text.body);
        assert_eq!(
            describe_commit(&entries, &["README.md".to_owned()]),
            "Add postmortem: Database failover outage (Acme)\n\n\
             - Add 2024-03-02 Acme: Database failover outage\n  \
             https://status.acme.example/incidents/42\n\nFiles: README.md\n"
        );
    }

    #[test]
    fn several_entries_new_and_updated() {
        let mut updated = entry("Old outage", "Beta");
        updated.change = EntryChange::Updated;
        updated.root_cause = None;
        updated.incident_date = None;
        updated.sources.clear();
        let entries = [entry("One", "Acme"), entry("Two", "Acme"), updated];
        let text = describe_pull_request(&entries, &[]);
        assert_eq!(text.title, "Add 2 new postmortems, update 1 archived one");
        assert!(text.body.starts_with(
            "pmagg found **2 new postmortems** and **1 updated report** for this list."
        ));
        let new_at = text.body.find("## New postmortems").unwrap();
        let updated_at = text.body.find("## Updated reports").unwrap();
        assert!(new_at < updated_at);
        assert!(text.body.contains("- **Root cause:** _not found in the report_"));
        assert!(text.body.contains("- **Incident date:** _unknown_"));
        assert!(text.body.contains("- **Source:** _unknown_"));
        assert!(!text.body.contains("<details>"), "no files, no list");
        assert_eq!(summary_line(&entries[2..]), "Update 1 archived postmortem");
        assert_eq!(summary_line(&[]), "Update the postmortem list");
    }

    #[test]
    fn text_from_reports_cannot_inject_markdown_or_mentions() {
        let mut hostile = entry("Outage](https://evil.example) <script>x</script>", "@acme/team");
        hostile.summary = Some("line one\n\n## Heading\n| a | b |\n@octocat please look".into());
        hostile.root_cause = Some("`code` and *stars* and [link](javascript:alert(1))".into());
        hostile.link = "javascript:alert(1)".into();
        let text = describe_pull_request(&[hostile], &[]);
        let body = &text.body;
        assert!(!body.contains("](https://evil"), "{body}");
        assert!(!body.contains("<script>"), "{body}");
        assert!(!body.contains("\n## Heading"), "{body}");
        assert!(!body.contains("@octocat") && !body.contains("@acme"), "{body}");
        assert!(!body.contains("](javascript:"), "{body}");
        assert!(body.contains("### Outage\\]\\(https://evil.example\\) \\<script\\>"), "{body}");
        assert!(body.contains("- **Link:** `javascript:alert(1)`"), "{body}");
    }

    #[test]
    fn links_with_parentheses_stay_whole() {
        assert_eq!(
            safe_link("https://en.example.org/wiki/Outage_(2024)").as_deref(),
            Some("https://en.example.org/wiki/Outage_%282024%29")
        );
        assert_eq!(safe_link("mailto:a@b.example"), None);
        assert_eq!(safe_link("/relative"), None);
    }

    #[test]
    fn long_descriptions_stay_under_githubs_limit() {
        let mut big = entry("Big", "Acme");
        big.summary = Some("word ".repeat(1000));
        big.root_cause = Some("cause ".repeat(1000));
        let entries: Vec<PublishedEntry> = (0..200).map(|_| big.clone()).collect();
        let files: Vec<String> = (0..500).map(|i| format!("postmortems/acme/{i}.md")).collect();
        let text = describe_pull_request(&entries, &files);
        assert!(text.body.chars().count() <= MAX_BODY_CHARS, "{}", text.body.len());
        assert!(text.body.contains("more: see the changed files."));
        assert!(text.body.contains("- and 450 more"));
        assert_eq!(text.title, "Add 200 new postmortems");
        let message = describe_commit(&entries, &files);
        assert!(message.contains(" and 450 more"));
    }
}
