//! Rendering 10,000 listings: `render_readme` onto a README that already lists them all in the
//! awesome-postmortems shape (the common "nothing new" pass, which must give the same bytes
//! back) and onto a README whose list is empty (every entry new), then `render_feed` with the
//! default number of entries and with all 10,000. The listings and READMEs are generated here,
//! deterministically.
//!
//! `cargo bench --bench render`

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pmagg::model::canonical_url;
use pmagg::render::feed::{FeedSettings, render_feed};
use pmagg::render::listing::Listing;
use pmagg::render::readme::render_readme;

mod common;
use common::{AFTER, Rng, WHAT, WHY};

/// Listings rendered in every bench.
const LISTINGS: usize = 10_000;

/// `count` listings, newest first, as `collect_listings` hands them to render: two or three a
/// day, from 200 companies, each with its own link.
fn listings(count: usize) -> Vec<Listing> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let newest = NaiveDate::from_ymd_opt(2025, 6, 30).expect("a valid date");
    (0..count)
        .map(|i| {
            let company = format!("Company{:03}", rng.below(200));
            let host = company.to_lowercase();
            let date = newest - Days::new(i as u64 * 2 / 5);
            let url = format!("https://{host}.example/blog/{}/incident-{i}", date.year());
            let summary = format!("{} {}", rng.pick(WHY), rng.pick(AFTER));
            Listing {
                canonical_url: canonical_url(&url),
                canonical_urls: vec![canonical_url(&url)],
                title: Some(format!("{} {}", rng.pick(WHAT), i)),
                company_url: Some(format!("https://{host}.example/")),
                company: Some(company),
                date: Some(date),
                published: None,
                summary: Some(summary),
                categories: vec![],
                curated: vec![],
                entry_ids: vec![i as i64 + 1],
                sources: vec!["bench".to_owned()],
                decided_by: pmagg::model::Decision::Classifier,
                report: None,
                first_seen: None,
                url,
            }
        })
        .collect()
}

const HEADER: &str = "# Awesome-Postmortems\n\n\
    [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\n\
    Postmortems are writeups posted by engineering organizations when something has gone \
    wrong.\n\n- [Postmortems](#postmorterms)\n- [Contributing](#contributing)\n\n## Postmorterms\n\n";
const FOOTER: &str = "\n## Contributing\n\nSee [the contributing guide](CONTRIBUTING.md).\n";

/// A README whose list holds every listing, written as the awesome-postmortems list writes
/// entries (tab-indented summary bullets).
fn full_readme(listings: &[Listing]) -> String {
    let mut text = String::from(HEADER);
    for listing in listings {
        let _ = writeln!(
            text,
            "- {} - [{}]({}) by [{}]({})\n\t- {}",
            listing.date.expect("every listing is dated").format("%m-%d-%Y"),
            listing.title.as_deref().unwrap_or_default(),
            listing.url,
            listing.company.as_deref().unwrap_or_default(),
            listing.company_url.as_deref().unwrap_or_default(),
            listing.summary.as_deref().unwrap_or_default(),
        );
    }
    text.push_str(FOOTER);
    text
}

fn bench_readme(c: &mut Criterion) {
    let listings = listings(LISTINGS);
    let full = full_readme(&listings);
    let empty = format!("{HEADER}{FOOTER}");
    let path = Path::new("README.md");

    // The inputs must be the cases the benchmark claims.
    let same = render_readme(&full, &listings, "README.md", path).expect("the README renders");
    assert!(same.text == full && same.added.is_empty() && same.kept == LISTINGS);
    let filled = render_readme(&empty, &listings, "README.md", path).expect("the README renders");
    assert_eq!((filled.added.len(), filled.kept), (LISTINGS, 0));

    let mut group = c.benchmark_group("render_readme, 10,000 listings");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(full.len() as u64));
    // Outputs are large: dropping them is left out of the timing.
    group.bench_function("all listed already (nothing new)", |b| {
        b.iter_with_large_drop(|| render_readme(black_box(&full), &listings, "README.md", path));
    });
    group.throughput(Throughput::Bytes(filled.text.len() as u64));
    group.bench_function("empty list (all new)", |b| {
        b.iter_with_large_drop(|| render_readme(black_box(&empty), &listings, "README.md", path));
    });
    group.finish();
}

fn bench_feed(c: &mut Criterion) {
    let listings = listings(LISTINGS);
    let default = FeedSettings::default();
    let all = FeedSettings { entries: LISTINGS, ..FeedSettings::default() };
    let xml = render_feed(&listings, &all).expect("the feed renders");
    assert_eq!(xml.matches("<entry>").count(), LISTINGS);

    let mut group = c.benchmark_group("render_feed, 10,000 listings");
    group.sample_size(20);
    group.bench_function(format!("default {} entries", default.entries), |b| {
        b.iter(|| render_feed(black_box(&listings), &default));
    });
    group.throughput(Throughput::Bytes(xml.len() as u64));
    group.bench_function("all 10,000 entries", |b| {
        b.iter_with_large_drop(|| render_feed(black_box(&listings), &all));
    });
    group.finish();
}

criterion_group!(benches, bench_readme, bench_feed);
criterion_main!(benches);
