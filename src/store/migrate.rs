//! Schema migrations: `migrations/NN-name/up.sql`, embedded at build time and tracked by
//! SQLite's `user_version`. Append-only: a migration that has shipped is never edited.

use std::sync::LazyLock;

use include_dir::{Dir, include_dir};
use rusqlite_migration::Migrations;

static MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// The migrations, parsed once.
pub(crate) static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::from_directory(&MIGRATIONS_DIR)
        .expect("migrations/ is checked by the `migrations_are_valid` test at build time")
});

/// The schema version the migrations bring a database to: one per `NN-name` folder.
pub(crate) fn latest_version() -> u32 {
    MIGRATIONS_DIR.dirs().count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        #[allow(clippy::disallowed_methods)]
        let mut conn = rusqlite::Connection::open(dir.path().join("v.db")).unwrap();
        MIGRATIONS.to_latest(&mut conn).unwrap();
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, latest_version());
    }
}
