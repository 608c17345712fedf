//! `pmagg sources import-opml FILE` and `pmagg sources export-opml`.
//!
//! Import reads the file with `parse::discover::opml`, turns every feed into a
//! `kind = "feed"` source and appends them through `config::edit`. Export writes OPML 2.0
//! here, as any other command output: the config is the data, this is one way to print it.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context as _;
use url::Url;

use super::{load_config, read_config_for_editing};
use crate::cli::{Cli, ImportOpmlArgs};
use crate::config::Source;
use crate::config::edit::{self, NewSource};
use crate::model::SourceKind;
use crate::parse::discover::{self, opml};

/// An outline that was not imported, and why.
struct Skipped {
    title: String,
    url: String,
    reason: String,
}

pub(super) fn import(cli: &Cli, args: &ImportOpmlArgs) -> anyhow::Result<()> {
    let (text, config) = read_config_for_editing(&cli.config)?;
    let body = std::fs::read(&args.file)
        .with_context(|| format!("cannot read OPML file {}", args.file.display()))?;
    let feeds = opml::parse_opml(&body, &args.file)?;
    let (added, skipped) = plan_import(&config.sources, feeds);

    let mut out = super::super::stdout();
    if args.dry_run {
        // TOML comments, so that the output can still be appended to a config as it is.
        for skip in &skipped {
            writeln!(out, "# skipped {} ({}): {}", skip.title, skip.url, skip.reason)?;
        }
        if !skipped.is_empty() && !added.is_empty() {
            writeln!(out)?;
        }
        write!(out, "{}", edit::render_sources(&added))?;
        return Ok(());
    }
    if !added.is_empty() {
        let edited = edit::append_sources(&text, &cli.config, &added)?;
        edit::save(&cli.config, &text, &edited)?;
    }
    writeln!(
        out,
        "added {} source{} to {}{}",
        added.len(),
        if added.len() == 1 { "" } else { "s" },
        cli.config.display(),
        if skipped.is_empty() { String::new() } else { format!("; skipped {}:", skipped.len()) }
    )?;
    for skip in &skipped {
        writeln!(out, "  {} ({}): {}", skip.title, skip.url, skip.reason)?;
    }
    Ok(())
}

/// Which outlines become sources, with unique names, and which are skipped.
fn plan_import(existing: &[Source], feeds: Vec<opml::OpmlFeed>) -> (Vec<NewSource>, Vec<Skipped>) {
    let mut taken: HashSet<String> = existing.iter().map(|s| s.name.to_string()).collect();
    let mut added: Vec<NewSource> = Vec::new();
    let mut skipped = Vec::new();
    for feed in feeds {
        let title = feed.title.clone().unwrap_or_else(|| "(untitled)".to_owned());
        let mut skip = |reason: String| {
            skipped.push(Skipped { title: title.clone(), url: feed.xml_url.clone(), reason });
        };
        let url = match Url::parse(&feed.xml_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
            _ => {
                skip("not an http or https URL".to_owned());
                continue;
            }
        };
        if let Some(conflict) = edit::find_conflict(existing, None, &url) {
            skip(match conflict {
                edit::Conflict::Url { existing, .. } => {
                    format!("already configured as source {existing:?}")
                }
                other @ edit::Conflict::Name { .. } => other.to_string(),
            });
            continue;
        }
        if let Some(first) = added.iter().find(|s| edit::same_url(&s.url, &url)) {
            skip(format!("listed twice in the file (imported as {:?})", first.name));
            continue;
        }
        let base = feed
            .title
            .as_deref()
            .and_then(discover::clean_name)
            .unwrap_or_else(|| discover::name_from_host(&url));
        let name = edit::unique_name(&base, |n| taken.contains(n));
        taken.insert(name.clone());
        let company_url = feed
            .html_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        added.push(NewSource { name, kind: SourceKind::Feed, url, company: base, company_url });
    }
    (added, skipped)
}

pub(super) fn export(cli: &Cli) -> anyhow::Result<()> {
    let config = load_config(cli)?;
    let feeds: Vec<&Source> =
        config.sources.iter().filter(|s| s.kind == SourceKind::Feed).collect();
    let mut out = super::super::stdout();
    out.write_all(render_opml(&feeds).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// OPML 2.0 with one `<outline type="rss">` per feed source, in config order. Disabled
/// sources are included: the file lists what is configured, not what is polled.
fn render_opml(feeds: &[&Source]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    \
         <title>pmagg feed sources</title>\n  </head>\n  <body>\n",
    );
    for source in feeds {
        let name = xml_attribute(source.name.as_str());
        let _ = write!(
            out,
            "    <outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{}\"",
            xml_attribute(source.url.as_str())
        );
        if let Some(html) = &source.company_url {
            let _ = write!(out, " htmlUrl=\"{}\"", xml_attribute(html.as_str()));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// Escapes text for a double-quoted XML attribute. Tabs and line breaks become character
/// references, since a parser would otherwise normalise them to spaces (XML 1.0 §3.3.3);
/// other control characters cannot appear in XML 1.0 at all and are dropped.
fn xml_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(text: &str) -> crate::config::Config {
        crate::config::parse(text, Path::new("s.toml")).unwrap()
    }

    #[test]
    fn export_escapes_what_xml_needs_and_reads_back() {
        let config = config(
            "[[source]]\nname = \"Q&A <\\\"Ops\\\"> 'weekly'\\tnews\\u0001\"\nkind = \"feed\"\n\
             url = \"https://q.example/feed?a=1&b=2\"\ncompany_url = \"https://q.example/\"\n\
             [[source]]\nname = \"Status\"\nkind = \"statuspage\"\nurl = \"https://s.example/\"\n",
        );
        let feeds: Vec<&Source> =
            config.sources.iter().filter(|s| s.kind == SourceKind::Feed).collect();
        let xml = render_opml(&feeds);
        assert!(
            xml.contains(
                "title=\"Q&amp;A &lt;&quot;Ops&quot;&gt; &apos;weekly&apos;&#9;news\" \
                 xmlUrl=\"https://q.example/feed?a=1&amp;b=2\" htmlUrl=\"https://q.example/\"/>"
            ),
            "{xml}"
        );
        assert!(!xml.contains("s.example"), "only feeds are exported: {xml}");
        let back = opml::parse_opml(xml.as_bytes(), Path::new("x.opml")).unwrap();
        assert_eq!(back.len(), 1);
        // The tab survives as a character reference, then the reader collapses whitespace.
        assert_eq!(back[0].title.as_deref(), Some("Q&A <\"Ops\"> 'weekly' news"));
        assert_eq!(back[0].xml_url, "https://q.example/feed?a=1&b=2");
    }

    #[test]
    fn import_skips_configured_and_repeated_urls_and_numbers_names() {
        let existing = config(
            "[[source]]\nname = \"Acme\"\nkind = \"feed\"\nurl = \"https://acme.example/feed.xml\"\n",
        );
        let feed = |title: Option<&str>, url: &str, html: Option<&str>| opml::OpmlFeed {
            title: title.map(str::to_owned),
            xml_url: url.to_owned(),
            html_url: html.map(str::to_owned),
        };
        let (added, skipped) = plan_import(
            &existing.sources,
            vec![
                feed(Some("Acme"), "http://acme.example/feed.xml/", None),
                feed(Some("Acme"), "https://acme.example/other.xml", Some("https://acme.example/")),
                feed(Some("Acme"), "https://acme.example/third.xml", Some("not a url")),
                feed(None, "https://www.bare.example/rss", None),
                feed(Some("Again"), "https://www.bare.example/rss", None),
                feed(Some("Bad"), "ftp://x.example/feed", None),
            ],
        );
        let names: Vec<_> = added.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Acme (2)", "Acme (3)", "bare.example"]);
        assert_eq!(added[0].company, "Acme");
        assert_eq!(added[0].company_url.as_ref().map(Url::as_str), Some("https://acme.example/"));
        assert_eq!(added[1].company_url, None);
        let reasons: Vec<_> = skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "already configured as source \"Acme\"",
                "listed twice in the file (imported as \"bare.example\")",
                "not an http or https URL",
            ]
        );
    }
}
