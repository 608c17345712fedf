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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }
}
