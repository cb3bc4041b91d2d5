//! Importing another site (GnuBoard5) in one transaction, and what the imported data needs
//! afterwards: comments in thread order, old addresses, old editor files.
//!
//! An import opens an [`ImportSession`] (one database transaction), feeds it rows through
//! one method per kind, and ends with [`ImportSession::finish`], which recomputes the board
//! counters, bumps the site generation (when something was added), writes one audit line,
//! and commits — or rolls everything back for a dry run. A failure part-way drops the
//! session, which rolls the transaction back: the site stays as it was.
//!
//! Every imported row is recorded in `import_map` under (source, kind, source key); a row
//! already recorded is not imported again, so a second run of the same source changes
//! nothing. Nothing here relies on a failing statement (PostgreSQL aborts a transaction at
//! the first error): conflicts are checked first or written with `ON CONFLICT DO NOTHING`.
//!
//! The parts: `session` (the transaction, the import map and the end of an import),
//! `boards` (menu groups, boards, members and their administrator roles), `posts` (posts,
//! comments and where posts came from), `pages` (content pages and the old menu's order), `files` (attachments and old editor files),
//! `legacy_urls` (old addresses, their canonical form and where they now lead) and `pending`
//! (the rows a session holds back to write many to a statement).

mod boards;
mod files;
mod legacy_urls;
mod pages;
mod pending;
mod posts;
mod session;

pub use boards::{ImportGroup, ImportMember, MemberAccount};
pub use files::{ImportAttachment, LegacyFile};
pub use legacy_urls::{canonical_legacy_path, post_path};
pub use pages::ImportPage;
pub use posts::{Comment, ImportComment, ImportPost, ImportProvenance};
pub use session::{ImportSession, Imported};
