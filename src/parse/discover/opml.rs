//! OPML subscription lists → the feeds they name.
//!
//! Takes an OPML file's bytes (any version: 1.0 and 2.0 read alike here) and returns every
//! `<outline>` with an `xmlUrl`, at any depth, in document order. The XML's declared encoding
//! is honoured. Nothing is fetched and nothing is checked against the config: `commands`
//! decides what to import.

use std::path::{Path, PathBuf};

use quick_xml::XmlVersion;
use quick_xml::encoding::DecodingReader;
use quick_xml::events::{BytesStart, Event};

/// One feed of an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// `title`, else `text`, whitespace collapsed; `None` when both are empty.
    pub title: Option<String>,
    /// `xmlUrl` as written (trimmed); the caller checks that it is a URL.
    pub xml_url: String,
    /// `htmlUrl` as written (trimmed), if any.
    pub html_url: Option<String>,
}

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// The XML is malformed.
    #[error("{} is not well-formed XML (at byte {position})", file.display())]
    Xml {
        /// The file.
        file: PathBuf,
        /// Where the reader stopped.
        position: u64,
        /// What the XML reader said.
        #[source]
        source: quick_xml::Error,
    },
    /// An attribute could not be read (bad quoting or an unknown entity).
    #[error("{} has a bad attribute in an <outline> (at byte {position})", file.display())]
    Attribute {
        /// The file.
        file: PathBuf,
        /// Where the reader stopped.
        position: u64,
        /// What the XML reader said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Well-formed XML, but not OPML.
    #[error("{} is not OPML: its root element is <{root}>, not <opml>", file.display())]
    NotOpml {
        /// The file.
        file: PathBuf,
        /// The root element found.
        root: String,
    },
}

/// Every outline with an `xmlUrl`, in document order; `file` only names the file in errors.
pub fn parse_opml(body: &[u8], file: &Path) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = quick_xml::Reader::from_reader(DecodingReader::new(body));
    let mut buf = Vec::new();
    let mut feeds = Vec::new();
    let mut saw_root = false;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|source| OpmlError::Xml {
            file: file.to_owned(),
            position,
            source,
        })?;
        match event {
            Event::Start(element) | Event::Empty(element) => {
                let name = element.local_name().as_ref().to_owned();
                if !saw_root {
                    saw_root = true;
                    if !name.eq_ignore_ascii_case("opml") {
                        return Err(OpmlError::NotOpml { file: file.to_owned(), root: name });
                    }
                } else if name.eq_ignore_ascii_case("outline")
                    && let Some(feed) = read_outline(&element, file, position)?
                {
                    feeds.push(feed);
                }
            }
            // The reader starts out guessing (BOM or UTF-8); the declaration has the last word.
            Event::Decl(declaration) => {
                if let Some(encoding) = declaration.encoder() {
                    reader.get_mut().set_encoding(encoding);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(OpmlError::NotOpml { file: file.to_owned(), root: String::new() });
    }
    Ok(feeds)
}

/// An outline's feed, if it has an `xmlUrl`. Attribute names are matched without regard to
/// case: `xmlurl` and `htmlurl` are common in exports.
fn read_outline(
    element: &BytesStart<'_>,
    file: &Path,
    position: u64,
) -> Result<Option<OpmlFeed>, OpmlError> {
    let bad = |err: Box<dyn std::error::Error + Send + Sync>| OpmlError::Attribute {
        file: file.to_owned(),
        position,
        source: err,
    };
    let (mut title, mut text, mut xml_url, mut html_url) = (None, None, None, None);
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|err| bad(Box::new(err)))?;
        let key = attribute.key.local_name().as_ref().to_ascii_lowercase();
        let slot = match key.as_str() {
            "title" => &mut title,
            "text" => &mut text,
            "xmlurl" => &mut xml_url,
            "htmlurl" => &mut html_url,
            _ => continue,
        };
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| bad(Box::new(err)))?;
        *slot = Some(value.into_owned());
    }
    let collapse = |value: Option<String>| {
        value.map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|v| !v.is_empty())
    };
    let Some(xml_url) = collapse(xml_url) else {
        return Ok(None);
    };
    Ok(Some(OpmlFeed {
        title: collapse(title).or_else(|| collapse(text)),
        xml_url,
        html_url: collapse(html_url),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_outlines_with_feeds_are_read_in_order() {
        let opml = br#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Blogs</title></head><body>
  <outline text="Engineering Blogs" title="Engineering Blogs">
    <outline type="rss" text="8th Light" title="8th Light" xmlUrl="https://8thlight.com/insights/feed/rss.xml" htmlUrl="https://8thlight.com/blog/"/>
    <outline type="rss" text="Only text" xmlurl=" http://tech.example/feed.xml "/>
  </outline>
  <outline text="Not a feed"/>
  <outline type="rss" title="Q&amp;A &quot;Ops&quot; &lt;weekly&gt;" xmlUrl="https://q.example/feed?a=1&amp;b=2"></outline>
</body></opml>"#;
        let feeds = parse_opml(opml, Path::new("f.opml")).unwrap();
        assert_eq!(
            feeds,
            [
                OpmlFeed {
                    title: Some("8th Light".into()),
                    xml_url: "https://8thlight.com/insights/feed/rss.xml".into(),
                    html_url: Some("https://8thlight.com/blog/".into()),
                },
                OpmlFeed {
                    title: Some("Only text".into()),
                    xml_url: "http://tech.example/feed.xml".into(),
                    html_url: None,
                },
                OpmlFeed {
                    title: Some("Q&A \"Ops\" <weekly>".into()),
                    xml_url: "https://q.example/feed?a=1&b=2".into(),
                    html_url: None,
                },
            ]
        );
    }

    #[test]
    fn declared_encoding_is_honoured() {
        let mut opml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml version=\"2.0\"><body><outline title=\"Caf".to_vec();
        opml.push(0xe9);
        opml.extend_from_slice(b"\" xmlUrl=\"https://cafe.example/feed\"/></body></opml>");
        assert_eq!(
            parse_opml(&opml, Path::new("f.opml")).unwrap()[0].title.as_deref(),
            Some("Café")
        );
    }

    #[test]
    fn broken_and_foreign_documents_are_errors() {
        let err =
            parse_opml(b"<opml><body><outline xmlUrl=\"x></body></opml>", Path::new("f.opml"))
                .unwrap_err();
        assert!(matches!(err, OpmlError::Xml { .. } | OpmlError::Attribute { .. }), "{err}");
        let err =
            parse_opml(b"<rss version=\"2.0\"><channel/></rss>", Path::new("f.opml")).unwrap_err();
        assert_eq!(err.to_string(), "f.opml is not OPML: its root element is <rss>, not <opml>");
        assert!(matches!(
            parse_opml(b"", Path::new("f.opml")).unwrap_err(),
            OpmlError::NotOpml { .. }
        ));
    }
}
