//! Charts as inline SVG, drawn from [`ChartPoint`]s: postmortems per year stacked by category,
//! the top categories, durations on log-scale buckets with the median, and the top 20
//! companies. No script and no chart library; every label goes through maud's escaping, and
//! each chart carries a table as its text alternative.
//!
//! Every bar (or stacked column) is an SVG element with class `bar`, so a test can count them.

use std::collections::{BTreeMap, HashMap};

use maud::{Markup, html};

use crate::model::ChartPoint;

/// Colours of the stacked categories, in order; the rest is "other".
const PALETTE: [&str; 7] =
    ["#b4232c", "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#2c7a7b", "#97266d"];
/// Colour of "other" and of single-series bars.
const NEUTRAL: &str = "#718096";
/// Categories shown in the per-year chart before the rest becomes "other".
const STACKED: usize = PALETTE.len();
/// Companies in the company chart.
pub const TOP_COMPANIES: usize = 20;
/// Categories in the category chart.
pub const TOP_CATEGORIES: usize = 12;

/// Upper bounds (minutes, exclusive) of the duration buckets: powers of four from 15
/// minutes, so each bucket is four times as wide as the one before it.
pub const DURATION_BOUNDS: [u32; 6] = [15, 60, 240, 960, 3840, 15360];

/// The bucket labels, one more than the bounds.
fn bucket_label(index: usize) -> String {
    let human = |minutes: u32| {
        if minutes < 60 {
            format!("{minutes}m")
        } else if minutes < 1440 {
            format!("{}h", minutes / 60)
        } else {
            format!("{:.0}d", f64::from(minutes) / 1440.0)
        }
    };
    match index {
        0 => format!("<{}", human(DURATION_BOUNDS[0])),
        i if i == DURATION_BOUNDS.len() => format!("≥{}", human(DURATION_BOUNDS[i - 1])),
        i => format!("{}–{}", human(DURATION_BOUNDS[i - 1]), human(DURATION_BOUNDS[i])),
    }
}

/// The bucket a duration falls in.
pub fn duration_bucket(minutes: u32) -> usize {
    DURATION_BOUNDS.iter().position(|bound| minutes < *bound).unwrap_or(DURATION_BOUNDS.len())
}

/// Count per key, most first, then by key.
fn ranked<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<(String, u64)> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    let mut ranked: Vec<(String, u64)> =
        counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

/// Every chart for `points`.
pub fn all(points: &[ChartPoint]) -> Markup {
    html! {
        section.charts aria-label="Charts" {
            (per_year(points))
            (top_categories(points))
            (durations(points))
            (top_companies(points))
        }
    }
}

/// Postmortems per year, each column stacked by category.
pub fn per_year(points: &[ChartPoint]) -> Markup {
    let top: Vec<String> =
        ranked(points.iter().flat_map(|p| p.categories.iter().map(String::as_str)))
            .into_iter()
            .take(STACKED)
            .map(|(name, _)| name)
            .collect();
    // year → counts per stacked category, plus "other" at the end.
    let mut years: BTreeMap<i32, Vec<u64>> = BTreeMap::new();
    for point in points {
        let Some(year) = point.year else { continue };
        let row = years.entry(year).or_insert_with(|| vec![0; top.len() + 1]);
        let slot = point
            .categories
            .iter()
            .find_map(|c| top.iter().position(|t| t == c))
            .unwrap_or(top.len());
        row[slot] += 1;
    }
    let max = years.values().map(|row| row.iter().sum::<u64>()).max().unwrap_or(0).max(1);
    let (width, height, left, bottom) = (640.0, 220.0, 36.0, 24.0);
    let slot = (width - left) / years.len().max(1) as f64;
    let bar = (slot * 0.8).min(40.0);
    let scale = (height - bottom - 10.0) / max as f64;
    let label_every = (years.len() / 12).max(1);
    let colour = |i: usize| if i < top.len() { PALETTE[i] } else { NEUTRAL };
    html! {
        figure.chart #chart-years {
            figcaption { "Postmortems per year, by category" }
            @if years.is_empty() {
                p.empty { "No dated postmortems match." }
            } @else {
                svg viewBox={"0 0 " (width) " " (height)} role="img"
                    aria-labelledby="chart-years-title" {
                    title #chart-years-title { "Postmortems per year, stacked by category" }
                    text x="0" y="12" class="axis" { (max) }
                    line x1=(left) y1=(height - bottom) x2=(width) y2=(height - bottom) class="axis-line" {}
                    @for (i, (year, row)) in years.iter().enumerate() {
                        @let x = left + slot * i as f64 + (slot - bar) / 2.0;
                        g.bar data-year=(year) {
                            title { (year) ": " (row.iter().sum::<u64>()) }
                            @for (c, y, h) in stack(row, height - bottom, scale) {
                                rect x=(fmt(x)) y=(fmt(y)) width=(fmt(bar)) height=(fmt(h)) fill=(colour(c)) {}
                            }
                            @if i % label_every == 0 {
                                text x=(fmt(x + bar / 2.0)) y=(height - 8.0) text-anchor="middle" class="axis" { (year) }
                            }
                        }
                    }
                }
                ul.legend {
                    @for (i, name) in top.iter().enumerate() {
                        li { span.swatch data-colour=(i) {} (name) }
                    }
                    li { span.swatch data-colour="other" {} "other / none" }
                }
                details {
                    summary { "Data table" }
                    table {
                        thead { tr { th { "Year" } @for name in &top { th { (name) } } th { "other" } th { "Total" } } }
                        tbody {
                            @for (year, row) in &years {
                                tr { th { (year) } @for n in row { td { (n) } } td { (row.iter().sum::<u64>()) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The segments of one stacked column: (series, top, height), bottom up.
fn stack(row: &[u64], base: f64, scale: f64) -> Vec<(usize, f64, f64)> {
    let mut y = base;
    let mut segments = Vec::new();
    for (series, count) in row.iter().enumerate().filter(|(_, n)| **n > 0) {
        let h = *count as f64 * scale;
        y -= h;
        segments.push((series, y, h));
    }
    segments
}

/// Horizontal bars of `(label, count)`.
fn horizontal(
    id: &str,
    caption: &str,
    rows: &[(String, u64)],
    link: impl Fn(&str) -> String,
) -> Markup {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let row_height = 20.0;
    let (width, left) = (640.0, 170.0);
    let height = row_height * rows.len() as f64 + 4.0;
    let title_id = format!("{id}-title");
    html! {
        figure.chart id=(id) {
            figcaption { (caption) }
            @if rows.is_empty() {
                p.empty { "Nothing to count." }
            } @else {
                svg viewBox={"0 0 " (width) " " (fmt(height))} role="img" aria-labelledby=(title_id) {
                    title id=(title_id) { (caption) }
                    @for (i, (label, count)) in rows.iter().enumerate() {
                        @let y = row_height * i as f64 + 2.0;
                        @let w = (width - left - 40.0) * *count as f64 / max as f64;
                        a href=(link(label)) {
                            text x=(left - 6.0) y=(fmt(y + 14.0)) text-anchor="end" class="label" { (shorten(label)) }
                            rect.bar x=(left) y=(fmt(y)) width=(fmt(w.max(1.0))) height=(row_height - 6.0) fill=(PALETTE[1]) {
                                title { (label) ": " (count) }
                            }
                            text x=(fmt(left + w + 4.0)) y=(fmt(y + 13.0)) class="value" { (count) }
                        }
                    }
                }
                details {
                    summary { "Data table" }
                    table { tbody { @for (label, count) in rows { tr { th { (label) } td { (count) } } } } }
                }
            }
        }
    }
}

/// The most frequent categories.
pub fn top_categories(points: &[ChartPoint]) -> Markup {
    let rows: Vec<_> = ranked(points.iter().flat_map(|p| p.categories.iter().map(String::as_str)))
        .into_iter()
        .take(TOP_CATEGORIES)
        .collect();
    horizontal("chart-categories", "Top categories", &rows, |name| {
        format!("/categories/{}", super::pages::path_segment(name))
    })
}

/// The companies with the most postmortems.
pub fn top_companies(points: &[ChartPoint]) -> Markup {
    let rows: Vec<_> = ranked(points.iter().filter_map(|p| p.company.as_deref()))
        .into_iter()
        .take(TOP_COMPANIES)
        .collect();
    horizontal("chart-companies", "Postmortems per company (top 20)", &rows, |name| {
        format!("/companies/{}", super::pages::slug(name))
    })
}

/// The median of `values` (sorted in place), the lower middle for an even count.
pub fn median(values: &mut [u32]) -> Option<u32> {
    values.sort_unstable();
    values.get(values.len().saturating_sub(1) / 2).copied()
}

/// Histogram of durations on log-scale buckets, with the median marked.
pub fn durations(points: &[ChartPoint]) -> Markup {
    let mut minutes: Vec<u32> = points.iter().filter_map(|p| p.duration_minutes).collect();
    let mut counts = vec![0u64; DURATION_BOUNDS.len() + 1];
    for m in &minutes {
        counts[duration_bucket(*m)] += 1;
    }
    let median = median(&mut minutes);
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let (width, height, bottom) = (640.0, 200.0, 24.0);
    let slot = width / counts.len() as f64;
    let scale = (height - bottom - 16.0) / max as f64;
    html! {
        figure.chart #chart-durations {
            figcaption { "How long incidents lasted (log-scale buckets)" }
            @if minutes.is_empty() {
                p.empty { "No matching postmortem gives a duration." }
            } @else {
                svg viewBox={"0 0 " (width) " " (height)} role="img" aria-labelledby="chart-durations-title" {
                    title #chart-durations-title { "Durations: " (minutes.len()) " incidents" }
                    @for (i, count) in counts.iter().enumerate() {
                        @let h = *count as f64 * scale;
                        @let x = slot * i as f64 + slot * 0.1;
                        rect.bar x=(fmt(x)) y=(fmt(height - bottom - h)) width=(fmt(slot * 0.8)) height=(fmt(h)) fill=(PALETTE[2]) {
                            title { (bucket_label(i)) ": " (count) }
                        }
                        text x=(fmt(x + slot * 0.4)) y=(height - 8.0) text-anchor="middle" class="axis" { (bucket_label(i)) }
                        @if *count > 0 {
                            text x=(fmt(x + slot * 0.4)) y=(fmt(height - bottom - h - 3.0)) text-anchor="middle" class="value" { (count) }
                        }
                    }
                    @if let Some(median) = median {
                        @let x = slot * duration_bucket(median) as f64 + slot * 0.5;
                        line.median x1=(fmt(x)) y1="10" x2=(fmt(x)) y2=(height - bottom) {}
                        text x=(fmt(x + 4.0)) y="12" class="median" { "median " (human_minutes(median)) }
                    }
                }
                details {
                    summary { "Data table" }
                    table {
                        tbody { @for (i, count) in counts.iter().enumerate() { tr { th { (bucket_label(i)) } td { (count) } } } }
                    }
                    @if let Some(median) = median { p { "Median: " (human_minutes(median)) } }
                }
            }
        }
    }
}

/// `95` → "1h 35m".
pub fn human_minutes(minutes: u32) -> String {
    match (minutes / 1440, minutes % 1440 / 60, minutes % 60) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() > 24 {
        let mut short: String = label.chars().take(23).collect();
        short.push('…');
        short
    } else {
        label.to_owned()
    }
}

/// One decimal is plenty for a 640-wide view box.
fn fmt(value: f64) -> String {
    format!("{value:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_median() {
        assert_eq!(duration_bucket(0), 0);
        assert_eq!(duration_bucket(15), 1);
        assert_eq!(duration_bucket(100_000), DURATION_BOUNDS.len());
        assert_eq!(bucket_label(0), "<15m");
        assert_eq!(bucket_label(2), "1h–4h");
        assert_eq!(median(&mut [30, 10, 20]), Some(20));
        assert_eq!(median(&mut []), None);
        assert_eq!(human_minutes(95), "1h 35m");
    }

    #[test]
    fn labels_are_escaped() {
        let points = vec![ChartPoint {
            year: Some(2024),
            duration_minutes: Some(5),
            company: Some("<script>x</script>".into()),
            categories: vec!["\"><img onerror=a>".into()],
        }];
        let svg = all(&points).into_string();
        assert!(!svg.contains("<script>x"), "{svg}");
        assert!(!svg.contains("<img"), "{svg}");
        assert_eq!(per_year(&points).into_string().matches("class=\"bar\"").count(), 1);
    }
}
