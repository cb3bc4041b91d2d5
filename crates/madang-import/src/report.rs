//! What an import did (or, for a dry run, would do): counts per kind, every row left out
//! with the reason, and what the source had that Madang does not carry.

use std::collections::BTreeMap;
use std::fmt;

/// The kinds of things an import brings over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Group,
    Board,
    Member,
    GroupAdmin,
    BoardAdmin,
    Post,
    Comment,
    Attachment,
    EditorImage,
    Provenance,
    Redirect,
    Page,
    MenuItem,
}

impl Kind {
    /// A plural name for the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Group => "groups",
            Kind::Board => "boards",
            Kind::Member => "members",
            Kind::GroupAdmin => "group admins",
            Kind::BoardAdmin => "board admins",
            Kind::Post => "posts",
            Kind::Comment => "comments",
            Kind::Attachment => "attachments",
            Kind::EditorImage => "editor images",
            Kind::Provenance => "copy/move records",
            Kind::Redirect => "redirects",
            Kind::Page => "pages",
            Kind::MenuItem => "menu items",
        }
    }
}

/// Counts of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    /// Created by this run (or, in a dry run, that would be).
    pub imported: u64,
    /// Already there from an earlier run of the same source; left unchanged.
    pub existing: u64,
    /// Left out; each one is listed in [`Report::skipped`].
    pub skipped: u64,
}

/// A row left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub kind: Kind,
    /// The source row, e.g. `advocacy/4` or `member jeong_dw`.
    pub key: String,
    pub reason: String,
}

/// The outcome of an import.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The source's name in the import map (stays the same between runs of one site).
    pub source: String,
    /// The table prefix found in the dump (`g5_`).
    pub prefix: String,
    /// Nothing was changed.
    pub dry_run: bool,
    pub counts: BTreeMap<Kind, Count>,
    pub skipped: Vec<Skipped>,
    /// Problems that did not stop a row (a size that differs, a missing editor image,
    /// repaired double-encoded text, …).
    pub warnings: Vec<String>,
    /// Text values that were double-encoded UTF-8 and were repaired (each table with any
    /// is also named in [`warnings`](Self::warnings)).
    pub repaired_text: u64,
    /// Tables, settings and columns of the source that Madang does not carry, and why.
    pub not_carried: Vec<String>,
}

impl Report {
    pub(crate) fn imported(&mut self, kind: Kind) {
        self.counts.entry(kind).or_default().imported += 1;
    }

    pub(crate) fn existing(&mut self, kind: Kind) {
        self.counts.entry(kind).or_default().existing += 1;
    }

    /// Adds counts made elsewhere (redirects are counted by the store as it writes them).
    pub(crate) fn add(&mut self, kind: Kind, imported: u64, existing: u64) {
        if imported + existing > 0 {
            let count = self.counts.entry(kind).or_default();
            count.imported += imported;
            count.existing += existing;
        }
    }

    pub(crate) fn skip(&mut self, kind: Kind, key: impl Into<String>, reason: impl Into<String>) {
        self.counts.entry(kind).or_default().skipped += 1;
        self.skipped.push(Skipped {
            kind,
            key: key.into(),
            reason: reason.into(),
        });
    }

    pub(crate) fn warn(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    /// The counts of one kind (zero when none were seen).
    pub fn count(&self, kind: Kind) -> Count {
        self.counts.get(&kind).copied().unwrap_or_default()
    }

    /// How many rows of all kinds were created.
    pub fn total_imported(&self) -> u64 {
        self.counts.values().map(|c| c.imported).sum()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        writeln!(
            f,
            "GnuBoard5 import from {} (table prefix {}){}",
            self.source,
            self.prefix,
            if self.dry_run {
                " — dry run, nothing changed"
            } else {
                ""
            }
        )?;
        writeln!(
            f,
            "  {:<20} {:>9} {:>9} {:>9}",
            "", verb, "existing", "skipped"
        )?;
        for (kind, c) in &self.counts {
            writeln!(
                f,
                "  {:<20} {:>9} {:>9} {:>9}",
                kind.name(),
                c.imported,
                c.existing,
                c.skipped
            )?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "Skipped ({}):", self.skipped.len())?;
            for s in &self.skipped {
                writeln!(f, "  {} {}: {}", s.kind.name(), s.key, s.reason)?;
            }
        }
        if !self.warnings.is_empty() {
            writeln!(f, "Warnings ({}):", self.warnings.len())?;
            for w in &self.warnings {
                writeln!(f, "  {w}")?;
            }
        }
        if !self.not_carried.is_empty() {
            writeln!(f, "Not carried over ({}):", self.not_carried.len())?;
            for n in &self.not_carried {
                writeln!(f, "  {n}")?;
            }
        }
        Ok(())
    }
}
