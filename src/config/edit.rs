//! Appending `[[source]]` tables to a config file without disturbing what is already there.
//!
//! Takes the file's text and the sources to add, and returns the new text. Everything already
//! in the file (comments, blank lines, key order, quoting) is kept byte for byte: the new
//! tables are rendered with `toml_edit`, so every string is escaped the way TOML wants, and
//! appended at the end of the file; then the whole result is validated like any config before
//! it is handed back. [`save`] writes it atomically: a temporary file in the same folder, then
//! a rename, so a reader (or a crash) never sees half a file. Nothing here fetches: deciding
//! what to add is the caller's job.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};
use url::Url;

use super::{Config, ConfigError, Source};
use crate::model::SourceKind;

/// A `[[source]]` to append. Kinds that need more keys (`html` and its selectors) are added
/// by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    /// Unique name.
    pub name: String,
    /// Its kind.
    pub kind: SourceKind,
    /// What is fetched.
    pub url: Url,
    /// Who the postmortems are from.
    pub company: String,
    /// The company's home page.
    pub company_url: Option<Url>,
}

/// A new source that clashes with a configured one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// The name is taken.
    #[error("a source named {name:?} already exists (kind {kind}, url {url})")]
    Name {
        /// The name.
        name: String,
        /// The existing source's kind.
        kind: SourceKind,
        /// The existing source's URL.
        url: Url,
    },
    /// The URL is already polled, under another name or the same one.
    #[error("{url} is already configured as source {existing:?} (url {existing_url})")]
    Url {
        /// The new URL.
        url: Url,
        /// The existing source's name.
        existing: String,
        /// The existing source's URL, as configured.
        existing_url: Url,
    },
}

/// Validates a config that sources are about to be added to. A file with no `[[source]]` at
/// all is valid (a config is needed only to fetch, issue #16), so this is [`super::parse`];
/// the name stays for the editing commands that read it.
pub fn parse_for_editing(text: &str, path: &Path) -> Result<Config, ConfigError> {
    super::parse(text, path)
}

/// The configured source a new one would clash with, by name or by URL (see [`same_url`]).
pub fn find_conflict(sources: &[Source], name: Option<&str>, url: &Url) -> Option<Conflict> {
    if let Some(name) = name
        && let Some(existing) = sources.iter().find(|s| s.name.as_str() == name)
    {
        return Some(Conflict::Name {
            name: name.to_owned(),
            kind: existing.kind,
            url: existing.url.clone(),
        });
    }
    sources.iter().find(|s| same_url(&s.url, url)).map(|existing| Conflict::Url {
        url: url.clone(),
        existing: existing.name.to_string(),
        existing_url: existing.url.clone(),
    })
}

/// Whether two URLs name the same resource for polling purposes: equal once the scheme
/// (`http` and `https`), a trailing slash and the fragment are set aside. Hosts are already
/// lowercased and default ports dropped by URL parsing.
pub fn same_url(a: &Url, b: &Url) -> bool {
    let key = |url: &Url| {
        (
            url.host_str().map(str::to_owned),
            url.port(),
            url.path().trim_end_matches('/').to_owned(),
            url.query().map(str::to_owned),
        )
    };
    key(a) == key(b)
}

/// `base`, or `base (2)`, `base (3)`... : the first that `taken` refuses.
pub fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut candidate = base.to_owned();
    let mut n = 1u64;
    while taken(&candidate) {
        n += 1;
        candidate = format!("{base} ({n})");
    }
    candidate
}

/// The `[[source]]` tables for `sources`, separated by blank lines, as they will be appended.
pub fn render_sources(sources: &[NewSource]) -> String {
    let mut out = String::new();
    for (i, source) in sources.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut table = Table::new();
        table.insert("name", value(source.name.as_str()));
        table.insert("kind", value(source.kind.as_str()));
        table.insert("url", value(source.url.as_str()));
        table.insert("company", value(source.company.as_str()));
        if let Some(company_url) = &source.company_url {
            table.insert("company_url", value(company_url.as_str()));
        }
        let mut array = toml_edit::ArrayOfTables::new();
        array.push(table);
        let mut document = DocumentMut::new();
        document.insert("source", Item::ArrayOfTables(array));
        let _ = write!(out, "{document}");
    }
    out
}

/// The config `text` with `sources` appended, validated. `path` names the file in errors.
pub fn append_sources(text: &str, path: &Path, sources: &[NewSource]) -> Result<String, EditError> {
    let document: DocumentMut = text
        .parse()
        .map_err(|source| EditError::Toml { path: path.to_owned(), source: Box::new(source) })?;
    // Appending `[[source]]` after `source = [...]` (or a `[source]` table) is not TOML.
    if document.get("source").is_some_and(|item| !item.is_array_of_tables()) {
        return Err(EditError::NotArrayOfTables { path: path.to_owned() });
    }
    let mut block = render_sources(sources);
    // Keep the file's own line endings.
    if text.contains("\r\n") {
        block = block.replace('\n', "\r\n");
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len() + block.len() + 4);
    out.push_str(text);
    if !text.is_empty() {
        if !text.ends_with('\n') {
            out.push_str(newline);
        }
        // One blank line between the last table and the new ones.
        if !text.ends_with(&format!("{newline}{newline}")) {
            out.push_str(newline);
        }
    }
    out.push_str(&block);
    super::parse(&out, path).map_err(|source| EditError::Invalid { source: Box::new(source) })?;
    Ok(out)
}

/// Replaces the file with `text`, atomically: a temporary file in the same folder, flushed to
/// disk, then renamed over it (keeping its permissions). Refuses when the file no longer holds
/// `expected`, i.e. it changed since it was read. When the file does not exist and `expected`
/// is empty, it is created (`pmagg sources add` in an empty folder); a file that appeared
/// meanwhile is never overwritten.
pub fn save(path: &Path, expected: &str, text: &str) -> Result<(), EditError> {
    let write_error = |source| EditError::Write { path: path.to_owned(), source };
    let current = match std::fs::read_to_string(path) {
        Ok(current) => Some(current),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && expected.is_empty() => None,
        Err(err) => return Err(write_error(err)),
    };
    if current.as_deref().is_some_and(|current| current != expected) {
        return Err(EditError::Changed { path: path.to_owned() });
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = folder.join(format!(".{file_name}.pmagg-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if current.is_some() {
            let permissions = std::fs::metadata(path)?.permissions();
            std::fs::set_permissions(&temp, permissions)?;
            std::fs::rename(&temp, path)
        } else {
            // A hard link fails when the name exists, where a rename would replace it.
            std::fs::hard_link(&temp, path)?;
            std::fs::remove_file(&temp)
        }
    })();
    if let Err(source) = result {
        // Best effort: the temporary file is ours and useless now.
        let _ = std::fs::remove_file(&temp);
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(EditError::Changed { path: path.to_owned() });
        }
        return Err(write_error(source));
    }
    Ok(())
}

/// What [`edit_source`] does to one `[[source]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEdit {
    /// Take the table out of the file, with the comment lines just above it.
    Remove,
    /// Set `enabled = true` (or drop the key: true is the default).
    Enable,
    /// Set `enabled = false`.
    Disable,
}

/// The config `text` with the `[[source]]` named `name` removed, enabled or disabled,
/// validated. Everything else (comments, other tables, key order) is kept byte for byte; a
/// removed table takes its own comment lines (those right above its header) along.
pub fn edit_source(
    text: &str,
    path: &Path,
    name: &str,
    edit: SourceEdit,
) -> Result<String, EditError> {
    let mut document: DocumentMut = text
        .parse()
        .map_err(|source| EditError::Toml { path: path.to_owned(), source: Box::new(source) })?;
    let Some(item) = document.get_mut("source") else {
        return Err(EditError::NoSuchSource { path: path.to_owned(), name: name.to_owned() });
    };
    let Some(array) = item.as_array_of_tables_mut() else {
        return Err(EditError::NotArrayOfTables { path: path.to_owned() });
    };
    let Some(index) =
        array.iter().position(|table| table.get("name").and_then(Item::as_str) == Some(name))
    else {
        return Err(EditError::NoSuchSource { path: path.to_owned(), name: name.to_owned() });
    };
    match edit {
        SourceEdit::Remove => {
            array.remove(index);
            if array.is_empty() {
                document.remove("source");
            }
        }
        SourceEdit::Enable | SourceEdit::Disable => {
            let Some(table) = array.get_mut(index) else {
                return Err(EditError::NoSuchSource {
                    path: path.to_owned(),
                    name: name.to_owned(),
                });
            };
            let enabled = edit == SourceEdit::Enable;
            match table.get_mut("enabled").and_then(Item::as_value_mut) {
                // Keep the key's own comment and spacing; change only its value.
                Some(existing) => {
                    let decor = existing.decor().clone();
                    *existing = toml_edit::Value::from(enabled);
                    *existing.decor_mut() = decor;
                }
                None => {
                    table.insert("enabled", value(enabled));
                }
            }
        }
    }
    let out = document.to_string();
    super::parse(&out, path).map_err(|source| EditError::Invalid { source: Box::new(source) })?;
    Ok(out)
}

/// A commented starter `sources.toml` for `pmagg init`: the settings a curator of a list needs
/// (the list, its archive copies and its feed) and two example sources, disabled, to copy.
/// `readme` is the list that `pmagg render` rewrites.
pub fn starter_config(readme: &Path) -> String {
    let shown = readme.display();
    // A TOML string, escaped as TOML wants (a Windows path's backslashes, quotes).
    let readme = toml_edit::Value::from(readme.to_string_lossy().as_ref()).to_string();
    let readme = readme.trim();
    format!(
        "\
# pmagg configuration, written by `pmagg init`. Only fetching needs sources: `import`,
# `render`, `list`, `search`, `show`, `export`, `extract` and `mark` work without any.
# Every setting and its default is described in pmagg's README (\"Configuration\").

[settings]
# SQLite database. `--db FILE` and PMAGG_DB override it. Default: \"pmagg.db\".
database = \"pmagg.db\"

# The curated list that `pmagg render` (and `pmagg sync`, after each pass) rewrites: only the
# list between <!-- pmagg:start --> and <!-- pmagg:end -->, else the bullet list under the
# postmortems heading. Import it once first: `pmagg import {shown}`.
readme = {readme}

# Folder for archived markdown copies of the listed postmortems. Default: unset (no copies).
archive_dir = \"postmortems\"

# Atom feed of the newest postmortems. Default: unset (no feed).
feed = \"feed.xml\"
# feed_title = \"New postmortems\"
# The list's public page: the feed's id and link. Default: unset.
# feed_link = \"https://github.com/you/awesome-postmortems\"
# Where the feed is published, for its rel=\"self\" link. Default: unset.
# feed_url = \"https://you.github.io/awesome-postmortems/feed.xml\"

# Sources to poll, one [[source]] table each. Add them with `pmagg sources add URL` (it finds
# the feed or status page API), turn them on and off with `pmagg sources enable|disable NAME`.
# Kinds: feed, statuspage, incidentio, gcp, html, list.

# An engineering blog's feed; `filter` keeps the items whose title or summary match.
[[source]]
name = \"Example blog\"
kind = \"feed\"
url = \"https://blog.example.com/feed.xml\"
company = \"Example\"
filter = \"(?i)post-?mortem|incident|outage\"
enabled = false

# A status page's incidents (Atlassian Statuspage API).
[[source]]
name = \"Example status\"
kind = \"statuspage\"
url = \"https://status.example.com/api/v2/incidents.json\"
company = \"Example\"
enabled = false
"
    )
}

/// Why a config could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file is not TOML that `toml_edit` can keep intact.
    #[error("cannot edit {}: it is not valid TOML", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        #[source]
        source: Box<toml_edit::TomlError>,
    },
    /// `source` is written as something other than `[[source]]` tables.
    #[error("cannot append to {}: `source` is not written as `[[source]]` tables", path.display())]
    NotArrayOfTables {
        /// The file.
        path: PathBuf,
    },
    /// The edited file would not validate (a bug, or a name or URL TOML cannot hold).
    #[error("the edited config would not be valid")]
    Invalid {
        /// Every problem, as `pmagg` would report it on load.
        #[source]
        source: Box<ConfigError>,
    },
    /// No `[[source]]` has this name.
    #[error("{} has no source named {name:?} (see `pmagg sources`)", path.display())]
    NoSuchSource {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
    },
    /// The file changed between reading and writing.
    #[error("{} changed while it was being edited; run the command again", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing the file failed.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# header comment
[settings]
concurrency = 4 # inline comment

# The first source.
[[source]]
name = 'Acme'   # odd spacing and literal quotes survive
kind = \"feed\"
url = \"https://acme.example/feed.xml\"
# trailing comment
";

    fn new_source(name: &str, url: &str) -> NewSource {
        NewSource {
            name: name.into(),
            kind: SourceKind::Feed,
            url: Url::parse(url).unwrap(),
            company: name.into(),
            company_url: Some(Url::parse("https://b.example/").unwrap()),
        }
    }

    #[test]
    fn removes_enables_and_disables_a_source_keeping_the_rest() {
        let path = Path::new("s.toml");
        let two = append_sources(CONFIG, path, &[new_source("B", "https://b.example/f")]).unwrap();
        let disabled = edit_source(&two, path, "Acme", SourceEdit::Disable).unwrap();
        assert!(disabled.starts_with("# header comment\n[settings]\nconcurrency = 4 # inline"));
        assert!(disabled.contains("odd spacing and literal quotes survive"), "{disabled}");
        let config = crate::config::parse(&disabled, path).unwrap();
        assert!(!config.sources[0].enabled && config.sources[1].enabled);
        let enabled = edit_source(&disabled, path, "Acme", SourceEdit::Enable).unwrap();
        assert!(crate::config::parse(&enabled, path).unwrap().sources[0].enabled);

        let removed = edit_source(&two, path, "Acme", SourceEdit::Remove).unwrap();
        assert!(!removed.contains("The first source."), "its comment goes with it: {removed}");
        assert!(removed.contains("# header comment") && removed.contains("name = \"B\""));
        let removed = edit_source(&removed, path, "B", SourceEdit::Remove).unwrap();
        assert!(crate::config::parse(&removed, path).unwrap().sources.is_empty());
        let err = edit_source(CONFIG, path, "Nope", SourceEdit::Remove).unwrap_err();
        assert!(matches!(err, EditError::NoSuchSource { .. }), "{err}");
    }

    #[test]
    fn the_starter_config_validates_with_its_sources_disabled() {
        let text = starter_config(Path::new("docs/README.md"));
        let config = crate::config::parse(&text, Path::new("s.toml")).unwrap();
        assert_eq!(config.settings.readme.as_deref(), Some(Path::new("docs/README.md")));
        assert!(config.settings.archive_dir.is_some() && config.settings.feed.is_some());
        assert_eq!(config.sources.len(), 2);
        assert_eq!(config.enabled_sources().count(), 0);
    }

    #[test]
    fn save_creates_a_missing_file_but_never_replaces_one_that_appeared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.toml");
        save(&path, "", "[settings]\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[settings]\n");
        let err = save(&path, "", "x").unwrap_err();
        assert!(matches!(err, EditError::Changed { .. }), "{err}");
    }

    #[test]
    fn appends_after_everything_and_keeps_it_byte_for_byte() {
        let new = new_source("B \"quoted\" \\ name", "https://b.example/feed.xml");
        let out = append_sources(CONFIG, Path::new("s.toml"), std::slice::from_ref(&new)).unwrap();
        assert!(out.starts_with(CONFIG), "{out}");
        assert_eq!(
            &out[CONFIG.len()..],
            "\n[[source]]\nname = 'B \"quoted\" \\ name'\nkind = \"feed\"\n\
             url = \"https://b.example/feed.xml\"\ncompany = 'B \"quoted\" \\ name'\n\
             company_url = \"https://b.example/\"\n"
        );
        let config = crate::config::parse(&out, Path::new("s.toml")).unwrap();
        assert_eq!(config.sources[1].name.as_str(), "B \"quoted\" \\ name");
    }

    #[test]
    fn several_sources_missing_newlines_and_crlf() {
        let two = [new_source("B", "https://b.example/f"), new_source("C", "https://c.example/f")];
        let text = "[[source]]\nname = \"A\"\nkind = \"feed\"\nurl = \"https://a.example/f\"";
        let out = append_sources(text, Path::new("s.toml"), &two).unwrap();
        assert!(out.starts_with(&format!("{text}\n\n[[source]]\nname = \"B\"")), "{out}");
        assert!(out.contains("company_url = \"https://b.example/\"\n\n[[source]]\nname = \"C\""));
        assert_eq!(crate::config::parse(&out, Path::new("s.toml")).unwrap().sources.len(), 3);

        let crlf = text.replace('\n', "\r\n") + "\r\n";
        let out = append_sources(&crlf, Path::new("s.toml"), &two[..1]).unwrap();
        assert!(out.starts_with(&crlf) && !out[crlf.len()..].replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn refuses_what_it_cannot_append_to() {
        let new = [new_source("B", "https://b.example/f")];
        let inline = "source = [{ name = \"A\", kind = \"feed\", url = \"https://a.example/\" }]\n";
        assert!(matches!(
            append_sources(inline, Path::new("s.toml"), &new),
            Err(EditError::NotArrayOfTables { .. })
        ));
        assert!(matches!(
            append_sources("[[source]\n", Path::new("s.toml"), &new),
            Err(EditError::Toml { .. })
        ));
        // The result is validated: a duplicate name would be caught even if a caller forgot.
        let dup = [new_source("Acme", "https://b.example/f")];
        let err = append_sources(CONFIG, Path::new("s.toml"), &dup).unwrap_err();
        assert!(matches!(err, EditError::Invalid { .. }), "{err}");
    }

    #[test]
    fn conflicts_by_name_or_equivalent_url() {
        let config = crate::config::parse(CONFIG, Path::new("s.toml")).unwrap();
        let url = |u: &str| Url::parse(u).unwrap();
        let by_name = find_conflict(&config.sources, Some("Acme"), &url("https://x.example/"));
        assert!(matches!(by_name, Some(Conflict::Name { .. })));
        for same in ["http://ACME.example/feed.xml/", "https://acme.example:443/feed.xml#x"] {
            let found = find_conflict(&config.sources, Some("Other"), &url(same)).unwrap();
            assert_eq!(
                found.to_string(),
                format!(
                    "{} is already configured as source \"Acme\" (url https://acme.example/feed.xml)",
                    url(same)
                )
            );
        }
        for other in ["https://acme.example/feed.xml?page=2", "https://acme.example:8443/feed.xml"]
        {
            assert_eq!(find_conflict(&config.sources, None, &url(other)), None);
        }
    }

    #[test]
    fn a_file_without_sources_can_be_edited() {
        let config =
            parse_for_editing("[settings]\nconcurrency = 3\n", Path::new("s.toml")).unwrap();
        assert!(config.sources.is_empty());
        assert_eq!(config.settings.concurrency, 3);
        assert!(parse_for_editing("[settings]\nconcurrency = 0\n", Path::new("s.toml")).is_err());
        assert_eq!(parse_for_editing(CONFIG, Path::new("s.toml")).unwrap().sources.len(), 1);
        let out =
            append_sources("", Path::new("s.toml"), &[new_source("B", "https://b.example/f")]);
        assert!(out.unwrap().starts_with("[[source]]\n"));
    }

    #[test]
    fn unique_names_count_up() {
        let taken = ["A", "A (2)"];
        assert_eq!(unique_name("A", |n| taken.contains(&n)), "A (3)");
        assert_eq!(unique_name("B", |n| taken.contains(&n)), "B");
    }

    #[test]
    fn save_replaces_atomically_and_refuses_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        std::fs::write(&path, "a").unwrap();
        save(&path, "a", "b").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b");
        assert!(matches!(save(&path, "a", "c"), Err(EditError::Changed { .. })));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
