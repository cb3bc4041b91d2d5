//! Threaded replies to posts (GnuBoard5's 답변): where a reply goes in its thread, what it
//! inherits from the post it answers, and when a post with replies may be deleted.
//!
//! A thread is its first post and every reply under it; they share a thread key. Each post's
//! place is its *reply path*, GnuBoard5's `wr_reply`: empty for the first post, then one
//! letter per level, `A` for the first reply at that level, `B` for the second, and so on.
//! Sorting a thread by path lists it depth-first (a reply right after the post it answers,
//! before that post's next sibling), which is how GnuBoard5 lists threads (`wr_num,
//! wr_reply`). Ten levels of 26 replies each, as GnuBoard5's `varchar(10)` of A–Z allows.

use thiserror::Error;

/// Deepest reply level: a path holds at most this many letters.
pub const MAX_REPLY_DEPTH: usize = 10;
/// The first and last sibling letters: at most 26 replies answer one post.
const FIRST: char = 'A';
const LAST: char = 'Z';

/// Why a reply cannot be written where it was asked for.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum ReplyRefusal {
    #[error("replies may go at most {MAX_REPLY_DEPTH} levels deep")]
    TooDeep,
    #[error("a post may have at most 26 replies")]
    TooManyReplies,
}

impl ReplyRefusal {
    /// The locale key of the message the writer sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            ReplyRefusal::TooDeep => "reply-error-too-deep",
            ReplyRefusal::TooManyReplies => "reply-error-too-many",
        }
    }
}

/// How deep a post sits in its thread: 0 for the first post, 1 for a reply to it, ….
pub fn depth(path: &str) -> usize {
    path.chars().count()
}

/// The path of a new reply to the post at `parent`, given the paths already taken in the
/// thread (any of them; only the parent's direct replies count): the parent's path and the
/// letter after the last one its replies use. Deleted replies keep their letter, so a path
/// is never given twice.
pub fn next_reply_path<'a>(
    parent: &str,
    taken: impl IntoIterator<Item = &'a str>,
) -> Result<String, ReplyRefusal> {
    if depth(parent) >= MAX_REPLY_DEPTH {
        return Err(ReplyRefusal::TooDeep);
    }
    let last = taken
        .into_iter()
        .filter_map(|path| path.strip_prefix(parent))
        .filter_map(|rest| {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(letter), None) => Some(letter),
                _ => None,
            }
        })
        .max();
    let next = match last {
        None => FIRST,
        Some(letter) if letter >= LAST => return Err(ReplyRefusal::TooManyReplies),
        // Below 'A' (an imported oddity) the next free letter is still 'A' or later.
        Some(letter) if letter < FIRST => FIRST,
        Some(letter) => char::from_u32(letter as u32 + 1).ok_or(ReplyRefusal::TooManyReplies)?,
    };
    Ok(format!("{parent}{next}"))
}

/// Whether a reply is secret: as asked, and always when the post it answers is secret
/// (GnuBoard5 forces this, so an answer never shows what a secret question was about).
pub fn reply_is_secret(parent_secret: bool, asked: bool) -> bool {
    parent_secret || asked
}

/// The title a reply form starts with: `prefix` ("Re:" in the page's language) and the
/// answered post's title, without piling up prefixes on a reply to a reply.
pub fn reply_title(prefix: &str, title: &str) -> String {
    let title = title.trim();
    if title.starts_with(prefix) {
        title.to_owned()
    } else {
        format!("{prefix} {title}")
    }
}

/// Why a post cannot be deleted.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum DeleteRefusal {
    #[error("the post has replies; delete them first")]
    HasReplies,
}

impl DeleteRefusal {
    /// The locale key of the message the member of staff sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            DeleteRefusal::HasReplies => "delete-error-has-replies",
        }
    }
}

/// Whether a post with `live_replies` replies (not deleted) may be deleted: only once it has
/// none, as in GnuBoard5, so a thread never keeps answers to a post that is gone. The
/// replies are deleted first, each by whoever may.
pub fn may_delete(live_replies: u64) -> Result<(), DeleteRefusal> {
    match live_replies {
        0 => Ok(()),
        _ => Err(DeleteRefusal::HasReplies),
    }
}

/// Why a deleted post cannot be restored.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum RestoreRefusal {
    #[error("the post it replies to is deleted; restore that post first")]
    ParentDeleted,
}

impl RestoreRefusal {
    /// The locale key of the message the member of staff sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            RestoreRefusal::ParentDeleted => "restore-error-parent-deleted",
        }
    }
}

/// Whether a deleted reply may come back: only while the post it answers is there, so a
/// thread never shows an answer under nothing. (A reply's parent cannot be deleted while
/// the reply lives, but a reply deleted first and its parent after can be restored in
/// either order.)
pub fn may_restore(parent_deleted: bool) -> Result<(), RestoreRefusal> {
    match parent_deleted {
        false => Ok(()),
        true => Err(RestoreRefusal::ParentDeleted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_replies_and_siblings() {
        assert_eq!(next_reply_path("", []).unwrap(), "A");
        assert_eq!(next_reply_path("", ["", "A", "B"]).unwrap(), "C");
        // Deeper paths and other branches are not siblings.
        assert_eq!(
            next_reply_path("", ["", "A", "AA", "AB", "AAC"]).unwrap(),
            "B"
        );
        assert_eq!(next_reply_path("A", ["", "A", "B", "BA"]).unwrap(), "AA");
        assert_eq!(next_reply_path("A", ["A", "AA", "AB", "B"]).unwrap(), "AC");
        // A gap left by a deleted reply is not reused: the path is past the last one.
        assert_eq!(next_reply_path("B", ["B", "BC"]).unwrap(), "BD");
    }

    #[test]
    fn paths_sort_depth_first() {
        let mut paths = vec![
            next_reply_path("", ["", "A"]).unwrap(),
            next_reply_path("A", ["A"]).unwrap(),
            String::new(),
            "A".to_owned(),
        ];
        paths.sort();
        assert_eq!(paths, ["", "A", "AA", "B"]);
    }

    #[test]
    fn limits() {
        let all: Vec<String> = ('A'..='Z').map(|c| format!("Q{c}")).collect();
        assert_eq!(
            next_reply_path("Q", all.iter().map(String::as_str)),
            Err(ReplyRefusal::TooManyReplies)
        );
        assert_eq!(
            next_reply_path("Q", all[..25].iter().map(String::as_str)).unwrap(),
            "QZ"
        );
        let deepest = "A".repeat(MAX_REPLY_DEPTH);
        assert_eq!(next_reply_path(&deepest, []), Err(ReplyRefusal::TooDeep));
        let almost = "A".repeat(MAX_REPLY_DEPTH - 1);
        assert_eq!(
            depth(&next_reply_path(&almost, []).unwrap()),
            MAX_REPLY_DEPTH
        );
        // An odd imported letter after 'Z' refuses rather than leaving A–Z.
        assert_eq!(
            next_reply_path("", ["a"]),
            Err(ReplyRefusal::TooManyReplies)
        );
        assert_eq!(next_reply_path("", ["0"]).unwrap(), "A");
        assert_eq!(ReplyRefusal::TooDeep.message_key(), "reply-error-too-deep");
    }

    #[test]
    fn depth_counts_letters() {
        assert_eq!(depth(""), 0);
        assert_eq!(depth("A"), 1);
        assert_eq!(depth("ABZ"), 3);
    }

    #[test]
    fn secret_parents_make_secret_replies() {
        assert!(reply_is_secret(true, false));
        assert!(reply_is_secret(false, true));
        assert!(!reply_is_secret(false, false));
    }

    #[test]
    fn titles() {
        assert_eq!(reply_title("Re:", "Appeal"), "Re: Appeal");
        assert_eq!(reply_title("Re:", "Re: Appeal"), "Re: Appeal");
        assert_eq!(reply_title("답변:", " 성명 "), "답변: 성명");
    }

    #[test]
    fn replies_come_back_after_their_parent() {
        assert_eq!(may_restore(false), Ok(()));
        assert_eq!(may_restore(true), Err(RestoreRefusal::ParentDeleted));
        assert_eq!(
            RestoreRefusal::ParentDeleted.message_key(),
            "restore-error-parent-deleted"
        );
    }

    #[test]
    fn posts_with_replies_stay() {
        assert_eq!(may_delete(0), Ok(()));
        assert_eq!(may_delete(1), Err(DeleteRefusal::HasReplies));
        assert_eq!(
            DeleteRefusal::HasReplies.message_key(),
            "delete-error-has-replies"
        );
    }
}
