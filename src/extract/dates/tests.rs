use super::*;
use crate::extract::sections::read_sections;
use crate::model::Document;

fn dates_of(blocks: Vec<Block>) -> Dates {
    let doc = Document { blocks, ..Document::default() };
    let sections = read_sections(&doc);
    extract_dates(None, &sections, None, None, &Hints::default(), &Mentions::default())
}
fn p(text: &str) -> Block {
    Block::Paragraph { text: text.into() }
}
fn h(level: u8, text: &str) -> Block {
    Block::Heading { level, text: text.into() }
}
fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}
fn utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

#[test]
fn regex_literals_compile() {
    for re in
        [&*RE_RANGE_GAP, &*RE_DURATION, &*RE_DURATION_CONTEXT, &*RE_DEFAULT_ZONE, &*RE_URL_DAY]
    {
        assert!(!re.as_str().is_empty());
    }
}

#[test]
fn duration_label_with_range_and_zone() {
    let d = dates_of(vec![
        h(1, "Issue Summary"),
        h(4, "Duration"),
        p("December 21, 2023, 02:00 - 06:00 (EST)"),
    ]);
    assert_eq!(d.incident_date, ymd(2023, 12, 21));
    assert_eq!(d.start, utc("2023-12-21T07:00:00Z"));
    assert_eq!(d.end, utc("2023-12-21T11:00:00Z"));
    assert_eq!(d.duration_minutes, Some(240));
}

#[test]
fn between_times_on_a_date() {
    let d = dates_of(vec![p(
        "Between 3:16 PM PST and 7:38 PM PST on December 11, 2024, all ChatGPT users saw errors.",
    )]);
    assert_eq!(d.incident_date, ymd(2024, 12, 11));
    assert_eq!(d.start, utc("2024-12-11T23:16:00Z"));
    assert_eq!(d.end, utc("2024-12-12T03:38:00Z"));
    assert_eq!(d.duration_minutes, Some(262));
}

#[test]
fn from_to_without_a_date() {
    let d = dates_of(vec![
        h(2, "ISSUE SUMMARY"),
        p("From 7:00 AM to 10:30 AM GMT, requests failed with 500 errors."),
    ]);
    assert_eq!(d.duration_minutes, Some(210));
    assert_eq!(d.incident_date, None);
}

#[test]
fn stated_durations() {
    let d = dates_of(vec![h(4, "Duration"), p("2.5 hours")]);
    assert_eq!(d.duration_minutes, Some(150));
    let d = dates_of(vec![p(
        "On November 6th, 2023, beginning at 10:52 AM PST and lasting for approximately 50 minutes, the service went down.",
    )]);
    assert_eq!(d.duration_minutes, Some(50));
    assert_eq!(d.start, utc("2023-11-06T18:52:00Z"));
    assert_eq!(d.end, utc("2023-11-06T19:42:00Z"));
    let d = dates_of(vec![p("Checkout failed, lasting ~50 minutes.")]);
    assert_eq!(d.duration_minutes, Some(50));
    let d = dates_of(vec![p("The outage lasted 1 hour and 48 minutes in total.")]);
    assert_eq!(d.duration_minutes, Some(108));
    let d = dates_of(vec![h(2, "Stats"), p("Time to recovery: 55 minutes")]);
    assert_eq!(d.duration_minutes, Some(55));
    // A number of minutes that is not how long the outage lasted.
    let d = dates_of(vec![p("Our alerting fired 12 minutes after the first errors.")]);
    assert_eq!(d.duration_minutes, None);
}

#[test]
fn durations_said_after_the_number_or_with_a_half() {
    assert_eq!(
        find_duration("The chain incurred 22 hours of downtime.", false, &Mentions::default()),
        Some(1320)
    );
    assert_eq!(
        find_duration(
            "Block production was halted for about 7 and a half hours.",
            false,
            &Mentions::default()
        ),
        Some(450)
    );
    assert_eq!(
        find_duration("We spent 3 hours of work on the review.", false, &Mentions::default()),
        None
    );
    assert_eq!(
        find_duration("On June 5 there was a two hour outage at AWS.", false, &Mentions::default()),
        Some(120)
    );
    assert_eq!(
        find_duration("It took around an hour to fix it.", false, &Mentions::default()),
        Some(60)
    );
    assert_eq!(
        find_duration(
            "Over a period of around 12 hours, pages failed.",
            false,
            &Mentions::default()
        ),
        Some(720)
    );
}

#[test]
fn start_and_end_labels() {
    let d = dates_of(vec![
        h(4, "Duration of the Outage"),
        h(4, "Start"),
        p("June 5, 2024, 2:00 PM UTC"),
        h(4, "End"),
        p("June 5, 2024, 4:30 PM UTC"),
    ]);
    assert_eq!(d.start, utc("2024-06-05T14:00:00Z"));
    assert_eq!(d.end, utc("2024-06-05T16:30:00Z"));
    assert_eq!(d.duration_minutes, Some(150));
}

#[test]
fn start_and_end_labels_that_name_what_they_are_of() {
    let d = dates_of(vec![
        p("Incident Start Time: 2026-04-02 14:05 UTC"),
        p("Outage ended at: 2026-04-02 15:50 UTC"),
    ]);
    assert_eq!(d.start, utc("2026-04-02T14:05:00Z"));
    assert_eq!(d.end, utc("2026-04-02T15:50:00Z"));
    assert_eq!(d.duration_minutes, Some(105));
}

#[test]
fn google_cloud_us_pacific_follows_daylight_saving() {
    let d = dates_of(vec![p(
        "The issue lasted from Tuesday, 2022-07-19 07:17 US/Pacific to 2022-07-19 09:02 US/Pacific.",
    )]);
    assert_eq!(d.start, utc("2022-07-19T14:17:00Z"));
    assert_eq!(d.duration_minutes, Some(105));
    let winter = to_utc(
        NaiveDate::from_ymd_opt(2022, 1, 10).unwrap_or_default(),
        NaiveTime::MIN,
        Zone::Us(-8),
    );
    assert_eq!(winter.to_rfc3339(), "2022-01-10T08:00:00+00:00");
}

#[test]
fn incident_date_is_not_the_published_date() {
    let doc = Document {
        blocks: vec![p(
            "On the 15th of February a scheduled pipeline failed and deleted the log shipper.",
        )],
        ..Document::default()
    };
    let sections = read_sections(&doc);
    let published = utc("2021-03-01T10:00:00Z");
    let d =
        extract_dates(None, &sections, published, None, &Hints::default(), &Mentions::default());
    assert_eq!(d.incident_date, ymd(2021, 2, 15));
}

#[test]
fn zone_parsing_and_times() {
    assert_eq!(parse_zone("UTC+2"), Some(Zone::Fixed(7200)));
    assert_eq!(parse_zone("GMT-05:30"), Some(Zone::Fixed(-(5 * 3600 + 1800))));
    assert_eq!(parse_zone("CEST"), Some(Zone::Fixed(7200)));
    assert_eq!(parse_zone("EAT"), Some(Zone::Fixed(3 * 3600)));
    let times = find_times("2100hrs WAT: detected. 3 PM, and 10:40am and 2024-01-05");
    let got: Vec<String> = times.iter().map(|t| t.time.format("%H:%M").to_string()).collect();
    assert_eq!(got, vec!["21:00", "15:00", "10:40"]);
    assert_eq!(times[0].zone, Some(Zone::Fixed(3600)));
    let dates = find_dates("13/10/2023, June 6th, 2024 and 2019-11-29 and January23, 2021");
    let got: Vec<Option<NaiveDate>> = dates.iter().map(|d| d.date(None)).collect();
    assert_eq!(got, vec![ymd(2023, 10, 13), ymd(2024, 6, 6), ymd(2019, 11, 29), ymd(2021, 1, 23)]);
}

#[test]
fn a_dotted_time_needs_am_or_pm() {
    let times =
        find_times("From 2.15pm to 8.20 p.m. BST; 3.14 seconds, v1.12 and 99.95% are no times.");
    let got: Vec<String> = times.iter().map(|t| t.time.format("%H:%M").to_string()).collect();
    assert_eq!(got, vec!["14:15", "20:20"]);
    assert_eq!(times[1].zone, Some(Zone::Fixed(3600)));
}

#[test]
fn month_names_in_any_case() {
    let found = |text: &str| -> Vec<Option<NaiveDate>> {
        find_dates(text).iter().map(|d| d.date(Some(2020))).collect()
    };
    assert_eq!(found("On MARCH 3RD, 2024 and 4 Sept 2023"), vec![ymd(2024, 3, 3), ymd(2023, 9, 4)]);
    // The lowercased copy finds "may 2", but `text` decides that it is not a date.
    assert_eq!(found("it may 2 users; on May 2 it broke"), vec![ymd(2020, 5, 2)]);
    // Offsets stay those of `text`, also after non-ASCII text.
    let text = "Über — JULY 14th, 2022";
    let dates = find_dates(text);
    assert_eq!(&text[dates[0].start..dates[0].end], "JULY 14th, 2022");
    // A long s (U+017F) is an `s` to a case-insensitive month name.
    assert_eq!(found("Auguſt 5, 2023"), vec![ymd(2023, 8, 5)]);
}

#[test]
fn default_zone_from_all_times_in() {
    let doc = Document {
        blocks: vec![
            h(2, "Timeline"),
            p("All times in CET."),
            Block::TableRow { cells: vec!["Time".into(), "Event".into()] },
            Block::TableRow { cells: vec!["2021-02-15 06:05".into(), "Pipeline failed".into()] },
        ],
        ..Document::default()
    };
    let sections = read_sections(&doc);
    let d = extract_dates(None, &sections, None, None, &Hints::default(), &Mentions::default());
    assert_eq!(d.zone, Some(Zone::Fixed(3600)));
    assert_eq!(d.incident_date, ymd(2021, 2, 15));
    // The zone in a Timeline heading's parentheses.
    for heading in ["Timeline (UTC)", "Timeline (all times in UTC)", "Times (UTC)"] {
        let doc = Document {
            blocks: vec![h(2, heading), p("09:12 The certificate expires.")],
            ..Document::default()
        };
        let sections = read_sections(&doc);
        let d = extract_dates(None, &sections, None, None, &Hints::default(), &Mentions::default());
        assert_eq!(d.zone, Some(Zone::Fixed(0)), "{heading}");
    }
}

#[test]
fn a_link_that_names_a_day_dates_a_report_that_names_none() {
    assert_eq!(
        day_in_link("https://blog.example.com/2024/02/28/queue-outage/"),
        utc("2024-02-28T00:00:00Z")
    );
    assert_eq!(
        day_in_link("file:///repo/_posts/2021-02-23-login-outage.md"),
        utc("2021-02-23T00:00:00Z")
    );
    // Mixed separators, a month or day out of range, day-first order: no day.
    assert_eq!(day_in_link("https://example.com/2024-02/28/x"), None);
    assert_eq!(day_in_link("https://example.com/2024/13/01/x"), None);
    assert_eq!(day_in_link("https://example.com/02-03-2021-outage.md"), None);
    assert_eq!(day_in_link("https://example.com/posts/x?from=2024-02-28"), None);

    let doc = Document {
        blocks: vec![p("The queue stopped and every worker restarted.")],
        ..Document::default()
    };
    let sections = read_sections(&doc);
    let hints = Hints {
        url: Some("https://blog.example.com/2024/02/28/queue-outage/".into()),
        ..Hints::default()
    };
    let dates = extract_dates(None, &sections, None, None, &hints, &Mentions::default());
    assert_eq!(dates.incident_date, ymd(2024, 2, 28));
    assert!(!dates.stated_date, "the link is not the text");
    // A year-less date in the text takes the link's year.
    let doc =
        Document { blocks: vec![p("On February 20 the queue stopped.")], ..Document::default() };
    let sections = read_sections(&doc);
    let dates = extract_dates(None, &sections, None, None, &hints, &Mentions::default());
    assert_eq!(dates.incident_date, ymd(2024, 2, 20));
}

#[test]
fn a_span_of_times_without_a_day_starts_on_the_incident_day() {
    let d = dates_of(vec![
        p("On January 14, 2025 card payments timed out."),
        p("Duration: 22 minutes (10:41–11:03 CET)"),
    ]);
    assert_eq!(d.incident_date, ymd(2025, 1, 14));
    assert_eq!(d.start, utc("2025-01-14T09:41:00Z"));
    assert_eq!(d.end, utc("2025-01-14T10:03:00Z"));
    assert_eq!(d.duration_minutes, Some(22));
    // No day anywhere: the times give a duration and nothing else.
    let d = dates_of(vec![p("Duration: 22 minutes (10:41–11:03 CET)")]);
    assert_eq!((d.start, d.end, d.duration_minutes), (None, None, Some(22)));
}

#[test]
fn a_byline_dates_the_report_not_the_incident() {
    for byline in ["Published 2 December 2025", "*Posted by the Sync team, 2 December 2025*"] {
        let d = dates_of(vec![
            h(1, "Our 14-hour sync outage"),
            p(byline),
            p("Late on Sunday 23 November, the sync service stopped applying changes."),
        ]);
        // The byline gives the year; the incident is the day the text names.
        assert_eq!(d.incident_date, ymd(2025, 11, 23), "{byline}");
    }
    // A sentence that happens to start with "Posted" is no byline when it is long.
    assert!(!is_byline(
        "Posted messages were delayed for most users on 2 December 2025 while the queue was full of retries."
    ));
}

#[test]
fn durations_in_words_and_in_short_units() {
    let minutes = |text: &str| dates_of(vec![p(text)]).duration_minutes;
    assert_eq!(minutes("The API was down for roughly fourteen hours."), Some(840));
    assert_eq!(minutes("Search was unavailable for forty minutes."), Some(40));
    assert_eq!(minutes("Builds were down for a total of 2h 15m."), Some(135));
    assert_eq!(minutes("The site was down for 3 hours, 10 minutes."), Some(190));
    // A sentence that opens with how long something failed.
    assert_eq!(minutes("For about forty minutes on March 3, the API returned errors."), Some(40));
    assert_eq!(minutes("For 38 minutes, a third of sign-in attempts failed."), Some(38));
    assert_eq!(
        minutes("For about six hours on May 15, search results were incomplete."),
        Some(360)
    );
    assert_eq!(minutes("Our service was not working during 2 hours, from 14h to 16h."), Some(120));
    assert_eq!(minutes("For 20 minutes we tried restarting the pods."), None);
    // "a" only as a word: "data hours" is no hour.
    assert_eq!(
        find_duration("Lost data hours of logs, down for two days.", false, &Mentions::default()),
        Some(2 * 24 * 60)
    );
}
