//! The site in a real browser (#17): `pmagg serve` on the collection fixture database, driven
//! through chromedriver with fantoccini. Fills and submits the filter form, follows a company
//! link, opens a postmortem, counts chart bars, reads the console, and saves screenshots under
//! target/screenshots/ at 1280x800 and 390x844.
//!
//! Without chromedriver on PATH the test says it was skipped and why; with CI=true it fails.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use crate::site::{Served, collection_db};

/// chromedriver's `GET /session/{id}/se/log`-style call for the browser console.
#[derive(Debug)]
struct ConsoleLog;

impl fantoccini::wd::WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join("chromedriver"))
        .find(|p| p.is_file())
}

/// Polls the current URL until `ready` holds (5 s at most).
async fn wait_for_url(c: &fantoccini::Client, ready: impl Fn(&url::Url) -> bool) {
    for _ in 0..50 {
        if ready(&c.current_url().await.unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser did not get there: {}", c.current_url().await.unwrap());
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_site_works_in_a_browser() {
    let Some(driver_path) = chromedriver() else {
        let why = "no chromedriver on PATH (apt-get install chromium chromium-driver)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "browser test cannot run: {why}");
        eprintln!("the_site_works_in_a_browser: SKIPPED: {why}");
        return;
    };
    let (ws, _rt, _server) = collection_db();
    let served = Served::start(&ws.db());
    let store = pmagg::store::Store::open_read_only(&ws.db()).unwrap();
    let all = store.collection_chart_points(&pmagg::model::PostmortemFilter::everything()).unwrap();
    let years: std::collections::BTreeSet<_> = all.iter().filter_map(|p| p.year).collect();
    let categories: std::collections::BTreeSet<_> =
        all.iter().flat_map(|p| p.categories.iter()).collect();

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _driver = Driver(
        Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1280,800", "--hide-scrollbars"]}),
        );
        caps.insert("goog:loggingPrefs".into(), serde_json::json!({"browser": "ALL"}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut client = None;
        for _ in 0..50 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let c = client.expect("chromedriver answers");
        let dir = screenshots();

        c.goto(&format!("{}/", served.base)).await.unwrap();
        let bars = c.find_all(Locator::Css("#chart-years g.bar")).await.unwrap();
        assert_eq!(bars.len(), years.len(), "one column per year");
        let bars = c.find_all(Locator::Css("#chart-categories rect.bar")).await.unwrap();
        assert_eq!(bars.len(), categories.len().min(12));
        let buckets = c.find_all(Locator::Css("#chart-durations rect.bar")).await.unwrap();
        assert_eq!(buckets.len(), 7);
        assert!(!c.find_all(Locator::Css("#chart-companies rect.bar")).await.unwrap().is_empty());
        std::fs::write(dir.join("index-1280x800.png"), c.screenshot().await.unwrap()).unwrap();

        // The filter form: a text search, submitted as GET.
        c.find(Locator::Css("input[name=q]")).await.unwrap().send_keys("database").await.unwrap();
        c.find(Locator::Css("form.filters button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_url(&c, |u: &url::Url| u.query().is_some_and(|q| q.contains("q=database"))).await;
        let marks = c.find_all(Locator::Css("li.item mark")).await.unwrap();
        assert!(!marks.is_empty(), "hits are highlighted");

        // A company link, then a postmortem.
        c.find(Locator::Css("li.item a.company")).await.unwrap().click().await.unwrap();
        wait_for_url(&c, |u: &url::Url| u.path().starts_with("/companies/")).await;
        c.find(Locator::Css("li.item a.title")).await.unwrap().click().await.unwrap();
        wait_for_url(&c, |u: &url::Url| u.path().starts_with("/postmortems/")).await;
        assert!(
            !c.find(Locator::Css("article.postmortem h1"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .is_empty()
        );
        std::fs::write(dir.join("postmortem-1280x800.png"), c.screenshot().await.unwrap()).unwrap();

        c.set_window_size(390, 844).await.unwrap();
        std::fs::write(dir.join("postmortem-390x844.png"), c.screenshot().await.unwrap()).unwrap();
        c.goto(&format!("{}/", served.base)).await.unwrap();
        std::fs::write(dir.join("index-390x844.png"), c.screenshot().await.unwrap()).unwrap();

        let log = c.issue_cmd(ConsoleLog).await.unwrap();
        let errors: Vec<_> = log
            .as_array()
            .map(|entries| entries.iter().filter(|e| e["level"] == "SEVERE").cloned().collect())
            .unwrap_or_default();
        assert!(errors.is_empty(), "console errors: {errors:#?}");
        c.close().await.unwrap();
    });
}
