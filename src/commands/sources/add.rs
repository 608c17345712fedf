//! `pmagg sources add URL`: find out what URL is, then append it to the config.
//!
//! This file decides which URLs to fetch, in the order `pmagg sources add --help` documents;
//! `parse::discover` reads what comes back; `config::edit` appends the new table. Discovery
//! fetches with the process's one `Fetcher` (user agent, limits, retries, body cap) and never
//! opens the database.

use std::fmt;
use std::io::Write;

use anyhow::Context as _;
use tracing::debug;
use url::Url;

use super::{UsageError, http_url_arg, read_config_for_editing, runtime};
use crate::cli::{AddArgs, Cli};
use crate::config::edit::{self, NewSource};
use crate::fetch::{FetchError, FetchRequest, Fetched, Fetcher, Response};
use crate::model::{SourceKind, Validators};
use crate::parse::discover::{self, HtmlPage};
use crate::pipeline::describe;

/// At most this many `<link rel="alternate">` feeds of a page are tried.
const MAX_ALTERNATES: usize = 4;

pub(super) fn run(cli: &Cli, args: &AddArgs) -> anyhow::Result<()> {
    let (text, config) = read_config_for_editing(&cli.config)?;
    let url = http_url_arg(&args.url, "URL")?;
    let company_url =
        args.company_url.as_deref().map(|u| http_url_arg(u, "--company-url")).transpose()?;
    let name = match args.name.as_deref().map(str::trim) {
        Some("") => return Err(UsageError("--name must not be empty".into()).into()),
        other => other,
    };
    // A clash the user could see without the network is reported before any request.
    if let Some(conflict) = edit::find_conflict(&config.sources, name, &url) {
        return Err(UsageError(conflict.to_string()).into());
    }

    let fetcher = Fetcher::new(&config.settings).context("cannot start the HTTP client")?;
    let found = runtime()?.block_on(discover(&fetcher, &url))?;

    let name = name.map_or_else(|| found.name.clone(), str::to_owned);
    if let Some(conflict) = edit::find_conflict(&config.sources, Some(&name), &found.url) {
        let hint = match conflict {
            edit::Conflict::Name { .. } => "; pass --name to choose another name",
            edit::Conflict::Url { .. } => "",
        };
        return Err(UsageError(format!(
            "{conflict} (found {} source {} for {url}{hint})",
            found.kind, found.url
        ))
        .into());
    }
    let new = NewSource {
        company: args.company.clone().or_else(|| found.company.clone()).unwrap_or(name.clone()),
        company_url: Some(company_url.unwrap_or_else(|| discover::site_root(&url))),
        name,
        kind: found.kind,
        url: found.url.clone(),
    };
    let edited = edit::append_sources(&text, &cli.config, std::slice::from_ref(&new))?;
    let mut out = super::super::stdout();
    if args.dry_run {
        write!(out, "{}", edit::render_sources(std::slice::from_ref(&new)))?;
        return Ok(());
    }
    edit::save(&cli.config, &text, &edited)?;
    if cli.quiet {
        return Ok(());
    }
    writeln!(
        out,
        "added source {:?} to {}: kind = \"{}\", url = {} ({})",
        new.name,
        cli.config.display(),
        new.kind,
        new.url,
        found.how
    )?;
    Ok(())
}

/// What discovery found.
#[derive(Debug)]
struct Discovered {
    kind: SourceKind,
    /// The URL to put in the config.
    url: Url,
    /// The default name.
    name: String,
    /// The default company, when it differs from the name (a status page's own name).
    company: Option<String>,
    /// How it was found, for the message.
    how: How,
}

#[derive(Debug)]
enum How {
    Feed,
    StatusApi(Url),
    ApiDocument,
    GcpDocument,
    Alternate,
    CommonPath,
}

impl fmt::Display for How {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            How::Feed => f.write_str("the URL is a feed"),
            How::StatusApi(api) => write!(f, "{api} answers a Statuspage-compatible API"),
            How::ApiDocument => f.write_str("the URL is a Statuspage-compatible API document"),
            How::GcpDocument => f.write_str("the URL is a Google Cloud style incidents.json"),
            How::Alternate => f.write_str("the page links to it with <link rel=\"alternate\">"),
            How::CommonPath => f.write_str("found at a usual feed path"),
        }
    }
}

/// Tries each rule of `pmagg sources add --help` in order.
async fn discover(fetcher: &Fetcher, url: &Url) -> anyhow::Result<Discovered> {
    let host_name = discover::name_from_host(url);
    // 1. The URL itself.
    let mut landing_error = None;
    let landing = match fetch(fetcher, url).await {
        Ok(response) => Some(response),
        // Nothing below an unreachable host will answer either.
        Err(err @ (FetchError::Connect { .. } | FetchError::Timeout { .. })) => {
            return Err(anyhow::Error::new(err).context(format!("cannot reach {url}")));
        }
        Err(err) => {
            debug!(error = %describe(&err), "the URL itself did not answer");
            landing_error = Some(describe(&err));
            None
        }
    };
    if let Some(response) = &landing {
        if let Some(feed) = discover::sniff_feed(&response.body, &response.final_url) {
            return Ok(Discovered {
                kind: SourceKind::Feed,
                url: url.clone(),
                name: feed.title.unwrap_or(host_name),
                company: None,
                how: How::Feed,
            });
        }
        // Someone pasted the API URL itself: configure the site it belongs to.
        if let Some(api) = discover::sniff_status_api(&response.body) {
            let site = discover::status_site_of_api_url(url)
                .or_else(|| api.page_url.clone())
                .unwrap_or_else(|| url.clone());
            return Ok(Discovered {
                kind: discover::status_platform(&api, None),
                name: api.page_name.clone().unwrap_or_else(|| discover::name_from_host(&site)),
                company: api.page_name,
                url: site,
                how: How::ApiDocument,
            });
        }
    }
    let landing_html =
        landing.as_ref().filter(|r| discover::looks_like_html(&r.body, r.content_type.as_deref()));
    let page = landing_html.map(|r| discover::read_html_page(&r.body, &r.final_url));

    // 2. A Statuspage-compatible API below it.
    for path in discover::STATUS_API_PATHS {
        let api_url = discover::below(url, path);
        let Some(response) = fetch(fetcher, &api_url).await.ok() else { continue };
        if let Some(api) = discover::sniff_status_api(&response.body) {
            let kind = discover::status_platform(&api, landing_html.map(|r| &r.body[..]));
            let title = page.as_ref().and_then(|p| p.title.clone());
            return Ok(Discovered {
                kind,
                url: url.clone(),
                name: title.or_else(|| api.page_name.clone()).unwrap_or(host_name),
                company: api.page_name,
                how: How::StatusApi(api_url),
            });
        }
    }

    // 3. A Google Cloud style incidents.json.
    if let Some(response) = &landing
        && discover::sniff_gcp(&response.body)
    {
        return Ok(Discovered {
            kind: SourceKind::Gcp,
            url: url.clone(),
            name: host_name,
            company: None,
            how: How::GcpDocument,
        });
    }

    // 4. Feeds the page links to, then the usual feed paths.
    if let Some(found) = linked_feed(fetcher, page.as_ref()).await {
        return Ok(found);
    }
    let folder = landing.as_ref().map_or(url, |r| &r.final_url);
    for path in discover::COMMON_FEED_PATHS {
        let candidate = discover::below(folder, path);
        let Some(response) = fetch(fetcher, &candidate).await.ok() else { continue };
        if let Some(feed) = discover::sniff_feed(&response.body, &response.final_url) {
            let page_title = page.as_ref().and_then(|p| p.title.clone());
            return Ok(Discovered {
                kind: SourceKind::Feed,
                name: feed.title.or(page_title).unwrap_or(host_name),
                url: candidate,
                company: None,
                how: How::CommonPath,
            });
        }
    }

    anyhow::bail!(
        "cannot tell what {url} is{}: it is not a feed, no Statuspage or incident.io API answers \
         at {}, it is not a Google Cloud incidents.json, and no feed is linked from it or found \
         at {}. Add it by hand as kind = \"html\" with a link_selector (and item_selector, \
         title_selector, date_selector as needed): see the comments in sources.toml",
        landing_error.map_or(String::new(), |e| format!(" ({e})")),
        discover::STATUS_API_PATHS.join(" or "),
        discover::COMMON_FEED_PATHS.join(", "),
    )
}

/// The first feed a page announces that really is one.
async fn linked_feed(fetcher: &Fetcher, page: Option<&HtmlPage>) -> Option<Discovered> {
    let page = page?;
    for link in page.feeds.iter().take(MAX_ALTERNATES) {
        let Ok(response) = fetch(fetcher, &link.url).await else { continue };
        if let Some(feed) = discover::sniff_feed(&response.body, &response.final_url) {
            let name = feed
                .title
                .or_else(|| page.title.clone())
                .unwrap_or_else(|| discover::name_from_host(&link.url));
            return Some(Discovered {
                kind: SourceKind::Feed,
                url: link.url.clone(),
                name,
                company: None,
                how: How::Alternate,
            });
        }
        debug!(url = %link.url, "linked feed does not parse");
    }
    None
}

/// One GET without validators; a 304 cannot happen without them and counts as no answer.
async fn fetch(fetcher: &Fetcher, url: &Url) -> Result<Response, FetchError> {
    let no_validators = Validators::default();
    let request =
        FetchRequest { url, accept: discover::DISCOVER_ACCEPT, validators: &no_validators };
    match fetcher.fetch(request).await? {
        Fetched::Body(response) => Ok(response),
        Fetched::NotModified => Err(FetchError::Status {
            url: url.clone(),
            status: 304,
            attempts: 1,
            retry_after: None,
        }),
    }
}
