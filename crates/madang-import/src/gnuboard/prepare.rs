//! The work on a board's rows that needs nothing but the row, done on a thread of its own
//! ahead of the import: a post's body sanitised, its plain text, its language and its
//! search terms; a comment's text rendered. That is most of an import's own CPU time, and
//! the import's loop, which waits on the database for the rest, then only takes the
//! results in order.
//!
//! The thread walks the rows in the order the import will ask for them and stays at most
//! [`AHEAD`] rows ahead (a bounded channel), so memory does not grow with the board. A row
//! it cannot do alone (a body with old file addresses to rewrite, which stores files) is
//! left to the import's loop, which also does whatever it asks for and was not prepared:
//! the results are the same either way.

use std::sync::Arc;

use madang_core::text::{guess_language, plain_text};
use madang_store::PostTerms;
use tokio::sync::mpsc;

use super::bodies::legacy_refs;
use super::tables::{CompactRow, Table};

/// How many rows the thread may be ahead of the import.
const AHEAD: usize = 256;

/// A post as Madang keeps it, made from its row alone.
pub(super) struct PreparedPost {
    pub(super) html: String,
    pub(super) text: String,
    pub(super) lang: Option<&'static str>,
    pub(super) terms: PostTerms,
}

pub(super) enum Prepared {
    Post(PreparedPost),
    /// A comment's body as HTML.
    Comment(String),
    /// Left to the import's loop.
    Not,
}

/// What to prepare for a row (by its index in the board's rows).
#[derive(Clone, Copy)]
pub(super) enum Job {
    Post(usize),
    Comment(usize),
}

impl Job {
    fn row(self) -> usize {
        match self {
            Job::Post(i) | Job::Comment(i) => i,
        }
    }
}

/// Positions of the columns the thread reads.
struct Columns {
    subject: Option<usize>,
    content: Option<usize>,
    option: Option<usize>,
}

/// The receiving end: results in the order of the jobs.
pub(super) struct Preparer {
    rx: mpsc::Receiver<(usize, Prepared)>,
}

impl Preparer {
    /// Starts the thread on `jobs`, in the order the import will ask for them.
    pub(super) fn start(table: &Table, rows: Arc<Vec<CompactRow>>, jobs: Vec<Job>) -> Preparer {
        let columns = Columns {
            subject: table.position("wr_subject"),
            content: table.position("wr_content"),
            option: table.position("wr_option"),
        };
        let (tx, rx) = mpsc::channel(AHEAD);
        // Without a thread (the system refuses one), nothing is prepared and the import's
        // loop makes everything itself.
        let _ = std::thread::Builder::new()
            .name("import-prepare".into())
            .spawn(move || {
                for job in jobs {
                    let Some(row) = rows.get(job.row()) else {
                        continue;
                    };
                    let value = |c: Option<usize>| c.and_then(|c| row.value(c)).unwrap_or("");
                    let content = value(columns.content);
                    let prepared = match job {
                        Job::Post(_) => match pure_body_html(content, value(columns.option)) {
                            Some(html) => {
                                Prepared::Post(prepare_post(value(columns.subject), html))
                            }
                            None => Prepared::Not,
                        },
                        Job::Comment(_) => {
                            Prepared::Comment(madang_core::html::text_to_html(content))
                        }
                    };
                    // The import stopped (an error): nothing more to do.
                    if tx.blocking_send((job.row(), prepared)).is_err() {
                        return;
                    }
                }
            });
        Preparer { rx }
    }

    /// The result for row `row`, if it was prepared. Results of rows the import passed
    /// over (a comment whose post was not imported) are dropped on the way.
    pub(super) async fn take(&mut self, row: usize) -> Option<Prepared> {
        while let Some((i, prepared)) = self.rx.recv().await {
            if i == row {
                return Some(prepared);
            }
        }
        None
    }
}

/// A post's plain text, language and search terms from its sanitised body.
pub(super) fn prepare_post(subject: &str, html: String) -> PreparedPost {
    let text = plain_text(&html);
    PreparedPost {
        // GnuBoard5 records no language: the title and text tell it when they can.
        lang: guess_language(&format!("{subject} {text}")),
        terms: PostTerms::of(subject, &text),
        html,
        text,
    }
}

/// A body as [`super::bodies::body_html`] makes it, when that needs no old file
/// rewritten (`None` otherwise).
pub(super) fn pure_body_html(content: &str, option: &str) -> Option<String> {
    let options: Vec<&str> = option.split(',').map(str::trim).collect();
    if options.contains(&"html1") || options.contains(&"html2") {
        let mut html = content.replace("\r\n", "\n");
        if options.contains(&"html2") {
            html = html.replace('\n', "<br>\n");
        }
        if !legacy_refs(&html).is_empty() {
            return None;
        }
        Some(madang_core::html::sanitize(&html))
    } else {
        Some(madang_core::html::text_to_html(content))
    }
}
