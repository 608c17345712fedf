//! `pmagg import` of a large curated list: a 10,000-entry markdown list in the
//! awesome-postmortems shape read by `parse::list::read_curated`, then stored by
//! `Store::import_curated` into a fresh database (every entry new) and into one that already
//! holds the list (a re-import that changes nothing). The list is generated here,
//! deterministically.
//!
//! `cargo bench --bench import`

use std::fmt::Write as _;
use std::hint::black_box;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use pmagg::model::CuratedEntry;
use pmagg::parse::list::read_curated;
use pmagg::store::Store;
use tempfile::TempDir;

mod common;
use common::{AFTER, Rng, WHAT, WHY};

/// Entries in the generated list.
const ENTRIES: usize = 10_000;

/// The list's key, as `pmagg import README.md` names it.
const LIST: &str = "README.md";

/// An awesome-postmortems README of `count` entries, newest first:
/// `- MM-DD-YYYY - [Title](url) by [Company](url)` and a tab-indented summary bullet. One
/// entry in ten has no `by ...`, and one in twenty a two-space indent, as in the real list.
fn awesome_list(count: usize) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let newest = NaiveDate::from_ymd_opt(2025, 6, 30).expect("a valid date");
    let mut text = String::from(
        "# Awesome-Postmortems\n\n[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\n\
         Postmortems are writeups posted by engineering organizations when something has gone \
         wrong.\n\n- [Postmortems](#postmorterms)\n- [Contributing](#contributing)\n\n## Postmorterms\n\n",
    );
    for i in 0..count {
        let company = format!("Company{:03}", rng.below(200));
        let host = company.to_lowercase();
        let date = newest - Days::new(i as u64 * 2 / 5);
        let _ = write!(
            text,
            "- {} - [{} {i}](https://{host}.example/blog/incident-{i})",
            date.format("%m-%d-%Y"),
            rng.pick(WHAT),
        );
        if i % 10 != 3 {
            let _ = write!(text, " by [{company}](https://{host}.example/)");
        }
        let indent = if i % 20 == 7 { "  " } else { "\t" };
        let _ = writeln!(text, "\n{indent}- {} {}", rng.pick(WHY), rng.pick(AFTER));
    }
    text.push_str("\n## Contributing\n\nSee [the contributing guide](CONTRIBUTING.md).\n");
    text
}

/// When the benches say the import ran: fixed, so runs are alike.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 12, 0, 0).single().expect("a valid time")
}

/// A fresh, migrated database in its own directory (the directory goes when it is dropped).
fn fresh_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&dir.path().join("pmagg.db")).expect("the store opens");
    (store, dir)
}

fn bench_read(c: &mut Criterion) {
    let text = awesome_list(ENTRIES);
    let entries = read_curated(&text, LIST);
    assert_eq!(entries.len(), ENTRIES, "every generated entry is read");
    assert!(entries.iter().all(|e| e.summary.is_some() && e.incident_date.is_some()));

    let mut group = c.benchmark_group("import, 10,000-entry list");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("read_curated", |b| {
        b.iter_with_large_drop(|| read_curated(black_box(&text), LIST));
    });
    group.finish();
}

fn bench_store(c: &mut Criterion) {
    let entries: Vec<CuratedEntry> = read_curated(&awesome_list(ENTRIES), LIST);
    let (mut imported, _dir) = fresh_store();
    let counts = imported.import_curated(LIST, &entries, now()).expect("the import succeeds");
    assert_eq!(counts.new, ENTRIES as u64);
    let again = imported.import_curated(LIST, &entries, now()).expect("the import succeeds");
    assert_eq!(again.unchanged, ENTRIES as u64);

    let mut group = c.benchmark_group("import, 10,000-entry list");
    // Each sample writes 10,000 rows to disk; ten are enough to see a change.
    group.sample_size(10);
    group.throughput(Throughput::Elements(ENTRIES as u64));
    // Opening and migrating the database, and removing it, are left out of the timing.
    group.bench_function("import_curated into a fresh store", |b| {
        b.iter_batched_ref(
            fresh_store,
            |(store, _)| store.import_curated(LIST, black_box(&entries), now()),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("import_curated again, nothing changed", |b| {
        b.iter(|| imported.import_curated(LIST, black_box(&entries), now()));
    });
    group.finish();
}

criterion_group!(benches, bench_read, bench_store);
criterion_main!(benches);
