//! The whole collection through one typed query: confirmed synced postmortems and
//! curated-list entries alike, filtered by a [`PostmortemFilter`]. `pmagg list`/`search`/
//! `export` and the site (`web`) all read through [`Store::collection`], so the filter means
//! the same everywhere.
//!
//! A page is read in two steps: first the few columns that order and chart every match
//! (number and day, and for the charts duration, company and categories), one query per
//! half, merged and sorted here;
//! then the page's own rows in full, with snippets, so that a search makes snippets for one
//! page and not for every match. [`Store::collection_with_points`] hands the site the page
//! and the chart points from that one pass.
//!
//! Curated entries have no full-text index of their own on disk (a migration for one waits
//! for the numbers reserved before it): a text filter indexes them into a connection-local
//! `temp.curated_fts` (FTS5, same tokenizer) first, beside `temp.curated_rows`, a compact
//! copy of the columns a search orders, filters and charts by (joining every match to its
//! full row, with its raw text and links, costs more than the search itself). Both work on
//! a read-only connection too, and are rebuilt only when the curated entries changed.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params_from_iter};

use super::{Store, StoreError, query};
use crate::model::{
    ChartPoint, CollectionDetail, CollectionItem, CollectionPage, Decision, Origin,
    PostmortemFilter, TimelineEvent,
};

/// Marks around a hit in a snippet; private-use characters never found in a report, so the
/// page can escape the text first and then turn them into `<mark>`.
pub const HIT_START: char = '\u{E000}';
/// See [`HIT_START`].
pub const HIT_END: char = '\u{E001}';

/// Shared columns of both halves, in [`read_item`]'s order.
const ITEM_COLUMNS: &str = "id, origin, source, title, company, url, day, duration_minutes, \
                            impact, root_cause, resolution, summary, categories, snippet";

impl Store {
    /// The page of the collection `filter` asks for, and how many items match in all.
    /// Newest incident first (undated last), then by origin and id.
    pub fn collection(&self, filter: &PostmortemFilter) -> Result<CollectionPage, StoreError> {
        let (keys, _) = self.matching_keys(filter, false)?;
        self.page_of(filter, keys)
    }

    /// [`Store::collection`] and [`Store::collection_chart_points`] in one pass over the
    /// matches: the page, the total and what the charts count. The site's pages read this.
    pub fn collection_with_points(
        &self,
        filter: &PostmortemFilter,
    ) -> Result<(CollectionPage, Vec<ChartPoint>), StoreError> {
        let (keys, points) = self.matching_keys(filter, true)?;
        Ok((self.page_of(filter, keys)?, points))
    }

    /// What the charts count, for every item matching `filter` (pages ignored).
    pub fn collection_chart_points(
        &self,
        filter: &PostmortemFilter,
    ) -> Result<Vec<ChartPoint>, StoreError> {
        Ok(self.matching_keys(filter, true)?.1)
    }

    /// Every item matching `filter`, in the collection's order, with its chart point when
    /// `points` is set. Only the few columns that order and chart the items are read, and no
    /// snippet is made: [`Store::page_of`] makes them for one page only.
    fn matching_keys(
        &self,
        filter: &PostmortemFilter,
        points: bool,
    ) -> Result<(Vec<ItemKey>, Vec<ChartPoint>), StoreError> {
        let mut matched = Vec::new();
        let mut chart = Vec::new();
        let origins = match filter.origin {
            Some(origin) => vec![origin],
            None => vec![Origin::Synced, Origin::Curated],
        };
        // One query per half rather than their UNION ALL: a single half is flattened into
        // the filtering query, where a compound one runs as a co-routine that copies every
        // row it yields.
        for origin in origins {
            let halves = Halves { origin: Some(origin), light: true, ..matching(filter) }
                .with_index(self)?;
            let (sql, values) = halves.build();
            let columns =
                if points { "num, day, duration_minutes, company, categories" } else { "num, day" };
            let sql = format!("SELECT {columns} FROM ({sql})");
            let mut stmt =
                self.conn.prepare_cached(&sql).map_err(query("filter the collection"))?;
            let mut rows = stmt
                .query(params_from_iter(values.iter()))
                .map_err(query("filter the collection"))?;
            while let Some(row) = rows.next().map_err(query("filter the collection"))? {
                let day: Option<String> = row.get(1).map_err(query("filter the collection"))?;
                if points {
                    let read = |row: &Row<'_>| -> rusqlite::Result<ChartPoint> {
                        let categories = row.get_ref(4)?.as_str()?;
                        Ok(ChartPoint {
                            year: day.as_deref().and_then(|d| d.get(..4)?.parse().ok()),
                            duration_minutes: row.get(2)?,
                            company: row.get(3)?,
                            categories: if categories == "[]" {
                                Vec::new()
                            } else {
                                serde_json::from_str(categories).unwrap_or_default()
                            },
                        })
                    };
                    chart.push(read(row).map_err(query("chart the collection"))?);
                }
                matched.push(ItemKey {
                    curated: origin == Origin::Curated,
                    num: row.get(0).map_err(query("filter the collection"))?,
                    day,
                });
            }
        }
        // Newest incident first, undated last, then synced before curated ("synced" sorts
        // after "curated", and origin is descending), then the newest row: the order
        // `ORDER BY day IS NULL, day DESC, origin DESC, num DESC` gives, on a few columns
        // instead of every column of every match.
        matched.sort_unstable_by(|a, b| {
            (a.day.is_none(), &b.day, a.curated, b.num).cmp(&(
                b.day.is_none(),
                &a.day,
                b.curated,
                a.num,
            ))
        });
        Ok((matched, chart))
    }

    /// The page `filter` asks for out of every match (`keys`, in order): the total, and the
    /// page's items read in full, with snippets for a text filter.
    fn page_of(
        &self,
        filter: &PostmortemFilter,
        keys: Vec<ItemKey>,
    ) -> Result<CollectionPage, StoreError> {
        let total = keys.len() as u64;
        let offset =
            usize::try_from(u64::from(filter.page.saturating_sub(1)) * u64::from(filter.per_page))
                .unwrap_or(usize::MAX);
        let page: Vec<ItemKey> =
            keys.into_iter().skip(offset).take(filter.per_page as usize).collect();
        if page.is_empty() {
            return Ok(CollectionPage { total, items: Vec::new() });
        }
        let numbers = |curated: bool| {
            let mut list = String::new();
            for key in page.iter().filter(|key| key.curated == curated) {
                let _ = write!(list, "{}{}", if list.is_empty() { "" } else { "," }, key.num);
            }
            list
        };
        let halves = Halves {
            q: filter.q.clone(),
            snippets: true,
            only: Some((numbers(false), numbers(true))),
            ..Halves::default()
        };
        // matching_keys brought the curated index up to date on this connection.
        let (sql, values) = halves.build();
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {ITEM_COLUMNS} FROM ({sql})"))
            .map_err(query("list the collection"))?;
        let mut found: Vec<CollectionItem> = stmt
            .query_map(params_from_iter(values.iter()), read_item)
            .map_err(query("list the collection"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(query("list the collection"))?;
        let mut items = Vec::with_capacity(page.len());
        for key in &page {
            let id = key.id();
            if let Some(at) = found.iter().position(|item| item.id == id) {
                items.push(found.swap_remove(at));
            }
        }
        Ok(CollectionPage { total, items })
    }

    /// One item by its collection id (`s12`, `c3`), with what its page shows.
    pub fn collection_item(&self, id: &str) -> Result<Option<CollectionDetail>, StoreError> {
        let Some((origin, number)) = split_id(id) else { return Ok(None) };
        let (sql, _) = Halves { origin: Some(origin), ..Halves::default() }.build();
        let sql = format!(
            "SELECT {ITEM_COLUMNS}, timeline, action_items, decided_by, report FROM ({sql}) \
             WHERE num = ?1"
        );
        let detail = self
            .conn
            .query_row(&sql, [number], |row| {
                let item = read_item(row)?;
                let timeline: Option<String> = row.get(14)?;
                let actions: Option<String> = row.get(15)?;
                let decided: Option<String> = row.get(16)?;
                Ok(CollectionDetail {
                    item,
                    timeline: timeline
                        .and_then(|t| serde_json::from_str::<Vec<TimelineEvent>>(&t).ok())
                        .unwrap_or_default(),
                    action_items: actions
                        .and_then(|a| serde_json::from_str(&a).ok())
                        .unwrap_or_default(),
                    decided_by: decided
                        .and_then(|d| serde_json::from_value::<Decision>(d.into()).ok()),
                    report: row.get::<_, Option<String>>(17)?.filter(|r| !r.trim().is_empty()),
                })
            })
            .optional()
            .map_err(query("read a postmortem of the collection"))?;
        Ok(detail)
    }

    /// Items whose link is `url` (as stored), for `pmagg show URL`.
    pub fn collection_ids_by_url(&self, url: &str) -> Result<Vec<String>, StoreError> {
        let (sql, _) = Halves::default().build();
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT id FROM ({sql}) WHERE url = ?1 ORDER BY origin DESC, num"))
            .map_err(query("find a postmortem by URL"))?;
        let rows = stmt.query_map([url], |row| row.get(0)).map_err(query("find by URL"))?;
        rows.collect::<Result<_, _>>().map_err(query("find a postmortem by URL"))
    }

    /// Every company of the collection with its number of postmortems, most first.
    pub fn collection_companies(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let (sql, _) = Halves::default().build();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT company, count(*) AS n FROM ({sql}) WHERE company IS NOT NULL \
                 GROUP BY company COLLATE NOCASE ORDER BY n DESC, company"
            ))
            .map_err(query("count companies"))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))
            .map_err(query("count companies"))?;
        rows.collect::<Result<_, _>>().map_err(query("count companies"))
    }

    /// The sources and lists of the collection, sorted.
    pub fn collection_sources(&self) -> Result<Vec<String>, StoreError> {
        let (sql, _) = Halves::default().build();
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT DISTINCT source FROM ({sql}) ORDER BY source"))
            .map_err(query("list sources"))?;
        let rows = stmt.query_map([], |row| row.get(0)).map_err(query("list sources"))?;
        rows.collect::<Result<_, _>>().map_err(query("list sources"))
    }

    /// `PRAGMA data_version`: a number that changes whenever another connection commits to
    /// the database, so that a reader may keep what it read while the number stays the same
    /// (its own writes do not change it).
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "data_version", |row| row.get(0))
            .map_err(query("read the data version"))
    }

    /// Checks an FTS5 query's syntax without running a search: `Err` for `"a AND`.
    pub fn check_search_syntax(&self, terms: &str) -> Result<(), StoreError> {
        // What people get wrong is explained in words first (`StoreError::Search`).
        super::search_query::check_search_query(terms)?;
        // FTS5 parses the query when the statement first steps, so one row is asked for.
        self.conn
            .query_row(
                "SELECT rowid FROM postmortems_fts WHERE postmortems_fts MATCH ?1 LIMIT 1",
                [terms],
                |_| Ok(()),
            )
            .optional()
            .map(|_| ())
            .map_err(query("read the search terms"))
    }
}

/// Where one matching item sorts, and how to read it in full.
struct ItemKey {
    curated: bool,
    num: i64,
    day: Option<String>,
}

impl ItemKey {
    /// Its collection id (`s12`, `c3`).
    fn id(&self) -> String {
        format!("{}{}", if self.curated { 'c' } else { 's' }, self.num)
    }
}

/// `s12` → (synced, 12); `c3` → (curated, 3).
fn split_id(id: &str) -> Option<(Origin, i64)> {
    let origin = match id.as_bytes().first()? {
        b's' => Origin::Synced,
        b'c' => Origin::Curated,
        _ => return None,
    };
    let number = id[1..].parse().ok()?;
    Some((origin, number))
}

/// The two halves of the collection and the WHERE clauses that apply to both.
#[derive(Default)]
struct Halves {
    origin: Option<Origin>,
    q: Option<String>,
    /// Make a snippet of each match (costly: only for the rows of one page).
    snippets: bool,
    /// Only these rows: comma-separated synced and curated numbers (integers read from the
    /// database, so they are safe to write into the SQL).
    only: Option<(String, String)>,
    /// Read only the columns that order, filter and chart the matches (`matching_keys`):
    /// with a text filter, curated matches are then read from `temp.curated_rows`, a compact
    /// copy of those columns, instead of from their full rows.
    light: bool,
    /// SQL conditions over the union's columns, with `?` placeholders.
    conditions: Vec<&'static str>,
    values: Vec<Value>,
}

fn matching(filter: &PostmortemFilter) -> Halves {
    let mut halves = Halves { origin: filter.origin, q: filter.q.clone(), ..Halves::default() };
    let mut add = |condition: &'static str, value: Value| {
        halves.conditions.push(condition);
        halves.values.push(value);
    };
    if let Some(company) = &filter.company {
        add("company = ? COLLATE NOCASE", Value::Text(company.clone()));
    }
    if let Some(category) = &filter.category {
        add(
            "EXISTS (SELECT 1 FROM json_each(categories) WHERE value = ? COLLATE NOCASE)",
            Value::Text(category.clone()),
        );
    }
    if let Some(since) = filter.since {
        add("day >= ?", Value::Text(day(since)));
    }
    if let Some(until) = filter.until {
        add("day <= ?", Value::Text(day(until)));
    }
    if let Some(min) = filter.min_minutes {
        add("duration_minutes >= ?", Value::Integer(i64::from(min)));
    }
    if let Some(max) = filter.max_minutes {
        add("duration_minutes <= ?", Value::Integer(i64::from(max)));
    }
    if let Some(source) = &filter.source {
        add("source = ?", Value::Text(source.clone()));
    }
    halves
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

impl Halves {
    /// With a text filter, indexes the curated entries for this connection first, unless
    /// the index already holds what the table holds (same count, last id, last change and
    /// removals), so a server rebuilds it only after an import. A read-only connection
    /// cannot change the table itself, so while `PRAGMA data_version` says no other
    /// connection committed since the last check, the check is skipped too.
    fn with_index(self, store: &Store) -> Result<Self, StoreError> {
        if self.q.is_none() || self.origin == Some(Origin::Synced) {
            return Ok(self);
        }
        let failed = query("index curated entries for a search");
        let read_only = store.conn.is_readonly("main").map_err(&failed)?;
        let version = if read_only { Some(store.data_version()?) } else { None };
        store
            .conn
            .execute_batch(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.curated_fts USING fts5 \
                     (title, company, summary, tokenize = 'porter unicode61');
                 CREATE TABLE IF NOT EXISTS temp.curated_rows (id INTEGER PRIMARY KEY, \
                     day TEXT, duration_minutes INTEGER, company TEXT, categories TEXT NOT NULL, \
                     list TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS temp.curated_fts_state (state TEXT, version INTEGER);",
            )
            .map_err(&failed)?;
        let indexed: Option<(String, Option<i64>)> = store
            .conn
            .prepare_cached("SELECT state, version FROM temp.curated_fts_state")
            .and_then(|mut stmt| stmt.query_row([], |row| Ok((row.get(0)?, row.get(1)?))))
            .optional()
            .map_err(&failed)?;
        if version.is_some() && indexed.as_ref().is_some_and(|(_, v)| *v == version) {
            return Ok(self);
        }
        let state: String = store
            .conn
            .prepare_cached(
                "SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || \
                 coalesce(max(last_seen), '') || ':' || coalesce(sum(removed), 0) \
                 FROM main.curated_entries",
            )
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(query("read the curated entries' state"))?;
        let same = indexed.as_ref().map(|(s, _)| s.as_str()) == Some(state.as_str());
        if !same {
            store
                .conn
                .execute_batch(
                    "DELETE FROM temp.curated_fts;
                     DELETE FROM temp.curated_rows;
                     INSERT INTO temp.curated_fts (rowid, title, company, summary)
                         SELECT id, title, company, summary FROM main.curated_entries
                         WHERE removed = 0;
                     INSERT INTO temp.curated_rows \
                         (id, day, duration_minutes, company, categories, list)
                         SELECT id, incident_date, duration_minutes, company, categories, list
                         FROM main.curated_entries WHERE removed = 0;",
                )
                .map_err(&failed)?;
        } else if version.is_none() {
            return Ok(self);
        }
        store
            .conn
            .execute_batch("DELETE FROM temp.curated_fts_state")
            .and_then(|()| {
                store.conn.execute(
                    "INSERT INTO temp.curated_fts_state (state, version) VALUES (?1, ?2)",
                    rusqlite::params![state, version],
                )
            })
            .map_err(&failed)?;
        Ok(self)
    }

    /// The union (one or both halves), filtered, as SQL and its parameters in order.
    fn build(self) -> (String, Vec<Value>) {
        let snippet = |table: &str, column: i32| {
            format!("snippet({table}, {column}, '{HIT_START}', '{HIT_END}', '…', 16)")
        };
        let (synced_from, mut synced_snippet, curated_from, mut curated_snippet) =
            if self.q.is_some() {
                (
                    "postmortems_fts JOIN postmortems p ON p.id = postmortems_fts.rowid",
                    snippet("postmortems_fts", -1),
                    "temp.curated_fts JOIN main.curated_entries c ON c.id = curated_fts.rowid",
                    snippet("curated_fts", -1),
                )
            } else {
                ("postmortems p", "NULL".to_owned(), "main.curated_entries c", "NULL".to_owned())
            };
        if !self.snippets {
            "NULL".clone_into(&mut synced_snippet);
            "NULL".clone_into(&mut curated_snippet);
        }
        let mut synced_match =
            if self.q.is_some() { " AND postmortems_fts MATCH ?" } else { "" }.to_owned();
        let mut curated_match =
            if self.q.is_some() { " AND curated_fts MATCH ?" } else { "" }.to_owned();
        if let Some((synced, curated)) = &self.only {
            // On the full-text index's rowid when there is one, so that the few rows are
            // kept before each match is joined to its row. The unary `+` keeps FTS5 from
            // taking them as rowid constraints: it would then seek each one in the term's
            // doclist, which costs more than one pass over the matches.
            let (synced_id, curated_id) = if self.q.is_some() {
                ("+postmortems_fts.rowid", "+curated_fts.rowid")
            } else {
                ("p.id", "c.id")
            };
            let _ = write!(synced_match, " AND {synced_id} IN ({synced})");
            let _ = write!(curated_match, " AND {curated_id} IN ({curated})");
        }
        // The light pass names only the columns it reads and filters on: SQLite runs a
        // UNION ALL subquery as a co-routine that computes every column it names for every
        // match, a synced report's whole text included.
        let synced_columns = if self.light {
            "p.id AS num, 'synced' AS origin, s.name AS source, p.company, \
             coalesce(p.incident_date, substr(p.published, 1, 10), \
                 substr(e.published, 1, 10)) AS day, \
             p.duration_minutes, p.categories"
                .to_owned()
        } else {
            format!(
                "'s' || p.id AS id, p.id AS num, 'synced' AS origin, s.name AS source, \
                 p.title, p.company, coalesce(p.url, e.url) AS url, \
                 coalesce(p.incident_date, substr(p.published, 1, 10), \
                     substr(e.published, 1, 10)) AS day, \
                 p.duration_minutes, p.impact, p.root_cause, p.resolution, p.summary, \
                 p.categories, {synced_snippet} AS snippet, p.timeline, p.action_items, \
                 p.decided_by, e.report AS report"
            )
        };
        let synced = format!(
            "SELECT {synced_columns} \
             FROM {synced_from} JOIN entries e ON e.id = p.entry_id \
             JOIN sources s ON s.id = e.source_id WHERE p.is_postmortem = 1{synced_match}"
        );
        let curated = match (self.light, self.q.is_some()) {
            (true, true) => "SELECT r.id AS num, 'curated' AS origin, r.list AS source, \
                     r.company, r.day, r.duration_minutes, r.categories \
                 FROM temp.curated_fts JOIN temp.curated_rows r ON r.id = curated_fts.rowid \
                 WHERE curated_fts MATCH ?"
                .to_owned(),
            (true, false) => "SELECT c.id AS num, 'curated' AS origin, c.list AS source, \
                     c.company, c.incident_date AS day, c.duration_minutes, c.categories \
                 FROM main.curated_entries c WHERE c.removed = 0"
                .to_owned(),
            (false, _) => format!(
                "SELECT 'c' || c.id AS id, c.id AS num, 'curated' AS origin, c.list AS source, \
                 c.title, c.company, c.url, c.incident_date AS day, \
                 c.duration_minutes, NULL AS impact, NULL AS root_cause, \
                 NULL AS resolution, c.summary, c.categories, {curated_snippet} AS snippet, \
                 NULL AS timeline, NULL AS action_items, NULL AS decided_by, c.report \
             FROM {curated_from} WHERE c.removed = 0{curated_match}"
            ),
        };
        let mut values = Vec::new();
        let union = match self.origin {
            Some(Origin::Synced) => {
                values.extend(self.q.iter().cloned().map(Value::Text));
                synced
            }
            Some(Origin::Curated) => {
                values.extend(self.q.iter().cloned().map(Value::Text));
                curated
            }
            None => {
                values.extend(self.q.iter().cloned().map(Value::Text));
                values.extend(self.q.iter().cloned().map(Value::Text));
                format!("{synced} UNION ALL {curated}")
            }
        };
        let mut sql = format!("SELECT * FROM ({union})");
        for (i, condition) in self.conditions.iter().enumerate() {
            let _ = write!(sql, "{} {condition}", if i == 0 { " WHERE" } else { " AND" });
        }
        values.extend(self.values);
        (sql, values)
    }
}

fn read_item(row: &Row<'_>) -> rusqlite::Result<CollectionItem> {
    let origin: String = row.get(1)?;
    let day: Option<String> = row.get(6)?;
    let categories: Option<String> = row.get(12)?;
    Ok(CollectionItem {
        id: row.get(0)?,
        origin: if origin == "curated" { Origin::Curated } else { Origin::Synced },
        source: row.get(2)?,
        title: row.get(3)?,
        company: row.get(4)?,
        url: row.get(5)?,
        incident_date: day.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        duration_minutes: row.get(7)?,
        impact: row.get(8)?,
        root_cause: row.get(9)?,
        resolution: row.get(10)?,
        summary: row.get(11)?,
        categories: categories.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default(),
        snippet: row.get(13)?,
    })
}
