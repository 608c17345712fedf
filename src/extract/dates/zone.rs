//! Time zones as reports write them ("PST", "UTC+2", "US/Pacific", "Central European
//! Time"): fixed offsets, and the US and EU daylight-saving rules, so no tz database is needed.

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, Utc, Weekday};

/// A time zone as reports write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    /// A fixed offset in seconds east of UTC (`UTC`, `EST`, `CEST`, `UTC+2`).
    Fixed(i32),
    /// A US zone with daylight saving (`PT`, `US/Pacific`): standard offset in hours.
    Us(i32),
    /// A European zone with summer time (`Europe/Berlin`): standard offset in hours.
    Eu(i32),
}

impl Zone {
    /// The UTC offset in force at a local date and time.
    pub(crate) fn offset_at(self, local: NaiveDateTime) -> FixedOffset {
        let seconds = match self {
            Zone::Fixed(s) => s,
            Zone::Us(h) => (h + i32::from(us_dst(local))) * 3600,
            Zone::Eu(h) => (h + i32::from(eu_dst(local.date()))) * 3600,
        };
        FixedOffset::east_opt(seconds).unwrap_or_else(|| Utc.fix())
    }
}

fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

fn last_weekday(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    nth_weekday(year, month, weekday, 5).or_else(|| nth_weekday(year, month, weekday, 4))
}

/// US daylight saving: second Sunday of March 02:00 to first Sunday of November 02:00.
fn us_dst(local: NaiveDateTime) -> bool {
    let year = local.year();
    match (nth_weekday(year, 3, Weekday::Sun, 2), nth_weekday(year, 11, Weekday::Sun, 1)) {
        (Some(start), Some(end)) => {
            let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN);
            local >= start.and_time(two) && local < end.and_time(two)
        }
        _ => false,
    }
}

/// EU summer time: last Sunday of March to last Sunday of October (by date).
fn eu_dst(date: NaiveDate) -> bool {
    match (last_weekday(date.year(), 3, Weekday::Sun), last_weekday(date.year(), 10, Weekday::Sun))
    {
        (Some(start), Some(end)) => date >= start && date < end,
        _ => false,
    }
}

/// Zone names and abbreviations that reports use, in the form the regexes match.
pub(super) const ZONE_PATTERN: &str = r"UTC(?:\s?[+-]\s?\d{1,2}(?::?\d{2})?)?|GMT(?:\s?[+-]\s?\d{1,2}(?::?\d{2})?)?|US/(?:Pacific|Eastern|Central|Mountain)|America/(?:Los_Angeles|New_York|Chicago|Denver)|Europe/(?:London|Dublin|Lisbon|Berlin|Paris|Amsterdam|Copenhagen|Madrid|Rome|Stockholm|Oslo|Warsaw|Brussels|Vienna|Zurich)|(?:Pacific|Eastern|Central|Mountain) (?:Standard |Daylight )?Time|AKST|AKDT|AEST|AEDT|ACST|AWST|NZST|NZDT|CEST|EEST|WEST|SAST|HST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|CET|EET|WET|BST|IST|JST|KST|EAT|WAT|CAT|MSK|HKT|SGT|PHT|WIB|ICT|BRT|ART|PT|ET|CT|MT";

/// Parses a zone as matched by [`ZONE_PATTERN`].
pub(crate) fn parse_zone(name: &str) -> Option<Zone> {
    let name = name.trim();
    let hours = |h: i32| Some(Zone::Fixed(h * 3600));
    if let Some(rest) = name.strip_prefix("UTC").or_else(|| name.strip_prefix("GMT")) {
        let rest: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
        if rest.is_empty() {
            return hours(0);
        }
        let sign = if rest.starts_with('-') { -1 } else { 1 };
        let digits = rest.trim_start_matches(['+', '-']).replace(':', "");
        let (h, m) = if digits.len() > 2 {
            digits.split_at(digits.len() - 2)
        } else {
            (digits.as_str(), "0")
        };
        let h: i32 = h.parse().ok()?;
        let m: i32 = m.parse().ok()?;
        return Some(Zone::Fixed(sign * (h * 3600 + m * 60)));
    }
    let zone = match name {
        "US/Pacific" | "America/Los_Angeles" | "PT" => Zone::Us(-8),
        "US/Mountain" | "America/Denver" | "MT" => Zone::Us(-7),
        "US/Central" | "America/Chicago" | "CT" => Zone::Us(-6),
        "US/Eastern" | "America/New_York" | "ET" => Zone::Us(-5),
        "Europe/London" | "Europe/Dublin" | "Europe/Lisbon" => Zone::Eu(0),
        n if n.starts_with("Europe/") => Zone::Eu(1),
        n if n.ends_with(" Time") => {
            let std = match n.split(' ').next() {
                Some("Pacific") => -8,
                Some("Mountain") => -7,
                Some("Central") => -6,
                _ => -5,
            };
            if n.contains("Standard") {
                Zone::Fixed(std * 3600)
            } else if n.contains("Daylight") {
                Zone::Fixed((std + 1) * 3600)
            } else {
                Zone::Us(std)
            }
        }
        "EDT" => Zone::Fixed(-4 * 3600),
        "EST" | "CDT" => Zone::Fixed(-5 * 3600),
        "CST" | "MDT" => Zone::Fixed(-6 * 3600),
        "MST" | "PDT" => Zone::Fixed(-7 * 3600),
        "PST" | "AKDT" => Zone::Fixed(-8 * 3600),
        "AKST" => Zone::Fixed(-9 * 3600),
        "HST" => Zone::Fixed(-10 * 3600),
        "WET" => Zone::Fixed(0),
        "CET" | "WEST" | "BST" | "WAT" => Zone::Fixed(3600),
        "CEST" | "EET" | "CAT" | "SAST" => Zone::Fixed(2 * 3600),
        "EEST" | "EAT" | "MSK" => Zone::Fixed(3 * 3600),
        "IST" => Zone::Fixed(5 * 3600 + 1800),
        "ICT" | "WIB" => Zone::Fixed(7 * 3600),
        "HKT" | "SGT" | "PHT" | "AWST" => Zone::Fixed(8 * 3600),
        "JST" | "KST" => Zone::Fixed(9 * 3600),
        "ACST" => Zone::Fixed(9 * 3600 + 1800),
        "AEST" => Zone::Fixed(10 * 3600),
        "AEDT" => Zone::Fixed(11 * 3600),
        "NZST" => Zone::Fixed(12 * 3600),
        "NZDT" => Zone::Fixed(13 * 3600),
        "BRT" | "ART" => Zone::Fixed(-3 * 3600),
        _ => return None,
    };
    Some(zone)
}
