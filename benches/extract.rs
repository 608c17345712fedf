//! Extraction of one ~100 KB article page: `parse_document` (readability + markdown + blocks)
//! then `extract`. The page is generated here in the shape of the benchmark corpus's article
//! pages (shared/bench/gen_corpus.py): header, nav, sidebar, footer, inline CSS and a JSON
//! hydration blob around an `<article>` that holds a postmortem.
//!
//! `cargo bench --bench extract`

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pmagg::extract::{DEFAULT_THRESHOLD, extract};
use pmagg::model::Hints;
use pmagg::parse::document::parse_document;
use url::Url;

mod common;
use common::{Rng, sentence};

fn paragraph(rng: &mut Rng) -> String {
    let count = 3 + rng.below(4);
    let text: Vec<String> = (0..count).map(|_| sentence(rng)).collect();
    format!("<p>{}</p>\n", text.join(" "))
}

/// An article page of about `target` bytes.
fn article_page(target: usize) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut article = String::from(
        "<h1 class=\"post-title\">Post-incident review: checkout outage on March 3, 2024</h1>\n\
         <p class=\"byline\">By <span class=\"author\">Grace Liu</span> · \
         <time datetime=\"2024-03-08T10:00:00+00:00\">March 8, 2024</time></p>\n\
         <h2>Summary</h2>\n<p>On March 3, 2024 between 14:02 and 16:40 UTC, the checkout API was \
         unavailable for some customers. The root cause was connection pool exhaustion in the \
         primary Postgres cluster after a configuration change.</p>\n<h2>Impact</h2>\n",
    );
    article.push_str(&paragraph(&mut rng));
    article.push_str("<h2>Timeline</h2>\n<ul class='timeline'>\n");
    for minute in (0..150).step_by(12) {
        let _ = writeln!(
            article,
            "<li><time>{:02}:{:02} UTC</time> — {}</li>",
            14 + (2 + minute) / 60,
            (2 + minute) % 60,
            sentence(&mut rng)
        );
    }
    article.push_str("</ul>\n<h2>Root cause</h2>\n");
    for _ in 0..4 {
        article.push_str(&paragraph(&mut rng));
    }
    article.push_str("<h2>Resolution</h2>\n");
    article.push_str(&paragraph(&mut rng));
    article.push_str(
        "<h2>Action items</h2>\n<ul><li>Add an alert on connection pool saturation</li>\
         <li>Stage configuration rollouts region by region</li><li>Cap client retries</li></ul>\n",
    );

    let mut nav = String::new();
    for x in ["Blog", "Engineering", "Product", "Careers", "Security", "Status", "Docs"] {
        let _ = write!(nav, "<li><a href=\"https://acme.example/{x}/\">{x}</a></li>");
    }
    let mut side = String::new();
    for i in 0..8 {
        let _ = write!(
            side,
            "<li><a href=\"https://acme.example/blog/post-{i}/\">How we rebuilt search {i}</a></li>"
        );
    }
    let mut footer = String::new();
    for c in 0..4 {
        let _ = write!(footer, "<div class=\"col\"><h4>Column {c}</h4><ul>");
        for i in 0..9 {
            let _ =
                write!(footer, "<li><a href=\"https://acme.example/{c}/{i}\">Link {i}</a></li>");
        }
        footer.push_str("</ul></div>");
    }
    let head = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
        <title>Post-incident review: checkout outage | Acme Engineering</title>\n\
        <meta property=\"og:title\" content=\"Post-incident review: checkout outage on March 3, 2024\">\n\
        <meta property=\"og:site_name\" content=\"Acme\">\n\
        <meta property=\"article:published_time\" content=\"2024-03-08T10:00:00+00:00\">\n";
    let body = format!(
        "<body class=\"post-template\">\n<header class=\"site-header\"><a class=\"logo\" href=\"/\">Acme</a>\
         <nav class=\"main-nav\"><ul>{nav}</ul></nav></header>\n<div class=\"layout\"><aside class=\"sidebar\">\
         <h3>Recent posts</h3><ul>{side}</ul></aside>\n<main id=\"content\"><article class=\"post-content\">\n\
         {article}</article>\n<section class=\"newsletter\"><h3>Subscribe</h3><form><input type=\"email\">\
         <button>Subscribe</button></form></section></main></div>\n<footer class=\"site-footer\">{footer}\
         <p class=\"copyright\">© 2025 Acme, Inc.</p></footer>\n"
    );
    // Padding as real pages carry it: inline CSS and a hydration-state blob.
    let mut css = String::new();
    let mut json = String::new();
    while head.len() + body.len() + css.len() + json.len() + 200 < target {
        if rng.below(2) == 0 {
            for _ in 0..30 {
                let _ = writeln!(
                    css,
                    ".c{:06x}-card{{margin:{}px;color:#{:06x};display:flex}}",
                    rng.below(0xff_ffff),
                    rng.below(40),
                    rng.below(0xff_ffff)
                );
            }
        } else {
            for i in 0..8 {
                let _ = write!(
                    json,
                    "{{\"id\":\"{:012x}\",\"title\":\"Scaling search {i}\",\"excerpt\":\"{}\"}},",
                    rng.next() & 0xffff_ffff_ffff,
                    sentence(&mut rng)
                );
            }
        }
    }
    format!(
        "{head}<style>{css}</style>\n</head>\n{body}<script>window.__APP_STATE__ = {{\"related\": [{}]}};</script>\n</body></html>\n",
        json.trim_end_matches(',')
    )
}

fn bench_extract(c: &mut Criterion) {
    let page = article_page(100_000);
    let url = Url::parse("https://acme.example/blog/2024/03/checkout-outage/").ok();
    let hints = Hints::default();
    // The page must be what the benchmark claims: a postmortem found in ~100 KB.
    let document = parse_document(page.as_bytes(), Some("text/html"), url.as_ref(), None);
    let postmortem = extract(&document, &hints, DEFAULT_THRESHOLD);
    assert!(page.len() >= 95_000 && page.len() <= 110_000, "page is {} bytes", page.len());
    assert!(postmortem.is_postmortem && postmortem.duration_minutes == Some(158), "{postmortem:?}");

    c.bench_function("parse_document + extract, 100 KB article page", |b| {
        b.iter(|| {
            let document =
                parse_document(black_box(page.as_bytes()), Some("text/html"), url.as_ref(), None);
            black_box(extract(&document, &hints, DEFAULT_THRESHOLD))
        });
    });
}

fn bench_parts(c: &mut Criterion) {
    let page = article_page(100_000);
    let hints = Hints::default();
    let document = parse_document(page.as_bytes(), Some("text/html"), None, None);
    c.bench_function("parse_document alone", |b| {
        b.iter(|| parse_document(black_box(page.as_bytes()), Some("text/html"), None, None));
    });
    c.bench_function("extract alone", |b| {
        b.iter(|| extract(black_box(&document), &hints, DEFAULT_THRESHOLD));
    });
}

criterion_group!(benches, bench_extract, bench_parts);
criterion_main!(benches);
