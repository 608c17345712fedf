//! Acceptance of issue #8: one `pmagg sync` pass over sources that misbehave in every way we
//! know of, served by [`FaultServer`] beside good sources, with the README, archive and feed
//! rendered at the end.
//!
//! For every case: the pass ends within its time bounds; the good sources are stored whole; a
//! failing source has exactly one clear error (in `--json`, on stderr and in the database);
//! nothing is written outside the configured paths; the README, archive and feed stay inert.
//! The pass's peak resident memory (VmHWM of the child, polled) must stay under 150 MB. The
//! table of cases and the peak are printed and written to `target/tmp/fault-report.txt`, which
//! `.ci/run` shows.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fault_server::{Behaviour, FaultServer};
use crate::support::{Workspace, atom, rss};

/// The peak resident memory a whole pass may reach.
const MAX_PEAK_BYTES: u64 = 150 * 1024 * 1024;
/// The whole pass, render included, must end within this (the slowest case is held to
/// `source_time_budget_secs`).
const MAX_PASS: Duration = Duration::from_mins(1);

const ARTICLE: &str = include_str!("../fixtures/documents/article.html");
const STATUSPAGE: &str = include_str!("../fixtures/statuspage/incidents.json");

/// What a case must come to.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The source fails, and its one error says this.
    Fails(&'static str),
    /// The source succeeds and has exactly this many entries stored.
    Stores(u64),
}

/// One source in the pass, the routes it needs, and what must come of it.
struct Case {
    name: &'static str,
    what: &'static str,
    kind: &'static str,
    /// The source's `url`, as a path on the server.
    path: String,
    /// More `[[source]]` lines (selectors).
    extra: &'static str,
    routes: Vec<(String, Behaviour)>,
    expect: Expect,
    /// A route whose bytes sent are reported (and bounded by `max_sent`).
    watch: Option<(String, u64)>,
}

impl Case {
    fn new(name: &'static str, what: &'static str, kind: &'static str, expect: Expect) -> Self {
        Case {
            name,
            what,
            kind,
            path: format!("/{name}"),
            extra: "",
            routes: Vec::new(),
            expect,
            watch: None,
        }
    }

    /// Serves the source's own URL.
    fn serving(mut self, behaviour: Behaviour) -> Self {
        self.routes.push((self.path.clone(), behaviour));
        self
    }

    fn route(mut self, path: impl Into<String>, behaviour: Behaviour) -> Self {
        self.routes.push((path.into(), behaviour));
        self
    }

    fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    fn extra(mut self, extra: &'static str) -> Self {
        self.extra = extra;
        self
    }

    /// Bounds the bytes the server may send on the source's URL before pmagg stops reading.
    fn at_most_sent(mut self, bytes: u64) -> Self {
        self.watch = Some((self.path.clone(), bytes));
        self
    }
}

fn rss_type() -> &'static str {
    "application/rss+xml"
}

/// An RSS feed from raw `<item>` elements.
fn feed_of(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title>\
         <link>https://t.example/</link>{items}</channel></rss>"
    )
}

/// The fixture article with another `<title>`/`<h1>`, more body, and another date.
fn article(title: &str, extra_body: &str, date: &str) -> String {
    ARTICLE
        .replace("Incident report: API errors on May 14 | Example Engineering", title)
        .replace("<h1>Incident report: API errors on May 14</h1>", &format!("<h1>{title}</h1>"))
        .replace("<h2>Timeline</h2>", &format!("{extra_body}<h2>Timeline</h2>"))
        .replace("2024-05-20T09:00:00Z", date)
}

/// A postmortem in Statuspage's markdown, with hostile markup inside.
const HOSTILE_POSTMORTEM: &str = "## Summary\n\nOn March 5, 2024 between 10:00 and 11:30 UTC \
    the API returned errors for 40% of requests.\n\n<script>alert(1)</script>\n\n\
    ## Root cause\n\nA bad deploy. [click](javascript:alert(1)) \
    ![x](data:text/html;base64,PHNjcmlwdD4=) <iframe src=\"https://evil.example\"></iframe>\n\n\
    ## Impact\n\n40% of API requests failed for 90 minutes.\n\n## Timeline\n\n\
    - 10:00 UTC errors rise\n- 11:30 UTC the deploy is rolled back\n\n## Resolution\n\n\
    We rolled back the deploy.\n\n## Action items\n\n- Canary every deploy\n- Alert on error rates\n";

/// Every case of the pass: good sources first, then one per misbehaviour.
#[allow(clippy::too_many_lines)]
fn all_cases(base: &str) -> Vec<Case> {
    let json = "application/json";
    let html = "text/html; charset=utf-8";
    let mut cases = vec![
        // Good sources, in the same pass as every bad one.
        Case::new("good-rss", "a well-formed RSS feed", "feed", Expect::Stores(20))
            .serving(ok(rss_type(), rss("gooda", 20))),
        Case::new("good-atom", "a well-formed Atom feed", "feed", Expect::Stores(15))
            .serving(ok("application/atom+xml", atom("goodb", 15))),
        Case::new("good-redirected", "a feed behind 3 redirects", "feed", Expect::Stores(10))
            .at("/okchain/0")
            .route("/okchain/0", redirect("/okchain/1"))
            .route("/okchain/1", redirect("/okchain/2"))
            .route("/okchain/2", redirect("/okchain/3"))
            .route("/okchain/3", ok(rss_type(), rss("goodc", 10))),
        Case::new("good-gzip", "a gzip-encoded feed", "feed", Expect::Stores(12)).serving(
            Behaviour::Respond {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), rss_type().into()),
                    ("Content-Encoding".into(), "gzip".into()),
                ],
                body: Arc::new(gzip(rss("goodd", 12).as_bytes())),
            },
        ),
        Case::new("good-statuspage", "a Statuspage API", "statuspage", Expect::Stores(3))
            .at("/good-statuspage")
            .route("/good-statuspage/api/v2/incidents.json", ok(json, STATUSPAGE)),
        Case::new("good-postmortems", "a feed of two postmortems", "feed", Expect::Stores(2))
            .serving(ok(
                rss_type(),
                feed_of(&format!(
                    "<item><title>Incident report: API errors</title><guid>g1</guid>\
                     <link>{base}/articles/good-1</link></item>\
                     <item><title>Postmortem of the queue outage</title><guid>g2</guid>\
                     <link>{base}/articles/good-2</link></item>"
                )),
            ))
            .route("/articles/good-1", ok(html, article("API errors on May 14", "", "2024-05-20T09:00:00Z")))
            .route(
                "/articles/good-2",
                ok(html, article("Queue outage", "", "2024-06-20T09:00:00Z").replace("May 14", "June 2")),
            ),
        // Network misbehaviour.
        Case::new("never-answers", "accepts the connection, never answers", "feed", Expect::Fails("timed out"))
            .serving(Behaviour::Never),
        Case::new("trickle", "a body trickling one byte a second", "feed", Expect::Fails("timed out"))
            .serving(Behaviour::Trickle { body: Arc::new(rss("t", 5).into_bytes()), every: Duration::from_secs(1) })
            .at_most_sent(64),
        Case::new("status-500", "500 every time", "feed", Expect::Fails("HTTP 500"))
            .serving(Behaviour::status(500, &[])),
        Case::new("status-503-long-retry", "503 with Retry-After: 3600", "feed", Expect::Fails("HTTP 503"))
            .serving(Behaviour::status(503, &[("Retry-After", "3600")])),
        Case::new("status-429", "429 with Retry-After: 1, every time", "feed", Expect::Fails("HTTP 429"))
            .serving(Behaviour::status(429, &[("Retry-After", "1")])),
        Case::new("status-404", "404", "feed", Expect::Fails("HTTP 404")).serving(Behaviour::status(404, &[])),
        Case::new("redirect-loop", "a redirect to itself", "feed", Expect::Fails("redirects"))
            .serving(redirect("/redirect-loop")),
        Case::new("redirect-chain", "a chain of 30 redirects", "feed", Expect::Fails("more than 5 redirects"))
            .at("/chain/0"),
        Case::new("redirect-file", "a redirect to file:///etc/passwd", "feed", Expect::Fails("bad redirect"))
            .serving(redirect("file:///etc/passwd")),
        Case::new("redirect-ftp", "a redirect to ftp:", "feed", Expect::Fails("bad redirect"))
            .serving(redirect("ftp://127.0.0.1/feed.xml")),
        Case::new("redirect-javascript", "a redirect to javascript:", "feed", Expect::Fails("bad redirect"))
            .serving(redirect("javascript:alert(1)")),
        // Size.
        Case::new("huge-declared", "Content-Length: 5 GB, then bytes without end", "feed", Expect::Fails("larger than"))
            .serving(Behaviour::Endless { content_length: Some(5_000_000_000) })
            .at_most_sent(16 << 20),
        Case::new("huge-chunked", "bytes without end and no Content-Length", "feed", Expect::Fails("larger than"))
            .serving(Behaviour::Endless { content_length: None })
            .at_most_sent(64 << 20),
        Case::new("gzip-bomb", "gzip that inflates to 8 GiB", "feed", Expect::Fails("larger than"))
            .serving(Behaviour::GzipBomb)
            .at_most_sent(4 << 20),
        Case::new("short-body", "Content-Length 100000, 1000 bytes sent", "feed", Expect::Fails("cannot read the body"))
            .serving(Behaviour::ShortBody { declared: 100_000, body: Arc::new(rss("s", 20).into_bytes()[..1000].to_vec()) }),
        Case::new("hundred-thousand-items", "a feed of 100,000 items", "feed", Expect::Stores(500))
            .serving(ok(rss_type(), many_items(100_000))),
        // Broken formats.
        Case::new("truncated-xml", "a feed cut in half", "feed", Expect::Fails("not a valid RSS"))
            .serving(ok(rss_type(), { let f = rss("tx", 10); f[..f.len() / 2].to_owned() })),
        Case::new("invalid-xml", "mismatched XML tags", "feed", Expect::Fails("not a valid RSS"))
            .serving(ok(rss_type(), "<rss version=\"2.0\"><channel><item><title>a</tit></item></rss>")),
        Case::new("truncated-json", "Statuspage JSON cut in half", "statuspage", Expect::Fails("is not a Statuspage"))
            .route("/truncated-json/api/v2/incidents.json", ok(json, &STATUSPAGE[..STATUSPAGE.len() / 2])),
        Case::new("invalid-json", "Google Cloud JSON that is no JSON", "gcp", Expect::Fails("is not a Google Cloud"))
            .at("/invalid-json/incidents.json")
            .route("/invalid-json/incidents.json", ok(json, "{\"incidents\": [ nope")),
        Case::new("deep-json", "JSON nested 100,000 levels in an unknown field", "statuspage", Expect::Stores(1))
            .route("/deep-json/api/v2/incidents.json", ok(json, format!("{{\"incidents\":[{{\"id\":\"d\",\"extra\":{}{}}}]}}", "[".repeat(100_000), "]".repeat(100_000)))),
        Case::new("html-for-feed", "an HTML page where the feed should be", "feed", Expect::Fails("an HTML page came back"))
            .serving(ok(html, ARTICLE)),
        Case::new("empty-200", "200 with an empty body", "feed", Expect::Fails("the body is empty"))
            .serving(ok(rss_type(), "")),
        Case::new("statuspage-wrong-types", "Statuspage JSON with a number for a text", "statuspage", Expect::Fails("is not a Statuspage"))
            .route("/statuspage-wrong-types/api/v2/incidents.json", ok(json, include_str!("../fixtures/statuspage/wrong-types.json"))),
        Case::new("statuspage-nulls", "Statuspage JSON of nulls", "statuspage", Expect::Stores(2))
            .route("/statuspage-nulls/api/v2/incidents.json", ok(json, STATUSPAGE_NULLS)),
        // Encodings.
        Case::new("wrong-encoding", "UTF-8 bytes declared ISO-8859-1", "feed", Expect::Stores(2))
            .serving(ok(rss_type(), feed_of("<item><title>Café ☃</title><guid>1</guid></item><item><title>naïve</title><guid>2</guid></item>")
                .replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""))),
        Case::new("invalid-utf8", "invalid UTF-8 in a feed declared UTF-8", "feed", Expect::Stores(2))
            .serving(ok(rss_type(), invalid_utf8_feed())),
        Case::new("invalid-utf8-list", "invalid UTF-8 in a markdown list", "list", Expect::Stores(2))
            .serving(ok("text/markdown", invalid_utf8_list(base))),
        // Items.
        Case::new("duplicate-guids", "repeated GUIDs and identical items", "feed", Expect::Stores(7))
            .serving(ok(rss_type(), duplicate_items())),
        Case::new("absurd-dates", "items dated 1900, 3000, 9999, garbage, none", "feed", Expect::Stores(7))
            .serving(ok(rss_type(), absurd_dates(base)))
            .route("/articles/year-3000", ok(html, article("Outage postmortem from the future", "", "3000-01-01T00:00:00Z").replace("May 14, 2024", "May 14, 3000")))
            .route("/articles/year-1900", ok(html, article("Outage postmortem from the past", "", "1900-01-01T00:00:00Z").replace("May 14, 2024", "May 14, 1900"))),
        Case::new("links", "relative, missing, javascript:, data:, file: links", "feed", Expect::Stores(7))
            .serving(ok(rss_type(), hostile_links())),
        // Injection into the README and the archive.
        Case::new("inject-feed", "titles and articles built to inject markdown, HTML, javascript: and paths", "feed", Expect::Stores(4))
            .serving(ok(rss_type(), injecting_feed(base)))
            .route("/inject/1", ok(html, article("x](javascript:alert(1)) <script>alert(1)</script>", "<p><a href=\"javascript:alert(1)\">click</a><img src=x onerror=alert(2)><iframe src=\"https://evil.example\"></iframe></p>", "2024-03-01T09:00:00Z")))
            .route("/inject/2", ok(html, article("Pipes | and ![i](javascript:alert(2)) **bold** &lt;img src=x onerror=alert(3)&gt;", "", "2024-03-02T09:00:00Z")))
            .route("/inject/3", ok(html, article("../../../../tmp/pwned", "", "2024-03-03T09:00:00Z")))
            .route("/inject/4", ok(html, article("# Heading\n- bullet\n<!-- pmagg:end -->", "", "2024-03-04T09:00:00Z"))),
        Case::new("inject-list", "a list whose titles, companies and links inject", "list", Expect::Stores(1))
            .serving(ok("text/markdown", injecting_list(base)))
            .route("/inject/list/1", ok(html, article("List postmortem one", "", "2024-04-01T09:00:00Z")))
            .route("/inject/list/2", ok(html, article("List postmortem two", "", "2024-04-02T09:00:00Z"))),
        Case::new("inject-statuspage", "incidents whose names and postmortems inject", "statuspage", Expect::Stores(1))
            .route("/inject-statuspage/api/v2/incidents.json", ok(json, injecting_statuspage())),
        // Pathological HTML.
        Case::new("deep-html-index", "an index page nested 100,000 levels", "html", Expect::Fails("nests deeper than"))
            .extra("link_selector = \"a\"\n")
            .serving(ok(html, nested_page(100_000, base))),
        Case::new("deep-article", "an article nested 100,000 levels", "feed", Expect::Stores(1))
            .serving(ok(rss_type(), feed_of(&format!("<item><title>Postmortem: deep outage</title><guid>d</guid><link>{base}/articles/deep</link></item>"))))
            .route("/articles/deep", ok(html, nested_page(100_000, base))),
        Case::new("one-line-article", "a 20 MB article on one line", "feed", Expect::Stores(1))
            .serving(ok(rss_type(), feed_of(&format!("<item><title>Postmortem: the long outage</title><guid>l</guid><link>{base}/articles/one-line</link></item>"))))
            .route("/articles/one-line", ok(html, one_line_page(20 << 20))),
        Case::new("one-line-list", "a 20 MB markdown list on one line", "list", Expect::Stores(1))
            .serving(ok("text/markdown", one_line_list(base, 20 << 20))),
        // Time.
        Case::new("slow-articles", "12 report pages that never answer", "feed", Expect::Fails("time budget"))
            .serving(ok(rss_type(), slow_articles(base))),
    ];
    // The chain: /chain/0 → /chain/1 → ... → /chain/30 → a feed.
    let chain = cases.iter_mut().find(|c| c.name == "redirect-chain").expect("chain case");
    for i in 0..30 {
        chain.routes.push((format!("/chain/{i}"), redirect(&format!("/chain/{}", i + 1))));
    }
    chain.routes.push(("/chain/30".into(), ok(rss_type(), rss("chain", 3))));
    for i in 0..12 {
        cases.last_mut().expect("slow case").routes.push((format!("/slow/{i}"), Behaviour::Never));
    }
    cases
}

fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Behaviour {
    Behaviour::ok(content_type, body)
}

fn redirect(location: &str) -> Behaviour {
    Behaviour::Redirect { status: 302, location: location.to_owned() }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn many_items(n: usize) -> String {
    let mut items = String::with_capacity(n * 48);
    for i in 0..n {
        let _ = write!(items, "<item><title>n {i}</title><guid>{i}</guid></item>");
    }
    feed_of(&items)
}

const STATUSPAGE_NULLS: &str = r#"{"page": null, "incidents": [
  {"id": "nul1", "name": null, "status": null, "impact": null, "created_at": null,
   "started_at": null, "resolved_at": null, "components": null, "incident_updates": null,
   "postmortem_body": null, "postmortem_body_last_updated_at": null},
  {"id": "nul2", "incident_updates": [{"status": null, "body": null, "created_at": null,
   "display_at": null, "affected_components": [{"name": null}]}], "components": [{"name": null}]},
  {"id": null, "name": "no id: skipped"},
  {"name": "no id at all: skipped"}
]}"#;

fn invalid_utf8_feed() -> Vec<u8> {
    let mut body = feed_of("<item><title>bad XX bytes</title><guid>1</guid></item><item><title>fine</title><guid>2</guid></item>").into_bytes();
    let at = body.windows(2).position(|w| w == b"XX").unwrap();
    body[at] = 0xff;
    body[at + 1] = 0xfe;
    body
}

fn invalid_utf8_list(base: &str) -> Vec<u8> {
    let mut list = format!(
        "# List\n\n## Postmortems\n\n- 01-02-2024 - [Bad XX bytes]({base}/listed/1) by [Co](https://co.example/)\n\
         - 01-03-2024 - [Fine]({base}/listed/2) by [Co](https://co.example/)\n"
    )
    .into_bytes();
    let at = list.windows(2).position(|w| w == b"XX").unwrap();
    list[at] = 0xc3;
    list[at + 1] = 0x28;
    list
}

fn duplicate_items() -> String {
    let mut items = String::new();
    for i in 0..5 {
        let _ = write!(
            items,
            "<item><title>same {i}</title><guid>same</guid><link>https://d.example/{i}</link></item>"
        );
    }
    for _ in 0..3 {
        items.push_str(
            "<item><title>twin</title><guid>twin</guid><link>https://d.example/twin</link></item>",
        );
    }
    for _ in 0..2 {
        items
            .push_str("<item><title>no guid no link</title><description>same</description></item>");
    }
    feed_of(&items)
}

fn absurd_dates(base: &str) -> String {
    let dates = [
        "Mon, 01 Jan 1900 00:00:00 GMT",
        "Fri, 01 Jan 3000 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 +9959",
        "yesterday, probably",
        "",
    ];
    let mut items = String::new();
    for (i, date) in dates.iter().enumerate() {
        let _ = write!(
            items,
            "<item><title>dated {i}</title><guid>date-{i}</guid><pubDate>{date}</pubDate></item>"
        );
    }
    let _ = write!(
        items,
        "<item><title>Postmortem of an outage in the year 3000</title><guid>y3000</guid>\
         <link>{base}/articles/year-3000</link><pubDate>Fri, 01 Jan 3000 00:00:00 GMT</pubDate></item>\
         <item><title>Postmortem of an outage in 1900</title><guid>y1900</guid>\
         <link>{base}/articles/year-1900</link><pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate></item>"
    );
    feed_of(&items)
}

fn hostile_links() -> String {
    let links = [
        "/relative/1",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//other.example/x",
        "   https://spaces.example/x   ",
    ];
    let mut items = String::new();
    for (i, link) in links.iter().enumerate() {
        let _ = write!(
            items,
            "<item><title>link {i}</title><guid>l{i}</guid><link><![CDATA[{link}]]></link></item>"
        );
    }
    items.push_str("<item><title>no link</title><guid>nl</guid></item>");
    feed_of(&items)
}

fn injecting_feed(base: &str) -> String {
    let titles = [
        "Postmortem: x](javascript:alert(1)) &lt;script&gt;alert(1)&lt;/script&gt;",
        "Incident report | pipes ![i](javascript:alert(2)) **bold** &lt;img src=x onerror=alert(3)&gt;",
        "Outage postmortem ../../../../tmp/pwned",
        "Postmortem\n# Heading\n- bullet &lt;!-- pmagg:end --&gt;",
    ];
    let mut items = String::new();
    for (i, title) in titles.iter().enumerate() {
        let _ = write!(
            items,
            "<item><title>{title}</title><guid>inject-{i}</guid><link>{base}/inject/{}</link></item>",
            i + 1
        );
    }
    feed_of(&items)
}

fn injecting_list(base: &str) -> String {
    format!(
        "# Postmortems\n\n## Postmortems\n\n\
         - 04-01-2024 - [One](x)]({base}/inject/list/1) by [Co](https://co.example/)\n\
         - 04-02-2024 - [<img src=x onerror=alert(1)>]({base}/inject/list/2) by [../../etc](javascript:alert(1))\n\
         \x20 - <script>alert(1)</script> [x](javascript:alert(1)) | pipes\n\
         - 04-03-2024 - [Not http](javascript:alert(1)) by [Evil](https://evil.example/)\n\
         - 04-04-2024 - [Not http either](data:text/html,x) by [Evil](https://evil.example/)\n"
    )
}

fn injecting_statuspage() -> String {
    serde_json::json!({"page": {"name": "<script>"}, "incidents": [{
        "id": "inj1",
        "name": "x](javascript:alert(1)) <script>alert(1)</script> ../../etc",
        "status": "postmortem", "impact": "major",
        "created_at": "2024-03-05T10:00:00Z", "started_at": "2024-03-05T10:00:00Z",
        "resolved_at": "2024-03-05T11:30:00Z",
        "incident_updates": [{"status": "resolved", "body": "<img src=x onerror=alert(1)>",
                              "created_at": "2024-03-05T11:30:00Z"}],
        "postmortem_body": HOSTILE_POSTMORTEM,
        "postmortem_body_last_updated_at": "2024-03-07T00:00:00Z"
    }]})
    .to_string()
}

fn nested_page(depth: usize, base: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>Deep</title></head><body><h1>Postmortem</h1>\
         <p>Root cause: a deep page.</p><a href=\"{base}/x\">x</a>{}deep{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    )
}

fn one_line_page(size: usize) -> String {
    let head = ARTICLE.replace('\n', " ");
    let filler = "<span>outage word </span>";
    let mut page = String::with_capacity(size + head.len());
    page.push_str(head.trim_end_matches(" </body></html>").trim_end_matches("</body></html>"));
    page.push_str("<div>");
    while page.len() < size {
        page.push_str(filler);
    }
    page.push_str("</div></body></html>");
    page
}

fn one_line_list(base: &str, size: usize) -> String {
    let mut list =
        format!("- 01-02-2024 - [Long line]({base}/listed/long) by [Co](https://co.example/) ");
    while list.len() < size {
        list.push_str("word [link](https://l.example/) ");
    }
    list
}

fn slow_articles(base: &str) -> String {
    let mut items = String::new();
    for i in 0..12 {
        let _ = write!(
            items,
            "<item><title>Postmortem number {i}</title><guid>slow-{i}</guid><link>{base}/slow/{i}</link></item>"
        );
    }
    feed_of(&items)
}

/// `sources.toml` for the cases, with small limits so the slow cases end fast.
fn config(ws: &Workspace, server: &FaultServer, cases: &[Case]) -> String {
    let site = ws.path("site");
    let mut text = format!(
        "[settings]\nconcurrency = 16\nper_host = 64\ntimeout_secs = 2\n\
         max_body_bytes = 25165824\nmax_items = 500\nmax_redirects = 5\n\
         source_time_budget_secs = 8\nreadme = {:?}\narchive_dir = {:?}\nfeed = {:?}\n",
        site.join("README.md").to_str().unwrap(),
        site.join("archive").to_str().unwrap(),
        site.join("feed.xml").to_str().unwrap(),
    );
    for case in cases {
        let _ = write!(
            text,
            "\n[[source]]\nname = \"{}\"\nkind = \"{}\"\nurl = \"{}\"\ncompany = \"Co {}\"\n{}",
            case.name,
            case.kind,
            server.url(&case.path),
            case.name,
            case.extra
        );
    }
    text
}

/// Runs `pmagg sync --json`, polling the child's peak resident memory while it runs.
fn sync_measuring_memory(ws: &Workspace) -> (std::process::Output, u64, Duration) {
    let started = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("pmagg"))
        .arg("--config")
        .arg(ws.config())
        .arg("--db")
        .arg(ws.db())
        .args(["sync", "--json"])
        .env_remove("PMAGG_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || read_all(stdout));
    let err = std::thread::spawn(move || read_all(stderr));
    let mut peak = 0;
    loop {
        if let Some(hwm) = vm_hwm(&status_file) {
            peak = peak.max(hwm);
        }
        if child.try_wait().unwrap().is_some() || started.elapsed() > MAX_PASS * 2 {
            break;
        }
        #[allow(clippy::disallowed_methods, reason = "polls a child process, not a runtime")]
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    let output =
        std::process::Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() };
    (output, peak, started.elapsed())
}

fn read_all(mut reader: impl std::io::Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = reader.read_to_end(&mut bytes);
    bytes
}

/// VmHWM (peak resident set) from `/proc/<pid>/status`, in bytes.
fn vm_hwm(status_file: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_file).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Link destinations in markdown text (`](dest`), roughly but on the side of finding too many.
fn link_destinations(markdown: &str) -> Vec<&str> {
    markdown
        .match_indices("](")
        .filter(|(at, _)| !markdown[..*at].ends_with('\\'))
        .map(|(at, _)| {
            let rest = &markdown[at + 2..];
            &rest[..rest.find([')', ' ', '\n']).unwrap_or(rest.len())]
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::too_many_lines)]
fn a_pass_over_every_fault_fails_only_the_bad_sources() {
    let mut cases = Vec::new();
    let server = FaultServer::start(|base| {
        cases = all_cases(base);
        // PMAGG_FAULTS=a,b runs only those cases (and the good sources), when hunting a cost.
        if let Ok(only) = std::env::var("PMAGG_FAULTS") {
            cases.retain(|c| c.name.starts_with("good-") || only.split(',').any(|n| n == c.name));
        }
        let mut routes = HashMap::new();
        for case in &cases {
            for (path, behaviour) in &case.routes {
                assert!(routes.insert(path.clone(), behaviour.clone()).is_none(), "{path} twice");
            }
        }
        routes
    });
    let only = std::env::var_os("PMAGG_FAULTS").is_some();
    assert!(only || cases.len() >= 25 + 6, "at least 25 faults beside the good sources");

    let ws = Workspace::new();
    std::fs::create_dir(ws.path("site")).unwrap();
    std::fs::write(ws.config(), config(&ws, &server, &cases)).unwrap();

    let (output, peak, took) = sync_measuring_memory(&ws);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "sync failed: {}\n{stderr}", output.status);
    let summary: Value = serde_json::from_slice(&output.stdout).expect("sync --json");
    assert!(took < MAX_PASS, "the pass took {took:?}");

    let failures: Vec<&Value> = summary["failures"].as_array().unwrap().iter().collect();
    let states: HashMap<String, pmagg::model::SourceState> =
        ws.store().source_states().unwrap().into_iter().map(|s| (s.name.to_string(), s)).collect();

    let mut report = format!(
        "fault suite: {} sources ({} faults), pass {:.1} s, peak RSS {:.1} MiB (limit {} MiB)\n",
        cases.len(),
        cases.iter().filter(|c| !c.name.starts_with("good-")).count(),
        took.as_secs_f64(),
        peak as f64 / f64::from(1 << 20),
        MAX_PEAK_BYTES >> 20
    );
    let mut problems = Vec::new();
    for case in &cases {
        let state = &states[case.name];
        let failed: Vec<&&Value> = failures.iter().filter(|f| f["source"] == case.name).collect();
        let lines = stderr
            .lines()
            .filter(|l| l.starts_with(&format!("pmagg: source {}: ", case.name)))
            .count();
        let outcome = match case.expect {
            Expect::Fails(wanted) => {
                let error = failed.first().and_then(|f| f["error"].as_str()).unwrap_or("");
                if failed.len() != 1 || lines != 1 {
                    problems.push(format!(
                        "{}: {} failures, {lines} stderr lines",
                        case.name,
                        failed.len()
                    ));
                }
                if !error.contains(wanted) {
                    problems
                        .push(format!("{}: error {error:?} does not say {wanted:?}", case.name));
                }
                if state.last_error.as_deref() != Some(error) {
                    problems.push(format!("{}: recorded {:?}", case.name, state.last_error));
                }
                if error.chars().any(char::is_control) || error.len() > 500 {
                    problems.push(format!("{}: error is not one short line: {error:?}", case.name));
                }
                format!("failed: {error}")
            }
            Expect::Stores(n) => {
                if !failed.is_empty() || state.last_error.is_some() {
                    problems.push(format!("{}: failed: {:?}", case.name, state.last_error));
                }
                if state.entries != n {
                    problems.push(format!(
                        "{}: {} entries stored, expected {n}",
                        case.name, state.entries
                    ));
                }
                format!("ok: {} entries", state.entries)
            }
        };
        let sent = match &case.watch {
            Some((path, max)) => {
                let sent = server.sent(path);
                if sent > *max {
                    problems.push(format!(
                        "{}: the server sent {sent} bytes, more than {max}",
                        case.name
                    ));
                }
                format!(" [{} KiB sent]", sent >> 10)
            }
            None => String::new(),
        };
        let _ = writeln!(report, "  {:<24} {:<58} {outcome}{sent}", case.name, case.what);
    }
    // Retries: none for a 404 or a Retry-After past the cap, three attempts for a 500; a
    // redirect loop stops at max_redirects.
    for (path, hits) in [("/status-404", 1), ("/status-503-long-retry", 1), ("/status-500", 3)] {
        if server.hits(path) != hits {
            problems.push(format!("{path}: {} requests, expected {hits}", server.hits(path)));
        }
    }
    if server.hits("/redirect-loop") > 6 {
        problems.push(format!("/redirect-loop: {} requests", server.hits("/redirect-loop")));
    }
    print!("{report}");
    let report_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-report.txt");
    let _ = std::fs::write(&report_path, &report);
    assert!(problems.is_empty(), "{}\n{report}\n{stderr}", problems.join("\n"));
    assert!(peak > 0, "VmHWM was read");
    assert!(peak < MAX_PEAK_BYTES, "peak RSS {peak} bytes\n{report}");

    // Stored URLs are http(s) or nothing, whatever the feed said.
    let store = ws.store();
    for entry in store.list_entries(100_000).unwrap() {
        if let Some(url) = &entry.item.url {
            assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
        }
    }

    // Nothing outside the configured paths: the config, the database and site/.
    let mut top: Vec<String> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("pmagg.db"))
        .collect();
    top.sort();
    assert_eq!(top, ["site", "sources.toml"]);
    let site = files_under(&ws.path("site"));
    for file in &site {
        let ok = file == "README.md"
            || file == "feed.xml"
            || file.strip_prefix("archive/").is_some_and(|rest| {
                let parts: Vec<&str> = rest.split('/').collect();
                parts.len() == 2
                    && parts.iter().all(|p| {
                        !p.is_empty()
                            && !p.starts_with('.')
                            && p.bytes().all(|b| {
                                b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)
                            })
                    })
                    && Path::new(parts[1]).extension().is_some_and(|e| e == "md")
            });
        assert!(ok, "unexpected file site/{file}");
    }

    // The README: the hostile entries are listed, as text.
    let readme = std::fs::read_to_string(ws.path("site/README.md")).unwrap();
    let block = readme
        .split("<!-- pmagg:start -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- pmagg:end -->").next())
        .unwrap_or_else(|| panic!("one list block:\n{readme}"));
    assert_eq!(readme.matches("<!-- pmagg:start -->").count(), 1, "{readme}");
    assert_eq!(readme.matches("<!-- pmagg:end -->").count(), 1, "{readme}");
    let entries = block.lines().filter(|l| l.starts_with("- ")).count();
    assert!(entries >= 8, "the postmortems of the good and hostile sources are listed:\n{readme}");
    for line in block.lines() {
        assert!(line.starts_with("- ") || line.starts_with("  - "), "a list line: {line:?}");
    }
    assert!(!block.replace("\\<", "").contains('<'), "no HTML opens in the list:\n{block}");
    for dest in link_destinations(block) {
        assert!(
            dest.starts_with("http://") || dest.starts_with("https://"),
            "link {dest:?} in\n{block}"
        );
    }

    // The archive copies: inert.
    let archive_files: Vec<&String> = site.iter().filter(|f| f.starts_with("archive/")).collect();
    assert!(archive_files.len() >= 4, "{site:?}");
    for file in archive_files {
        let text = std::fs::read_to_string(ws.path("site").join(file)).unwrap();
        for tag in ["<script", "<img", "<iframe", "<a ", "<!--"] {
            assert!(!text.to_ascii_lowercase().contains(tag), "{file} has {tag}:\n{text}");
        }
        for dest in link_destinations(&text) {
            assert!(
                !dest.contains(':') || dest.starts_with("http://") || dest.starts_with("https://"),
                "{file}: link {dest:?}:\n{text}"
            );
        }
    }

    // The feed is well-formed Atom whose links are http(s).
    let feed = std::fs::read(ws.path("site/feed.xml")).unwrap();
    let feed = atom_syndication::Feed::read_from(&feed[..]).expect("the feed parses as Atom");
    assert!(!feed.entries().is_empty());
    for entry in feed.entries() {
        for link in entry.links() {
            assert!(link.href().starts_with("http://") || link.href().starts_with("https://"));
        }
    }
}
