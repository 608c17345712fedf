//! What a body is before it is parsed: binary (never a document), JSON from an API pmagg
//! reads, or a document. For `pmagg extract`, which takes any file it is given.
//!
//! Pure: takes bytes, returns a verdict; reads no file and decodes nothing beyond the
//! first bytes.

/// How many leading bytes are enough to tell a binary format or a known API's JSON.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Binary formats known by their first bytes, with a name for error messages.
const MAGIC: &[(&[u8], &str)] = &[
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a docx/xlsx/jar)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"BZh", "a bzip2 file"),
    (b"\xfd7zXZ\x00", "an xz file"),
    (b"\x28\xb5\x2f\xfd", "a zstd file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"\x00asm", "a WebAssembly module"),
    (b"RIFF", "a RIFF file (WAV, AVI, WebP)"),
    (b"OggS", "an Ogg file"),
    (b"ID3", "an MP3 file"),
    (b"\x00\x00\x01\x00", "an icon"),
];

/// What kind of binary `bytes` starts as, or `None` for what may be text. A NUL byte
/// anywhere in `bytes` makes it binary: no HTML, markdown or JSON document holds one.
pub fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    if let Some((_, name)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        // "MZ" and "ID3"/"BZh" also start words; a text file that starts with them has no
        // NUL byte within its first bytes, an executable always does.
        let weak = matches!(*name, "a Windows executable" | "an MP3 file" | "a bzip2 file");
        if !weak || bytes.iter().take(SNIFF_BYTES).any(|&b| b == 0) {
            return Some(name);
        }
    }
    bytes.contains(&0).then_some("binary data (it holds NUL bytes)")
}

/// JSON that an API parser of pmagg reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiJson {
    /// A Statuspage (or incident.io) `incidents.json`, or the manage API's incident array.
    StatuspageIncidents,
    /// A Google Cloud (or Google Workspace) `incidents.json`.
    GcpIncidents,
    /// An incident.io incident detail document.
    IncidentioDetail,
}

impl ApiJson {
    /// The API's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ApiJson::StatuspageIncidents => "a Statuspage incidents.json",
            ApiJson::GcpIncidents => "a Google Cloud incidents.json",
            ApiJson::IncidentioDetail => "an incident.io incident",
        }
    }
}

/// What JSON `bytes` looks like: `None` when it is not JSON at all (it does not start with
/// `{` or `[`), `Some(None)` when it is JSON of no API pmagg reads. Decided on the keys in
/// the first [`SNIFF_BYTES`], without parsing.
pub fn api_json(bytes: &[u8]) -> Option<Option<ApiJson>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if !matches!(first, b'{' | b'[') {
        return None;
    }
    let head = &body[..body.len().min(SNIFF_BYTES)];
    let has = |key: &str| head.windows(key.len()).any(|w| w == key.as_bytes());
    let statuspage = has("\"incident_updates\"") || has("\"postmortem_body\"");
    let gcp = has("\"external_desc\"") || has("\"most_recent_update\"");
    Some(if gcp && *first == b'[' {
        Some(ApiJson::GcpIncidents)
    } else if statuspage || (*first == b'{' && has("\"incidents\"") && has("\"page\"")) {
        Some(ApiJson::StatuspageIncidents)
    } else if *first == b'{'
        && has("\"incident\"")
        && (has("\"updates\"") || has("\"message_string\""))
    {
        Some(ApiJson::IncidentioDetail)
    } else {
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_are_told_by_magic_or_nul() {
        assert_eq!(binary_kind(b"\x7fELF\x02\x01\x01\x00\x00"), Some("an ELF executable"));
        assert_eq!(binary_kind(b"\x89PNG\r\n\x1a\n\x00\x00"), Some("a PNG image"));
        assert_eq!(binary_kind(b"%PDF-1.7\n"), Some("a PDF document"));
        assert_eq!(binary_kind(b"\x1f\x8b\x08\x00"), Some("a gzip file"));
        assert_eq!(binary_kind(b"# Report\n\nok\x00"), Some("binary data (it holds NUL bytes)"));
        assert_eq!(binary_kind(b"# Postmortem\n\nThe database failed."), None);
        assert_eq!(binary_kind(b"MZ is a word here, and this is text."), None);
        assert_eq!(binary_kind("<html>café</html>".as_bytes()), None);
    }

    #[test]
    fn api_json_is_told_by_its_keys() {
        let statuspage = br#"{"page":{"id":"x"},"incidents":[{"id":"a","incident_updates":[]}]}"#;
        assert_eq!(api_json(statuspage), Some(Some(ApiJson::StatuspageIncidents)));
        let gcp = br#"[{"id":"a","external_desc":"x","most_recent_update":{}}]"#;
        assert_eq!(api_json(gcp), Some(Some(ApiJson::GcpIncidents)));
        let detail = br#"{"incident":{"id":"01H","updates":[{"message_string":"x"}]}}"#;
        assert_eq!(api_json(detail), Some(Some(ApiJson::IncidentioDetail)));
        assert_eq!(api_json(br#"{"name":"package.json"}"#), Some(None));
        assert_eq!(api_json(b"# A document"), None);
    }
}
