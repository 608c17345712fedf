//! One `[[source]]` → a typed [`Source`]: name, kind, URL, filters, selectors and per-source
//! overrides checked; problems go to the collector, with the source's name and the key's line.

use std::collections::HashMap;
use std::ops::Range;

use regex::Regex;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Collector, check_cron, deserialize_table, parse_http_url, strip_unknown_keys};
use crate::config::raw::{RawSource, SOURCE_KEYS};
use crate::config::{HtmlSelectors, Source};
use crate::model::{SourceKind, SourceName};

pub(super) fn validate_source(
    index: usize,
    table: Spanned<DeTable<'_>>,
    seen: &mut HashMap<String, Range<usize>>,
    out: &mut Collector<'_>,
) -> Option<Source> {
    let span = table.span();
    // Name the source in every message: by its name when it has one, else by position.
    let label = match table.get_ref().get("name").map(Spanned::get_ref) {
        Some(DeValue::String(name)) if !name.trim().is_empty() => format!("{name:?}"),
        _ => format!("#{}", index + 1),
    };
    let label = Some(label.as_str());
    let kept = strip_unknown_keys(table.into_inner(), SOURCE_KEYS, label, out);
    let raw: RawSource = deserialize_table(Spanned::new(span.clone(), kept), label, out)?;
    let before = out.problems.len();
    let kind = raw.kind.as_ref().and_then(|k| SourceKind::from_name(k.get_ref()));
    let html = validate_selectors(&raw, kind, label, &span, out);
    let content_selector = raw
        .content_selector
        .as_ref()
        .and_then(|value| compile_selector("content_selector", value, label, out));

    let name = match raw.name {
        Some(name) if !name.get_ref().trim().is_empty() => {
            // Where a name was first used is looked up only for a duplicate: counting lines
            // for every source made loading a config quadratic in its length.
            if let Some(first) = seen.get(name.get_ref()) {
                let first = out
                    .lines
                    .of(first)
                    .map_or(String::new(), |line| format!(" (first used on line {line})"));
                out.push(
                    Some(&name.span()),
                    label,
                    format!("duplicate source name{first}; names must be unique"),
                );
            } else {
                seen.insert(name.get_ref().clone(), name.span());
            }
            Some(name.into_inner())
        }
        Some(name) => {
            out.push(Some(&name.span()), label, "`name` must not be empty".into());
            None
        }
        None => {
            out.push(Some(&span), label, "missing `name`".into());
            None
        }
    };

    let kind = match &raw.kind {
        Some(kind) => match SourceKind::from_name(kind.get_ref()) {
            Some(k) => Some(k),
            None => {
                let known: Vec<_> = SourceKind::ALL.iter().map(|k| k.as_str()).collect();
                out.push(
                    Some(&kind.span()),
                    label,
                    format!(
                        "unknown kind {:?}; expected one of: {}",
                        kind.get_ref(),
                        known.join(", ")
                    ),
                );
                None
            }
        },
        None => {
            out.push(Some(&span), label, "missing `kind`".into());
            None
        }
    };

    let url = match &raw.url {
        Some(url) => parse_http_url(url, "url", label, out),
        None => {
            out.push(Some(&span), label, "missing `url`".into());
            None
        }
    };
    let company_url =
        raw.company_url.as_ref().and_then(|u| parse_http_url(u, "company_url", label, out));

    if let Some(schedule) = &raw.schedule {
        check_cron(schedule, label, out);
    }

    let filter = raw.filter.as_ref().and_then(|filter| match Regex::new(filter.get_ref()) {
        Ok(regex) => Some(regex),
        Err(err) => {
            out.push(Some(&filter.span()), label, format!("`filter` is not a valid regex: {err}"));
            None
        }
    });

    if out.problems.len() > before {
        return None;
    }
    let (Some(name), Some(kind), Some(url)) = (name, kind, url) else {
        return None;
    };
    Some(Source {
        company: raw.company.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| name.clone()),
        name: SourceName::new(name),
        kind,
        url,
        company_url,
        enabled: raw.enabled,
        filter,
        html,
        content_selector,
        schedule: raw.schedule.map(Spanned::into_inner),
    })
}

fn compile_selector(
    key: &str,
    value: &Spanned<String>,
    label: Option<&str>,
    out: &mut Collector<'_>,
) -> Option<scraper::Selector> {
    match scraper::Selector::parse(value.get_ref()) {
        Ok(selector) => Some(selector),
        Err(err) => {
            out.push(
                Some(&value.span()),
                label,
                format!("`{key}` is not a valid CSS selector: {err}"),
            );
            None
        }
    }
}

/// The selector keys: required (`link_selector`) for `kind = "html"`, refused elsewhere.
fn validate_selectors(
    raw: &RawSource,
    kind: Option<SourceKind>,
    label: Option<&str>,
    span: &Range<usize>,
    out: &mut Collector<'_>,
) -> Option<HtmlSelectors> {
    let keys = [
        ("item_selector", &raw.item_selector),
        ("link_selector", &raw.link_selector),
        ("title_selector", &raw.title_selector),
        ("date_selector", &raw.date_selector),
    ];
    if kind != Some(SourceKind::Html) {
        for (key, value) in keys {
            if let Some(value) = value {
                out.push(
                    Some(&value.span()),
                    label,
                    format!("`{key}` applies only to kind \"html\""),
                );
            }
        }
        return None;
    }
    let mut compile = |key: &str, value: &Option<Spanned<String>>| {
        value.as_ref().and_then(|value| compile_selector(key, value, label, out))
    };
    let item = compile("item_selector", &raw.item_selector);
    let link = compile("link_selector", &raw.link_selector);
    let title = compile("title_selector", &raw.title_selector);
    let date = compile("date_selector", &raw.date_selector);
    if raw.link_selector.is_none() {
        out.push(
            Some(span),
            label,
            "kind \"html\" needs `link_selector` (e.g. \"main a.post\")".into(),
        );
    }
    Some(HtmlSelectors { item, link: link?, title, date })
}
