//! Plain data shared by the stages.
//!
//! Takes nothing and returns nothing: these are the values that cross the arrows of the
//! pipeline (`config → fetch → parse → store`). No I/O happens here, and no type here holds a
//! connection, a client or a parsed document.
//!
//! One file per kind of value: `source`s, `entry`s (with reports and verdicts), documents and
//! `postmortem`s, `curated` lists and the `collection` as queried; every item is re-exported
//! here, so `crate::model::Entry` and the like are the paths to use.

mod collection;
mod curated;
mod entry;
pub mod links;
mod postmortem;
mod source;

pub use self::collection::*;
pub use self::curated::*;
pub use self::entry::*;
pub use self::postmortem::*;
pub use self::source::*;
