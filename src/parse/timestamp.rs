//! Timestamps as sources write them → UTC: the one reader every parser in `parse` uses.
//!
//! Two strictnesses, because the inputs differ. A status-page API (Statuspage, incident.io,
//! Google Cloud) writes machine timestamps: [`api_timestamp`] reads RFC 3339 with any offset,
//! or a date and time without one (taken as UTC), and nothing else. Page metadata and front
//! matter are written by people and by many generators: [`metadata_timestamp`] also reads
//! RFC 2822, a date-time to the minute, and a bare date (midnight UTC).
//!
//! Anything unreadable is absent, never an error: one odd timestamp must not cost the whole
//! document. Pure: no clock, no I/O.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Reads a status-page API timestamp: RFC 3339 with any offset (`2019-02-20T12:00:19.418-06:00`),
/// or a date and time without one (`2014-05-14 14:24:40`), taken as UTC.
pub(crate) fn api_timestamp(value: Option<&str>) -> Option<DateTime<Utc>> {
    let value = value?.trim();
    rfc3339(value).or_else(|| naive(value, &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]))
}

/// Reads a metadata timestamp (`<time datetime>`, JSON-LD, front matter): RFC 3339, RFC 2822,
/// a naive date-time (taken as UTC) or a date (midnight UTC).
pub(crate) fn metadata_timestamp(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Some(time) = rfc3339(value) {
        return Some(time);
    }
    if let Ok(time) = DateTime::parse_from_rfc2822(value) {
        return Some(time.with_timezone(&Utc));
    }
    if let Some(time) =
        naive(value, &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"])
    {
        return Some(time);
    }
    let date = value.get(..10).unwrap_or(value);
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn rfc3339(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value).ok().map(|time| time.with_timezone(&Utc))
}

/// The first of `formats` that reads `value` as a date and time without an offset, as UTC.
fn naive(value: &str, formats: &[&str]) -> Option<DateTime<Utc>> {
    formats
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|time| time.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(time: Option<DateTime<Utc>>) -> String {
        time.map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn api_timestamps_are_strict() {
        assert_eq!(
            utc(api_timestamp(Some("2019-02-20T12:00:19.418-06:00"))),
            "2019-02-20T18:00:19.418+00:00"
        );
        assert_eq!(utc(api_timestamp(Some(" 2014-05-14 14:24:40 "))), "2014-05-14T14:24:40+00:00");
        assert_eq!(
            utc(api_timestamp(Some("2014-05-14T14:24:40.5"))),
            "2014-05-14T14:24:40.500+00:00"
        );
        for odd in ["yesterday", "2014-05-14", "Wed, 14 May 2014 14:24:40 GMT", ""] {
            assert_eq!(api_timestamp(Some(odd)), None, "{odd}");
        }
        assert_eq!(api_timestamp(None), None);
    }

    #[test]
    fn metadata_timestamps_are_lenient() {
        assert_eq!(utc(metadata_timestamp("2014-05-14T14:24:40Z")), "2014-05-14T14:24:40+00:00");
        assert_eq!(
            utc(metadata_timestamp("Wed, 14 May 2014 14:24:40 +0200")),
            "2014-05-14T12:24:40+00:00"
        );
        assert_eq!(utc(metadata_timestamp("2014-05-14T14:24")), "2014-05-14T14:24:00+00:00");
        assert_eq!(utc(metadata_timestamp("2014-05-14 14:24:40")), "2014-05-14T14:24:40+00:00");
        // A date, or a date followed by what no format reads, is midnight of that date.
        assert_eq!(utc(metadata_timestamp("2014-05-14")), "2014-05-14T00:00:00+00:00");
        assert_eq!(utc(metadata_timestamp("2014-05-14 14:24:40.5")), "2014-05-14T00:00:00+00:00");
        assert_eq!(metadata_timestamp("May 2014"), None);
    }
}
