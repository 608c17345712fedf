//! A top-level bullet that is an entry (the dated and the link shapes), with its nested lines.
//!
//! Takes the bullet's text, then each nested bullet and continuation line the reader gives it;
//! returns a [`Listed`]. The first line is read by [`listfmt::read_entry`]; what is here is
//! what the lines under it add: summary bullets, k8s.af's `impact:` and `involved:` labels,
//! and the `(YYYY-MM-DD, [Company](url))` line of awesome-tech-postmortems.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{Listed, Shape, non_empty};
use crate::listfmt::{self, is_http, leading_link, plain_text};

/// `(YYYY-MM-DD, Company)` under a link bullet.
static DATE_COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\((\d{4})(?:-(\d{1,2})-(\d{1,2}))?[ \t]*,[ \t]*(.+)\)$")
        .expect("the date and company pattern is a valid regex (checked by a test)")
});
static IMPACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^impact[ \t]*:")
        .expect("the impact pattern is a valid regex (checked by a test)")
});
static INVOLVED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^involved[ \t]*:(.*)$")
        .expect("the involved pattern is a valid regex (checked by a test)")
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:19|20)\d{2}\b")
        .expect("the year pattern is a valid regex (checked by a test)")
});

/// What a continuation line or nested bullet of an item continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Top,
    Note,
    Impact,
    Involved,
    Skipped,
}

/// A top-level bullet that is an entry, with what its nested lines added.
#[derive(Debug)]
pub(super) struct Item<'a> {
    shape: Shape,
    date: Option<NaiveDate>,
    link_text: &'a str,
    url: &'a str,
    company: Option<String>,
    company_url: Option<&'a str>,
    /// Continuation lines of the bullet itself (a `(date, company)` line).
    tail: String,
    notes: Vec<String>,
    impact: Option<String>,
    involved: Vec<String>,
    last: Last,
}

impl<'a> Item<'a> {
    /// Reads a top-level bullet's text; `None` when it is not an entry.
    pub(super) fn parse(text: &'a str) -> Option<Self> {
        let line = listfmt::read_entry(text)?;
        Some(Item {
            shape: if line.dated { Shape::Dated } else { Shape::Linked },
            date: line.date,
            link_text: line.text,
            url: line.url,
            company: line.company,
            company_url: line.company_url,
            tail: String::new(),
            notes: Vec::new(),
            impact: None,
            involved: Vec::new(),
            last: Last::Top,
        })
    }

    pub(super) fn nested(&mut self, text: &str) {
        if IMPACT.is_match(text) {
            self.impact = non_empty(plain_text(text));
            self.last = Last::Impact;
        } else if let Some(involved) = INVOLVED.captures(text).and_then(|caps| caps.get(1)) {
            self.add_involved(involved.as_str());
            self.last = Last::Involved;
        } else if leading_link(text).is_some() {
            // A related article under the entry, not a description of it.
            self.last = Last::Skipped;
        } else {
            self.notes.push(plain_text(text));
            self.last = Last::Note;
        }
    }

    pub(super) fn continuation(&mut self, text: &str) {
        let push = |into: &mut String, text: &str| {
            if !into.is_empty() {
                into.push(' ');
            }
            into.push_str(text);
        };
        match self.last {
            Last::Top => push(&mut self.tail, text),
            Last::Note => {
                if let Some(note) = self.notes.last_mut() {
                    push(note, &plain_text(text));
                }
            }
            Last::Impact => {
                if let Some(impact) = &mut self.impact {
                    push(impact, &plain_text(text));
                }
            }
            Last::Involved => self.add_involved(text),
            Last::Skipped => {}
        }
    }

    fn add_involved(&mut self, list: &str) {
        for name in list.split(',') {
            let name = plain_text(name.trim().trim_matches('`'));
            if !name.is_empty() && !self.involved.contains(&name) {
                self.involved.push(name);
            }
        }
    }

    pub(super) fn finish(self, span: Range<usize>) -> Listed {
        let mut title = self.link_text.to_owned();
        let mut company = self.company;
        let mut company_url = self.company_url.map(str::to_owned);
        let mut published = self.date;
        if self.shape == Shape::Linked {
            let parts: Vec<&str> = self.link_text.split(" - ").map(str::trim).collect();
            let labelled = self.impact.is_some() || !self.involved.is_empty();
            if let [head @ .., company_part, venue] = parts.as_slice()
                && !head.is_empty()
                && company.is_none()
                && (labelled || YEAR.is_match(venue))
            {
                title = head.join(" - ");
                company = non_empty((*company_part).to_owned());
            }
            if let Some(caps) = DATE_COMPANY.captures(self.tail.trim()) {
                published = published.or_else(|| {
                    let n = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
                    NaiveDate::from_ymd_opt(i32::try_from(n(1)?).ok()?, n(2)?, n(3)?)
                });
                if company.is_none()
                    && let Some(written) = caps.get(4).map(|c| c.as_str().trim())
                {
                    company = non_empty(plain_text(written));
                    // `(2019-08-07, [GitLab](https://gitlab.com))`: the company's link too (#16).
                    company_url = leading_link(written)
                        .filter(|link| is_http(link.url) && link.rest.trim().is_empty())
                        .map(|link| link.url.to_owned());
                }
            }
        }
        let notes = self.notes.into_iter().filter(|n| !n.is_empty()).collect::<Vec<_>>();
        Listed {
            shape: self.shape,
            url: self.url.to_owned(),
            title: non_empty(title),
            company,
            company_url,
            span,
            published,
            summary: self.impact.or_else(|| non_empty(notes.join(" "))),
            categories: self.involved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for pattern in [&DATE_COMPANY, &IMPACT, &INVOLVED, &YEAR] {
            LazyLock::force(pattern);
        }
    }
}
