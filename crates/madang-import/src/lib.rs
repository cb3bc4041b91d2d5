//! Moving a site into Madang. Today: GnuBoard5, from a mysqldump file or a live
//! MariaDB/MySQL database, and the site's `data/` folder.
//!
//! # Use
//!
//! ```no_run
//! # async fn example(store: &madang_store::Store, files: &madang_files::Files)
//! # -> Result<(), madang_import::ImportError> {
//! use madang_import::gnuboard::{ImportOptions, import};
//!
//! let mut options = ImportOptions::new("site.sql", "/var/www/gnuboard/data");
//! options.dry_run = true; // report only, change nothing
//! let report = import(store, files, &options, &mut |p| {
//!     eprintln!("{} {}/{}", p.table, p.done, p.total);
//! })
//! .await?;
//! println!("{report}");
//! # Ok(()) }
//! ```
//!
//! A live database instead of a dump: `ImportOptions::from_mysql("mysql://user:pass@host/db",
//! "/var/www/gnuboard/data")`. It gives exactly the rows a dump of that database would
//! ([`mysql`]), and the default source name is `gnuboard5:<database>/<prefix>` for both,
//! so importing a site from its dump and then from its database changes nothing the second
//! time.
//!
//! [`gnuboard::import`] is the whole `madang import gnuboard (--dump FILE.sql | --mysql URL)
//! --files DIR/data [--dry-run]` command. It returns a [`Report`]: counts per [`Kind`] (created now, already
//! there from an earlier run, skipped), every skipped row with its reason, warnings, and
//! what the old site had that Madang does not carry. The progress callback is called per
//! source table (and every 200 rows of a posts table) for a progress bar.
//!
//! # Guarantees
//!
//! - **All or nothing.** Everything is written in one database transaction. A malformed
//!   dump (truncated, not GnuBoard5, a posts table without the columns it needs, text that
//!   is not UTF-8) is refused before anything is written; an error part-way rolls back,
//!   and files stored by the failed run are removed.
//! - **Idempotent.** Each source row is recorded in `import_map` (source, kind, key); a
//!   second run of the same source creates nothing and changes no counts.
//! - **Double-encoded UTF-8** (UTF-8 read as latin1 and encoded again: `ì•ˆë…•` for
//!   `안녕`) is repaired value by value when the repair is sure ([`encoding`]), and
//!   counted in the report's warnings and [`Report::repaired_text`].
//! - **Dry run** does the same work in the same transaction and rolls it back; files are
//!   read and hashed but not stored. The report is what a real run would do.
//!
//! # What comes over
//!
//! Groups → menu groups; boards with their levels, title length, page size and list
//! order; members with their level, super-admin flag (`cf_admin`), block, and their old
//! password hash unchanged (verify with `madang_core::legacy_password`, then re-hash);
//! deleted-member stubs only as author names; board and group administrators; posts with
//! thread key (`wr_num`), reply parent and path, category, pin (`bo_notice`), secret flag,
//! links, views, dates (KST → UTC), sanitised bodies (text posts rendered as GnuBoard5 did),
//! search terms; comments with their tree; attachments byte for byte (SHA-256 checked,
//! identical files stored once) with names, captions and download counts; editor images
//! (`data/editor/…`) stored and the bodies' addresses rewritten to `/files/legacy/…`;
//! copy/move lines as provenance (the visible line stays); redirects from every old address
//! form to the new pages.

pub mod dump;
pub mod encoding;
pub mod gnuboard;
pub mod mysql;
mod report;

pub use gnuboard::{ImportError, ImportOptions, Progress, import};
pub use report::{Count, Kind, Report, Skipped};
