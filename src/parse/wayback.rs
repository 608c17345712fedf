//! The Wayback Machine's JSON answers (issue #18): the CDX API, the availability API and
//! Save Page Now's job status. Pure: bytes in, typed values out; an answer that is not what
//! the API documents reads as "nothing found", never as an error that stops a pass.

use serde::Deserialize;

/// A capture the archive holds: its 14-digit timestamp and the URL it captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// `YYYYMMDDhhmmss`.
    pub timestamp: String,
    /// The URL as captured.
    pub original: String,
}

/// The first capture of a CDX answer with `output=json&fl=timestamp,original`: an array of
/// rows whose first row names the fields.
pub fn parse_cdx(body: &[u8]) -> Option<Capture> {
    let rows: Vec<Vec<String>> = serde_json::from_slice(body).ok()?;
    let header = rows.first()?;
    let ts = header.iter().position(|f| f == "timestamp")?;
    let original = header.iter().position(|f| f == "original")?;
    let row = rows.get(1)?;
    Some(Capture {
        timestamp: valid_timestamp(row.get(ts)?)?,
        original: row.get(original)?.clone(),
    })
}

#[derive(Deserialize)]
struct Availability {
    archived_snapshots: Option<Snapshots>,
}

#[derive(Deserialize)]
struct Snapshots {
    closest: Option<Closest>,
}

#[derive(Deserialize)]
struct Closest {
    #[serde(default)]
    available: bool,
    status: Option<String>,
    timestamp: Option<String>,
}

/// The closest capture of an availability answer, when it is available and answered 200.
/// The original URL is the one asked about (`asked`).
pub fn parse_availability(body: &[u8], asked: &str) -> Option<Capture> {
    let answer: Availability = serde_json::from_slice(body).ok()?;
    let closest = answer.archived_snapshots?.closest?;
    if !closest.available || closest.status.as_deref().is_some_and(|s| s != "200") {
        return None;
    }
    Some(Capture { timestamp: valid_timestamp(&closest.timestamp?)?, original: asked.to_owned() })
}

/// A Save Page Now job, as its submission or its status answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveJob {
    /// Submitted: poll this job.
    Submitted {
        /// The job's id.
        job_id: String,
    },
    /// Still running.
    Pending,
    /// Done: the capture.
    Success {
        /// Its timestamp.
        timestamp: String,
    },
    /// The archive refused or failed it.
    Failed {
        /// What the archive said.
        message: String,
    },
}

#[derive(Deserialize)]
struct SaveAnswer {
    job_id: Option<String>,
    status: Option<String>,
    timestamp: Option<String>,
    message: Option<String>,
    status_ext: Option<String>,
}

/// Reads a Save Page Now answer (a submission's or a status poll's).
pub fn parse_save(body: &[u8]) -> SaveJob {
    let Ok(answer) = serde_json::from_slice::<SaveAnswer>(body) else {
        return SaveJob::Failed { message: "not a Save Page Now answer".into() };
    };
    match answer.status.as_deref() {
        Some("pending") => SaveJob::Pending,
        Some("success") => match answer.timestamp.as_deref().and_then(valid_timestamp) {
            Some(timestamp) => SaveJob::Success { timestamp },
            None => SaveJob::Failed { message: "success without a timestamp".into() },
        },
        Some(_) => SaveJob::Failed {
            message: answer.message.or(answer.status_ext).unwrap_or_else(|| "error".into()),
        },
        None => match answer.job_id {
            Some(job_id) if !job_id.is_empty() => SaveJob::Submitted { job_id },
            _ => SaveJob::Failed {
                message: answer.message.unwrap_or_else(|| "no job id in the answer".into()),
            },
        },
    }
}

/// 14 ASCII digits (shorter ones are padded, as the archive accepts them), else nothing.
fn valid_timestamp(ts: &str) -> Option<String> {
    if ts.is_empty() || ts.len() > 14 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{ts:0<14}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdx_rows_and_empty_answers() {
        let body = br#"[["timestamp","original"],["20190301120000","http://a.example/pm"]]"#;
        assert_eq!(
            parse_cdx(body),
            Some(Capture {
                timestamp: "20190301120000".into(),
                original: "http://a.example/pm".into()
            })
        );
        assert_eq!(parse_cdx(b"[]"), None);
        assert_eq!(parse_cdx(br#"[["timestamp","original"]]"#), None);
        assert_eq!(parse_cdx(b"<html>"), None);
    }

    #[test]
    fn availability_needs_a_200_capture() {
        let ok = br#"{"archived_snapshots":{"closest":{"available":true,"url":"http://web.archive.org/web/20190301000000/a","timestamp":"20190301000000","status":"200"}}}"#;
        assert_eq!(parse_availability(ok, "a").unwrap().timestamp, "20190301000000");
        assert_eq!(parse_availability(br#"{"archived_snapshots":{}}"#, "a"), None);
        let not_ok = br#"{"archived_snapshots":{"closest":{"available":true,"timestamp":"20190301000000","status":"404"}}}"#;
        assert_eq!(parse_availability(not_ok, "a"), None);
    }

    #[test]
    fn save_page_now_answers() {
        assert_eq!(
            parse_save(br#"{"url":"u","job_id":"spn2-1"}"#),
            SaveJob::Submitted { job_id: "spn2-1".into() }
        );
        assert_eq!(parse_save(br#"{"status":"pending","job_id":"spn2-1"}"#), SaveJob::Pending);
        assert_eq!(
            parse_save(br#"{"status":"success","timestamp":"20240101000000"}"#),
            SaveJob::Success { timestamp: "20240101000000".into() }
        );
        assert!(matches!(
            parse_save(br#"{"status":"error","message":"blocked"}"#),
            SaveJob::Failed { .. }
        ));
    }
}
