//! The curated-list markdown format: its grammar, read and written in one place.
//!
//! A curated list (awesome-postmortems, danluu/post-mortems, k8s.af, carlsborg) is markdown
//! read line by line. This module says what its lines are and how an entry is written:
//!
//! - [`line`](mod@line): the line classes ([`Line`]: blank, fence, heading, setext underline, break,
//!   bullet, text), indentation in columns, bullets and headings, where each line is in the
//!   file ([`SourceLine`]) and which line ending a file prefers;
//! - [`entry`]: the entry line `- MM-DD-YYYY - [Title](url) by [Company](url)`, read
//!   ([`read_entry`], with its parts: the date prefix, inline links, `by ...`) and written
//!   ([`write_entry`]);
//! - [`fields`]: the bold field labels of numbered blocks (`1. **Summary**: ...` then
//!   `**Links**: url`, the carlsborg shape);
//! - [`escape`]: text made safe for one line of markdown and read back ([`escape_inline`],
//!   [`unescape`]), and which links may be written ([`safe_href`]).
//!
//! `parse::list` reads lists with it and `render::readme` writes and re-reads them with it,
//! so what pmagg writes is what it reads. It is pure text in, values out: no I/O, and it
//! imports only `model` (the architecture test checks that). Which lines make an entry, which
//! sections count and how a list's style is chosen stay with the reader and the writer.

pub mod entry;
pub mod escape;
pub mod fields;
pub mod line;

pub use entry::{
    DatePrefix, EntryLine, InlineLink, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, NewEntry, date_prefix,
    is_http, leading_link, plain_text, read_entry, write_entry, write_nested,
};
pub use escape::{escape_inline, host_of, safe_href, unescape};
pub use fields::{Field, field};
pub use line::{
    Line, SourceLine, bullet, classify, heading, indent_width, is_fence, line_ending, lines_of,
};
