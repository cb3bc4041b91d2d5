//! Comparing two versions of a post (a revision and the current text) for staff: the
//! changed lines, and within them the changed words, as a list of segments a template
//! marks up. Long unchanged stretches are collapsed into one "N unchanged lines" marker.
//!
//! The texts compared are plain text with one line per block (see
//! [`crate::text::plain_lines`]), never HTML: a diff shows what readers read, and its
//! segments are escaped like any other text.

use std::time::Duration;

use serde::Serialize;
use similar::{ChangeTag, DiffOp, TextDiff};

/// Unchanged lines kept on each side of a change; more are collapsed.
pub const CONTEXT_LINES: usize = 2;

/// How long one comparison may take. Past it `similar` settles for a coarser (still
/// correct) diff, so an enormous post cannot hold a request.
const TIMEOUT: Duration = Duration::from_millis(500);

/// What a segment of a diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// In both versions.
    Same,
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
    /// Unchanged lines left out; [`Segment::lines`] says how many.
    Skipped,
}

/// A run of text of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub kind: Kind,
    /// The text, line breaks included (empty for [`Kind::Skipped`]).
    pub text: String,
    /// For [`Kind::Skipped`], how many lines were left out; otherwise 0.
    pub lines: usize,
}

impl Segment {
    fn new(kind: Kind, text: impl Into<String>) -> Segment {
        Segment {
            kind,
            text: text.into(),
            lines: 0,
        }
    }
}

/// Two versions of a post compared: title and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub title: Vec<Segment>,
    pub title_changed: bool,
    pub body: Vec<Segment>,
    pub body_changed: bool,
}

/// Compares an older version (title, plain lines) with a newer one.
pub fn compare(old: (&str, &str), new: (&str, &str)) -> Comparison {
    Comparison {
        title: diff_words(old.0, new.0),
        title_changed: old.0 != new.0,
        body: diff_lines(old.1, new.1),
        body_changed: old.1 != new.1,
    }
}

/// Compares two texts line by line; changed lines are compared word by word. Unchanged
/// stretches longer than the context around changes become a [`Kind::Skipped`] marker.
pub fn diff_lines(old: &str, new: &str) -> Vec<Segment> {
    // Every line ends with a line break, so a line that gained a successor (the last line
    // of the older text) still equals itself.
    let (old, new) = (terminated(old), terminated(new));
    let diff = TextDiff::configure()
        .timeout(TIMEOUT)
        .diff_lines(old.as_str(), new.as_str());
    let ops = diff.ops();
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match *op {
            DiffOp::Equal { old_index, len, .. } => {
                let lines: Vec<&str> = (old_index..old_index + len)
                    .filter_map(|l| diff.old_slice(l))
                    .collect();
                let keep_head = if i == 0 { 0 } else { CONTEXT_LINES };
                let keep_tail = if i + 1 == ops.len() { 0 } else { CONTEXT_LINES };
                if lines.len() >= keep_head + keep_tail + 2 {
                    out.push(Segment::new(Kind::Same, lines[..keep_head].concat()));
                    out.push(Segment {
                        kind: Kind::Skipped,
                        text: String::new(),
                        lines: lines.len() - keep_head - keep_tail,
                    });
                    out.push(Segment::new(
                        Kind::Same,
                        lines[lines.len() - keep_tail..].concat(),
                    ));
                } else {
                    out.push(Segment::new(Kind::Same, lines.concat()));
                }
            }
            DiffOp::Delete { .. } | DiffOp::Insert { .. } => {
                for change in diff.iter_changes(op) {
                    out.push(Segment::new(kind_of(change.tag()), change.value()));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let before: String = (old_index..old_index + old_len)
                    .filter_map(|l| diff.old_slice(l))
                    .collect();
                let after: String = (new_index..new_index + new_len)
                    .filter_map(|l| diff.new_slice(l))
                    .collect();
                out.extend(diff_words(&before, &after));
            }
        }
    }
    tidy(out)
}

/// Compares two texts word by word. A change that spans several words separated only by
/// spaces reads as one removed phrase followed by one added phrase, not as alternating
/// single words.
pub fn diff_words(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::configure().timeout(TIMEOUT).diff_words(old, new);
    let changes: Vec<(Kind, &str)> = diff
        .iter_all_changes()
        .map(|c| (kind_of(c.tag()), c.value()))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < changes.len() {
        if changes[i].0 == Kind::Same {
            out.push(Segment::new(Kind::Same, changes[i].1));
            i += 1;
            continue;
        }
        // One run of changes: changed words and the unchanged spaces between them (but not
        // a space at its end, nor a line break, which stays a boundary of its own).
        let (mut removed, mut added) = (String::new(), String::new());
        let mut end = i;
        while end < changes.len() {
            let (kind, text) = changes[end];
            let joins = kind == Kind::Same
                && is_space(text)
                && changes
                    .get(end + 1)
                    .is_some_and(|next| next.0 != Kind::Same);
            match kind {
                Kind::Removed => removed.push_str(text),
                Kind::Added => added.push_str(text),
                _ if joins => {
                    removed.push_str(text);
                    added.push_str(text);
                }
                _ => break,
            }
            end += 1;
        }
        // Spaces alone on one side are the other side's separators, not a change.
        let (removed_words, added_words) = (!removed.trim().is_empty(), !added.trim().is_empty());
        if removed_words || !added_words {
            out.push(Segment::new(Kind::Removed, removed));
        }
        if added_words || !removed_words {
            out.push(Segment::new(Kind::Added, added));
        }
        i = end;
    }
    tidy(out)
}

fn kind_of(tag: ChangeTag) -> Kind {
    match tag {
        ChangeTag::Equal => Kind::Same,
        ChangeTag::Insert => Kind::Added,
        ChangeTag::Delete => Kind::Removed,
    }
}

/// Whitespace inside a line.
fn is_space(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_whitespace() && c != '\n')
}

fn terminated(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// Drops empty segments and merges neighbours of the same kind.
fn tidy(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    for s in segments {
        if s.kind != Kind::Skipped && s.text.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.kind == s.kind && s.kind != Kind::Skipped => {
                last.text.push_str(&s.text);
            }
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| match s.kind {
                Kind::Same => s.text.clone(),
                Kind::Added => format!("{{+{}+}}", s.text),
                Kind::Removed => format!("[-{}-]", s.text),
                Kind::Skipped => format!("(…{})\n", s.lines),
            })
            .collect()
    }

    #[test]
    fn changed_words_are_marked_within_a_line() {
        let d = diff_words("the quick brown fox jumps", "the slow red fox jumps");
        assert_eq!(show(&d), "the [-quick brown-]{+slow red+} fox jumps");
    }

    #[test]
    fn identical_texts_are_all_same() {
        assert_eq!(
            diff_words("같은 제목", "같은 제목"),
            vec![Segment::new(Kind::Same, "같은 제목")]
        );
        assert!(diff_lines("", "").is_empty());
    }

    #[test]
    fn korean_words_are_compared_whole() {
        let d = diff_words(
            "서울에서 세미나를 열었습니다",
            "부산에서 세미나를 열었습니다",
        );
        assert_eq!(show(&d), "[-서울에서-]{+부산에서+} 세미나를 열었습니다");
    }

    #[test]
    fn added_and_removed_lines() {
        let d = diff_lines("one\ntwo\nthree", "one\nthree\nfour");
        assert_eq!(show(&d), "one\n[-two\n-]three\n{+four\n+}");
    }

    #[test]
    fn a_changed_line_shows_its_changed_words() {
        let d = diff_lines(
            "first\nsecond line here\nthird",
            "first\nsecond text here\nthird",
        );
        assert_eq!(show(&d), "first\nsecond [-line-]{+text+} here\nthird\n");
    }

    #[test]
    fn long_unchanged_stretches_are_collapsed() {
        let old: Vec<String> = (1..=20).map(|n| format!("line {n}")).collect();
        let mut new = old.clone();
        new[9] = "line ten".into();
        let d = diff_lines(&old.join("\n"), &new.join("\n"));
        assert_eq!(
            show(&d),
            "(…7)\nline 8\nline 9\nline [-10-]{+ten+}\nline 11\nline 12\n(…8)\n"
        );
        assert_eq!(d.iter().filter(|s| s.kind == Kind::Skipped).count(), 2);
        // Nothing changed: the whole text is one marker.
        let same = diff_lines(&old.join("\n"), &old.join("\n"));
        assert_eq!(show(&same), "(…20)\n");
    }

    #[test]
    fn short_unchanged_stretches_stay() {
        let d = diff_lines("a\nb\nc\nd\ne\nf", "a\nb\nc\nd\ne\nF");
        // Five unchanged lines before the change: two kept, three collapsed.
        assert_eq!(show(&d), "(…3)\nd\ne\n[-f-]{+F+}\n");
        let d = diff_lines("a\nb\nc", "a\nb\nC");
        assert_eq!(show(&d), "a\nb\n[-c-]{+C+}\n");
    }

    #[test]
    fn the_title_and_body_are_compared_apart() {
        let c = compare(("Old title", "same body"), ("New title", "same body"));
        assert!(c.title_changed);
        assert!(!c.body_changed);
        assert_eq!(show(&c.title), "[-Old-]{+New+} title");
        let c = compare(("T", "a"), ("T", "b"));
        assert!(!c.title_changed && c.body_changed);
    }
}
