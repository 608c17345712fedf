//! SQLite: the only module that contains SQL.
//!
//! Takes model values, returns model values; never fetches, parses or renders. [`Store::open`]
//! sets WAL, `foreign_keys` and `busy_timeout`, then brings the schema up to date. Every write
//! is an idempotent upsert on a natural key, and a source's writes happen in one transaction,
//! so a crash leaves either the old state or the new one.

mod collection;
mod curated;
mod entries;
mod links;
mod marks;
mod migrate;
mod postmortems;
mod search_query;
mod sources;

pub use collection::{HIT_END, HIT_START};
pub use curated::CuratedReport;
pub use entries::{ReportFailure, SourceWrite};
pub use marks::DecisionRow;
pub use postmortems::ExtractionState;
pub use sources::LastReportFailure;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

/// How long a write waits for another process's write (e.g. the daemon's) before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        #[allow(
            clippy::disallowed_methods,
            reason = "Store::open is the one place that opens SQLite"
        )]
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // WAL lets `pmagg sync` read and write beside a running daemon; NORMAL sync is safe
        // with WAL (a crash loses at most the last commits, never consistency).
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        migrate::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate { path: path.to_owned(), source })?;
        Ok(Self { conn, path: path.to_owned() })
    }

    /// Opens an existing database for reading only, as `list`, `show`, `search` and `export`
    /// do: nothing is created or migrated, so they work on a file they may not write (mode
    /// 0444, a read-only mount). When SQLite cannot open it read-only in WAL mode (it needs a
    /// `-shm` file it may not create), the file is opened as immutable, which is safe because
    /// nothing can be writing a file nobody may write. A database at an older schema that
    /// this process may write is migrated first (through [`Store::open`]); one it may not
    /// write is refused with [`StoreError::Outdated`].
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let writable = std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
        let store = match Self::connect_read_only(path, false) {
            Ok(store) => store,
            Err(_) if !writable => Self::connect_read_only(path, true)?,
            Err(err) => return Err(err),
        };
        let version = store.schema_version()?;
        let latest = migrate::latest_version();
        if version >= latest {
            Ok(store)
        } else if writable {
            drop(store);
            Self::open(path)
        } else {
            Err(StoreError::Outdated { path: path.to_owned(), version, latest })
        }
    }

    /// A read-only connection that has answered one query; `immutable` opens it through a
    /// `file:` URI with `immutable=1` (no locks, no `-shm`).
    fn connect_read_only(path: &Path, immutable: bool) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        #[allow(
            clippy::disallowed_methods,
            reason = "Store::open_read_only is the one place that opens SQLite read-only"
        )]
        let conn = if immutable {
            // A `file:` URI needs an absolute path; the working directory is readable here.
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
            let mut uri = url::Url::from_file_path(&absolute)
                .map_err(|()| open_err(rusqlite::Error::InvalidPath(absolute.clone())))?;
            uri.set_query(Some("immutable=1"));
            Connection::open_with_flags(uri.as_str(), flags)
        } else {
            Connection::open_with_flags(path, flags)
        }
        .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Opening is lazy: the first read is where a missing `-shm` or a non-database shows.
        conn.pragma_query_value(None, "user_version", |row| row.get::<_, u32>(0))
            .map_err(open_err)?;
        Ok(Self { conn, path: path.to_owned() })
    }

    /// A second, read-only connection to the same database, for reads that should not wait
    /// for this connection's writes: in WAL mode a reader sees the last commit while a write
    /// is under way. A sync pass reads each source's stored state through one while its
    /// writer holds the main connection for a batch. `None` when the path names no shared
    /// file (`:memory:`, a temporary database): a second connection would open another, empty
    /// database, and this one's reads must stay on this connection.
    pub fn reader(&self) -> Result<Option<Self>, StoreError> {
        let open_err = |source| StoreError::Open { path: self.path.clone(), source };
        #[allow(
            clippy::disallowed_methods,
            reason = "a second connection to the database Store::open opened and migrated"
        )]
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        let reader = Self { conn, path: self.path.clone() };
        // Another database is empty: only one at this schema version is this one.
        let same = reader.schema_version()? == self.schema_version()?;
        Ok(same.then_some(reader))
    }

    /// Begins a write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`).
    ///
    /// A deferred transaction that reads before it writes cannot wait for another process's
    /// write: when that write commits first, SQLite refuses the upgrade at once with
    /// SQLITE_BUSY ("database is locked"), whatever the busy timeout. Taking the lock up front
    /// makes every writer queue on [`BUSY_TIMEOUT`] instead, so a `pmagg sync` typed beside a
    /// running daemon waits for the daemon's (short, one-source) transaction and goes on.
    fn write_transaction(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(query("begin a transaction"))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(query("read the schema version"))
    }

    /// Hands the connection's page cache back to the allocator (`PRAGMA shrink_memory`): the
    /// daemon calls it between passes, where nothing needs the cache.
    pub fn release_memory(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("PRAGMA shrink_memory").map_err(query("shrink the page cache"))
    }

    /// `PRAGMA integrity_check`: `Ok(())` when it answers "ok".
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let result: String = self
            .conn
            .pragma_query_value(None, "integrity_check", |row| row.get(0))
            .map_err(query("run integrity_check"))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt { path: self.path.clone(), detail: result })
        }
    }
}

/// Why the store failed. Any of these makes the database unusable for the pass.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened as a SQLite database.
    #[error("cannot open database {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate database {}", path.display())]
    Migrate {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite_migration::Error,
    },
    /// A database at an older schema that this process may not write, so cannot migrate.
    #[error(
        "database {} is at schema version {version}, older than this pmagg's {latest}, and \
         read-only: run a command that writes (e.g. `pmagg sync`) once with write access",
        path.display()
    )]
    Outdated {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        version: u32,
        /// The version this build migrates to.
        latest: u32,
    },
    /// A `pmagg search` query that FTS5 cannot read, explained in words.
    #[error("cannot search for {query:?}: {problem}")]
    Search {
        /// The query as given.
        query: String,
        /// What is wrong, with an example of a query that works.
        problem: String,
    },
    /// A statement failed.
    #[error("database error: cannot {what}")]
    Query {
        /// What was being done.
        what: &'static str,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// `integrity_check` found damage.
    #[error("database {} failed integrity_check: {detail}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// A stored value could not be read back.
    #[error("database holds an invalid {what}: {value:?}")]
    Invalid {
        /// Which column.
        what: &'static str,
        /// The value.
        value: String,
    },
}

/// Names the JSON column in the error: `.map_err(json("incident"))`.
fn json(what: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |err| StoreError::Invalid { what, value: err.to_string() }
}

/// Names the statement in the error: `.map_err(query("upsert an entry"))`.
fn query(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}

/// Timestamps are stored as RFC 3339 UTC text with second precision, which sorts.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_timestamp(
    what: &'static str,
    value: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    value
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| StoreError::Invalid { what, value: text })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_sees_the_same_database_or_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).unwrap();
        let reader = store.reader().unwrap().expect("a file database has a reader");
        assert_eq!(reader.schema_version().unwrap(), store.schema_version().unwrap());
        assert!(reader.conn.execute_batch("CREATE TABLE t (x)").is_err(), "read-only");

        let memory = Store::open(Path::new(":memory:")).unwrap();
        assert!(memory.reader().unwrap().is_none(), "a second :memory: is another database");
    }

    #[test]
    fn a_read_only_file_is_opened_for_reading() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro.db");
        drop(Store::open(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let store = Store::open_read_only(&path).unwrap();
        assert!(store.list_entries(10).unwrap().is_empty());
        assert!(store.conn.execute_batch("CREATE TABLE t (x)").is_err(), "read-only");
    }

    #[test]
    fn opens_fresh_database_with_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.db")).unwrap();
        let mode: String =
            store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        assert_eq!(store.schema_version().unwrap(), migrate::latest_version());
        store.integrity_check().unwrap();
    }

    #[test]
    fn upgrades_an_older_database_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            #[allow(clippy::disallowed_methods)]
            let mut conn = Connection::open(&path).unwrap();
            migrate::MIGRATIONS.to_version(&mut conn, 1).unwrap();
            conn.execute(
                "INSERT INTO sources (name, kind, url, etag) VALUES ('a', 'feed', 'https://a.example/', '\"v1\"')",
                [],
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrate::latest_version());
        let unused_index: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'entries_by_published'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unused_index, 0);
        let states = store.source_states().unwrap();
        assert_eq!(states[0].validators.etag.as_deref(), Some("\"v1\""));
        assert!(store.list_entries(10).unwrap().is_empty());
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_an_open_or_migrate_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Open { .. } | StoreError::Migrate { .. }), "{err:?}");
    }
}
