//! The collection view and the site (#16, #17): one database filled by importing three list
//! fixtures and syncing a loopback Statuspage source; every filter combination against an
//! independent SQL query; hostile titles escaped on every page; a real browser (chromedriver).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use pmagg::model::{Origin, PostmortemFilter};
use rusqlite::{Connection, OpenFlags};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::Workspace;

const LISTS: [&str; 3] = ["dated-list.md", "paragraph-list.md", "hostile-list.md"];

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/site/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn incident(id: &str, name: &str, day: &str, hours: u32, body: &str) -> serde_json::Value {
    let start = format!("{day}T08:00:00.000Z");
    let end = format!("{day}T{:02}:00:00.000Z", 8 + hours);
    json!({
        "id": id, "name": name, "status": "postmortem", "impact": "major",
        "created_at": start, "updated_at": end, "started_at": start, "resolved_at": end,
        "monitoring_at": null, "shortlink": "http://stspg.io/x", "page_id": "p1",
        "components": [], "incident_updates": [],
        "postmortem_body": body, "postmortem_body_last_updated_at": end,
    })
}

/// A database of curated entries (three lists) and synced Statuspage postmortems.
pub fn collection_db() -> (Workspace, tokio::runtime::Runtime, MockServer) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(MockServer::start());
    let incidents = json!({
        "page": {"id": "p1", "name": "Nimbus", "url": "https://status.nimbus.example",
                 "time_zone": "Etc/UTC", "updated_at": "2024-12-01T00:00:00Z"},
        "incidents": [
            incident("n1", "Database outage in the primary region", "2024-02-10", 3,
                "## Summary\n\nThe primary database ran out of connections and the API failed \
                 for three hours.\n\n## Root cause\n\nA connection pool misconfiguration in the \
                 database proxy.\n\n## Resolution\n\nWe raised the pool limit and restarted the \
                 proxy."),
            incident("n2", "Network partition between zones", "2021-07-01", 1,
                "## Summary\n\nA network partition made the dashboard unreachable.\n\n## Root \
                 cause\n\nA router firmware bug dropped BGP sessions.\n\n## Resolution\n\nWe \
                 rolled the firmware back."),
            incident("n3", "Failed deploy broke logins", "2019-03-03", 10,
                "## Summary\n\nA deploy shipped a broken session cookie and logins failed.\n\n\
                 ## Root cause\n\nA bad deploy of the auth service.\n\n## Resolution\n\nWe \
                 rolled back the deploy."),
        ]
    });
    rt.block_on(
        Mock::given(path("/api/v2/incidents.json"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(incidents.to_string().into_bytes(), "application/json"),
            )
            .mount(&server),
    );
    let ws = Workspace::new();
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\ntimeout_secs = 5\n\n[[source]]\nname = \"Nimbus Status\"\n\
             kind = \"statuspage\"\nurl = \"{}\"\n",
            server.uri()
        ),
    )
    .unwrap();
    for list in LISTS {
        let out = ws.pmagg().args(["import", &fixture(list)]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // Front-matter reports: curated entries with durations, for the duration filters.
    let icco = format!("{}/tests/fixtures/icco", env!("CARGO_MANIFEST_DIR"));
    let out = ws.pmagg().args(["import", &icco]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ws.sync();
    (ws, rt, server)
}

/// The ids the collection should return, by a query written separately from the store's.
fn expected(db: &Path, filter: &PostmortemFilter) -> BTreeSet<String> {
    #[allow(
        clippy::disallowed_methods,
        reason = "the reference query reads the file on its own, not through Store"
    )]
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let text = |c: &str, v: &str, values: &mut Vec<String>| {
        values.push(v.to_owned());
        c.replace('?', &format!("?{}", values.len()))
    };
    if let Some(c) = &filter.company {
        conditions.push(text("lower(company) = lower(?)", c, &mut values));
    }
    if let Some(c) = &filter.category {
        conditions.push(text("categories LIKE '%\"' || ? || '\"%'", c, &mut values));
    }
    if let Some(d) = filter.since {
        conditions.push(text("day >= ?", &d.to_string(), &mut values));
    }
    if let Some(d) = filter.until {
        conditions.push(text("day <= ?", &d.to_string(), &mut values));
    }
    if let Some(m) = filter.min_minutes {
        conditions.push(format!("minutes >= {m}"));
    }
    if let Some(m) = filter.max_minutes {
        conditions.push(format!("minutes <= {m}"));
    }
    if let Some(o) = filter.origin {
        conditions.push(format!("origin = '{}'", o.as_str()));
    }
    if let Some(s) = &filter.source {
        conditions.push(text("source = ?", s, &mut values));
    }
    if let Some(q) = &filter.q {
        conn.execute_batch(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.ref_fts USING fts5 (t, c, s, \
             tokenize = 'porter unicode61'); DELETE FROM temp.ref_fts; \
             INSERT INTO temp.ref_fts (rowid, t, c, s) SELECT id, title, company, summary \
             FROM curated_entries;",
        )
        .unwrap();
        let synced = text(
            "SELECT 's' || rowid FROM postmortems_fts WHERE postmortems_fts MATCH ?",
            q,
            &mut values,
        );
        let curated =
            text("SELECT 'c' || rowid FROM temp.ref_fts WHERE ref_fts MATCH ?", q, &mut values);
        conditions.push(format!("(id IN ({synced}) OR id IN ({curated}))"));
    }
    let sql = format!(
        "SELECT id FROM (
            SELECT 's' || p.id AS id, 'synced' AS origin, s.name AS source, p.company,
                   p.categories, coalesce(p.incident_date, substr(p.published, 1, 10),
                   substr(e.published, 1, 10)) AS day, p.duration_minutes AS minutes
            FROM postmortems p, entries e, sources s
            WHERE e.id = p.entry_id AND s.id = e.source_id AND p.is_postmortem = 1
            UNION ALL
            SELECT 'c' || id, 'curated', list, company, categories, incident_date,
                   duration_minutes
            FROM curated_entries WHERE removed = 0
         ) {} {}",
        if conditions.is_empty() { "" } else { "WHERE" },
        conditions.join(" AND ")
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    stmt.query_map(rusqlite::params_from_iter(values.iter()), |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn every_filter_combination_matches_sql() {
    let (ws, _rt, _server) = collection_db();
    let store = pmagg::store::Store::open_read_only(&ws.db()).unwrap();
    let everything = store
        .collection(&PostmortemFilter { per_page: 500, ..PostmortemFilter::everything() })
        .unwrap();
    let origins: std::collections::HashSet<_> = everything.items.iter().map(|i| i.origin).collect();
    assert_eq!(origins.len(), 2, "both curated and synced entries: {everything:#?}");
    assert!(everything.total >= 15, "{}", everything.total);
    let date = |d: &str| Some(d.parse().unwrap());
    let mut checked = 0;
    let mut nonempty = 0;
    for q in [None, Some("outage"), Some("database"), Some("\"root cause\" OR bgp")] {
        for company in [None, Some("nimbus"), Some("nimbus status"), Some("Harbor")] {
            for category in [None, Some("database"), Some("Config Errors")] {
                for (since, until) in
                    [(None, None), (date("2020-01-01"), None), (None, date("2023-06-30"))]
                {
                    for (min, max) in [(None, None), (Some(60), None), (None, Some(200))] {
                        for origin in [None, Some(Origin::Curated), Some(Origin::Synced)] {
                            for source in [None, Some("Nimbus Status")] {
                                let filter = PostmortemFilter {
                                    q: q.map(str::to_owned),
                                    company: company.map(str::to_owned),
                                    category: category.map(str::to_owned),
                                    since,
                                    until,
                                    min_minutes: min,
                                    max_minutes: max,
                                    origin,
                                    source: source.map(str::to_owned),
                                    page: 1,
                                    per_page: 500,
                                };
                                let page = store.collection(&filter).unwrap();
                                let got: BTreeSet<String> =
                                    page.items.iter().map(|i| i.id.clone()).collect();
                                let want = expected(&ws.db(), &filter);
                                assert_eq!(got, want, "{filter:?}");
                                assert_eq!(page.total as usize, want.len(), "{filter:?}");
                                checked += 1;
                                nonempty += usize::from(!want.is_empty());
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(nonempty > 50, "{nonempty} of {checked} combinations match something");
}

#[test]
fn paging_is_newest_first_and_complete() {
    let (ws, _rt, _server) = collection_db();
    let store = pmagg::store::Store::open_read_only(&ws.db()).unwrap();
    let all = store
        .collection(&PostmortemFilter { per_page: 500, ..PostmortemFilter::everything() })
        .unwrap();
    let mut paged = Vec::new();
    for page in 1..=all.total.div_ceil(4) as u32 {
        let filter = PostmortemFilter { page, per_page: 4, ..PostmortemFilter::everything() };
        paged.extend(store.collection(&filter).unwrap().items);
    }
    assert_eq!(paged, all.items);
    let dates: Vec<_> = all.items.iter().filter_map(|i| i.incident_date).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
}

/// The site's one pass (#17) gives the same page, total and chart points as the separate
/// reads, on every page and with a text filter.
#[test]
fn one_pass_gives_the_page_and_the_chart_points() {
    let (ws, _rt, _server) = collection_db();
    let store = pmagg::store::Store::open_read_only(&ws.db()).unwrap();
    for q in [None, Some("database"), Some("outage OR bgp")] {
        for origin in [None, Some(Origin::Curated)] {
            for page in 1..=3 {
                let filter = PostmortemFilter {
                    q: q.map(str::to_owned),
                    origin,
                    page,
                    per_page: 3,
                    ..PostmortemFilter::everything()
                };
                let (got, points) = store.collection_with_points(&filter).unwrap();
                assert_eq!(got, store.collection(&filter).unwrap(), "{filter:?}");
                assert_eq!(points, store.collection_chart_points(&filter).unwrap());
                assert_eq!(points.len() as u64, got.total, "{filter:?}");
                if q.is_some() {
                    assert!(got.items.iter().all(|i| i.snippet.is_some()), "{got:#?}");
                }
            }
        }
    }
    let (all, points) = store.collection_with_points(&PostmortemFilter::everything()).unwrap();
    assert!(all.total >= 15 && points.iter().any(|p| p.company.as_deref() == Some("Harbor")));
}

/// The site keeps the company list and the curated search index between requests (#17):
/// both follow an import made by another process while it runs.
#[test]
fn the_site_follows_an_import_made_while_it_runs() {
    let (ws, _rt, _server) = collection_db();
    let served = Served::start(&ws.db());
    // Warm both: the form's company list and the curated index of this connection.
    let (_, index) = served.get("/");
    assert!(index.contains("Harbor") && !index.contains("Zeppelin Works"));
    let (status, found) = served.get("/api/postmortems?q=zeppelin");
    assert_eq!((status, found.contains("\"total\": 0")), (200, true), "{found}");

    let list = ws.path("later-list.md");
    std::fs::write(
        &list,
        "# Incidents\n\n- 04-02-2025 - [Zeppelin mooring mast outage]\
         (https://zeppelin.example/mast) by [Zeppelin Works](https://zeppelin.example/)\n",
    )
    .unwrap();
    let out = ws.pmagg().arg("import").arg(&list).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let (_, index) = served.get("/");
    assert!(index.contains("<option value=\"Zeppelin Works\">"), "the form lists it");
    let (status, found) = served.get("/api/postmortems?q=zeppelin");
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert_eq!((status, found["total"].as_u64()), (200, Some(1)), "{found}");
    assert_eq!(found["items"][0]["title"], "Zeppelin mooring mast outage");
    assert!(found["items"][0]["snippet"].as_str().unwrap().contains('\u{E000}'), "{found}");
    assert_eq!(served.get("/companies/zeppelin-works").0, 200);
}

/// #16 acceptance 5: `list --company X --since 2020-01-01 --category database`.
#[test]
fn list_filters_by_company_date_and_category() {
    let (ws, _rt, _server) = collection_db();
    let out = ws
        .pmagg()
        .args([
            "list",
            "--company",
            "Nimbus Status",
            "--since",
            "2020-01-01",
            "--category",
            "database",
        ])
        .args(["--json", "--limit", "100"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: BTreeSet<String> =
        listed.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    let filter = PostmortemFilter {
        company: Some("Nimbus Status".into()),
        since: Some("2020-01-01".parse().unwrap()),
        category: Some("database".into()),
        ..PostmortemFilter::everything()
    };
    assert_eq!(got, expected(&ws.db(), &filter));
    let synced = ws.pmagg().args(["list", "--origin", "synced", "--json"]).output().unwrap();
    assert!(
        !got.is_empty(),
        "the synced database outage matches: {}",
        String::from_utf8_lossy(&synced.stdout)
    );
    for item in listed.as_array().unwrap() {
        assert_eq!(item["company"], "Nimbus Status");
        assert!(item["incident_date"].as_str().unwrap() >= "2020-01-01");
    }
    let bad = ws.pmagg().args(["list", "--origin", "elsewhere"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// #16 acceptance 2 (the part owned here): curated entries show in list, search and show.
#[test]
fn curated_entries_show_in_list_search_and_show() {
    let ws = Workspace::new();
    // A config with only settings and a disabled source: another change makes commands work
    // without any config; this one needs none of it.
    std::fs::write(
        ws.config(),
        "[settings]\n\n[[source]]\nname = \"off\"\nkind = \"feed\"\nurl = \"https://off.example/f\"\nenabled = false\n",
    )
    .unwrap();
    let out = ws.pmagg().args(["import", &fixture("dated-list.md")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = ws.pmagg().args(["list"]).output().unwrap();
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains("curated") && text.contains("Primary database failover"), "{text}");
    let found = ws.pmagg().args(["search", "outage"]).output().unwrap();
    let text = String::from_utf8_lossy(&found.stdout);
    assert!(text.contains("Storage cluster outage"), "{text}");
    let url = "https://tech.orbit.example/power";
    let shown = ws.pmagg().args(["show", url]).output().unwrap();
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("Origin:     curated") && text.contains("Orbit"), "{text}");
    let bad = ws.pmagg().args(["search", "\"root cause\" AND"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
}

/// A plain-HTTP client for the loopback server (rustls needs its provider installed first).
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

/// `pmagg serve` on `db`, on a free loopback port.
pub struct Served {
    child: Child,
    pub base: String,
}

impl Served {
    pub fn start(db: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pmagg"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("PMAGG_CONFIG")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Self { child, base }
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = http_client();
            let response = client.get(format!("{}{path}", self.base)).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Markup a hostile title could smuggle in, unescaped.
fn assert_inert(page: &str, body: &str) {
    for bad in ["<script", "<img", "href=\"javascript:", "href='javascript:"] {
        let unescaped = body.to_ascii_lowercase().match_indices(bad).count();
        assert_eq!(unescaped, 0, "{page} contains {bad}:\n{body}");
    }
}

#[test]
fn hostile_titles_are_escaped_on_every_page() {
    let (ws, _rt, _server) = collection_db();
    let served = Served::start(&ws.db());
    let (status, api) = served.get("/api/postmortems?per_page=500");
    assert_eq!(status, 200);
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    let items = api["items"].as_array().unwrap();
    assert_eq!(api["total"].as_u64().unwrap() as usize, items.len());
    let mut pages = vec![
        "/".to_owned(),
        "/?q=outage".to_owned(),
        "/?q=alert".to_owned(),
        "/?origin=curated&per_page=2&page=2".to_owned(),
        "/about".to_owned(),
    ];
    let (_, index) = served.get("/");
    for item in items {
        pages.push(format!("/postmortems/{}", item["id"].as_str().unwrap()));
        for category in item["categories"].as_array().unwrap() {
            pages.push(format!(
                "/categories/{}",
                url::form_urlencoded::byte_serialize(category.as_str().unwrap().as_bytes())
                    .collect::<String>()
                    .replace('+', "%20")
            ));
        }
    }
    for slug in index.split("href=\"/companies/").skip(1) {
        pages.push(format!("/companies/{}", &slug[..slug.find('"').unwrap()]));
    }
    assert!(pages.iter().any(|p| p.starts_with("/companies/")));
    for page in &pages {
        let (status, body) = served.get(page);
        assert_eq!(status, 200, "{page}: {body}");
        assert_inert(page, &body);
    }
    assert!(index.contains("&lt;script&gt;alert"), "the hostile title is shown, escaped");

    let (status, body) = served.get("/?since=2023-13-01");
    assert_eq!(status, 400);
    assert!(body.contains("<code>since</code>") && body.contains("YYYY-MM-DD"), "{body}");
    let (status, body) = served.get("/?q=%22root%20cause%22%20AND");
    assert_eq!(status, 400);
    assert!(body.contains("<code>q</code>"), "{body}");
    assert_eq!(served.get("/?colour=red").0, 400);
    assert_eq!(served.get("/api/postmortems?per_page=0").0, 400);
    assert_eq!(served.get("/postmortems/x1").0, 404);
}

#[test]
fn nothing_writes_through_the_site() {
    let (ws, _rt, _server) = collection_db();
    let served = Served::start(&ws.db());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = rt.block_on(async {
        reqwest::Client::builder()
            .build()
            .unwrap()
            .post(format!("{}/api/postmortems", served.base))
            .body("{}")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 405);
    let (_, headers) = rt.block_on(async {
        let r = http_client().get(&served.base).send().await.unwrap();
        (r.status(), r.headers().clone())
    });
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
}
