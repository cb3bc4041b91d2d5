//! Who may do what on a board. One check serves every route.

use crate::model::{Board, Level, Member};

/// The person making a request: a member or an anonymous reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub member_id: Option<i64>,
    pub level: Level,
    pub is_super_admin: bool,
    /// Boards this member administers (GnuBoard5's `bo_admin`).
    pub board_admin_of: Vec<i64>,
    /// Menu groups this member administers (GnuBoard5's `gr_admin`): all their boards.
    pub group_admin_of: Vec<i64>,
}

impl Viewer {
    /// Someone who is not signed in.
    pub fn anonymous() -> Viewer {
        Viewer {
            member_id: None,
            level: Level::GUEST,
            is_super_admin: false,
            board_admin_of: Vec::new(),
            group_admin_of: Vec::new(),
        }
    }

    /// A signed-in member.
    pub fn member(member: &Member) -> Viewer {
        Viewer {
            member_id: Some(member.id),
            level: member.level,
            is_super_admin: member.is_super_admin,
            board_admin_of: Vec::new(),
            group_admin_of: Vec::new(),
        }
    }

    /// Whether this is a signed-in member.
    pub fn is_member(&self) -> bool {
        self.member_id.is_some()
    }
}

/// Whether `viewer` administers `board`: the super administrator, the board's
/// administrators, and the administrators of its menu group.
pub fn administers(viewer: &Viewer, board: &Board) -> bool {
    viewer.is_super_admin
        || viewer.board_admin_of.contains(&board.id)
        || board
            .group_id
            .is_some_and(|g| viewer.group_admin_of.contains(&g))
}

/// Whether `viewer` may read a secret post by `author_id`: its author and the board's
/// administrators.
pub fn may_read_secret(viewer: &Viewer, board: &Board, author_id: Option<i64>) -> bool {
    administers(viewer, board) || (viewer.member_id.is_some() && viewer.member_id == author_id)
}

/// Whether `viewer` may read a secret post of a thread: [`may_read_secret`] for its author
/// `author_id`, and, for a reply, also the author of the thread's first post
/// (`thread_author_id`), as in GnuBoard5: whoever asked a secret question reads the answers.
pub fn may_read_secret_in_thread(
    viewer: &Viewer,
    board: &Board,
    author_id: Option<i64>,
    thread_author_id: Option<i64>,
) -> bool {
    may_read_secret(viewer, board, author_id)
        || (viewer.member_id.is_some() && viewer.member_id == thread_author_id)
}

/// Whether `viewer` may copy or move a post from `source` into every board of `targets`:
/// they must administer the source and each target (GnuBoard5 KVE-2026-0795 checked only
/// the source).
pub fn may_transfer(viewer: &Viewer, source: &Board, targets: &[&Board]) -> bool {
    administers(viewer, source)
        && !targets.is_empty()
        && targets.iter().all(|t| administers(viewer, t))
}

/// Whether `viewer` may edit or delete a post by `author_id` on `board`.
pub fn may_edit(viewer: &Viewer, board: &Board, author_id: Option<i64>) -> bool {
    administers(viewer, board)
        || (viewer.member_id.is_some()
            && viewer.member_id == author_id
            && may(viewer, board, BoardAction::Write))
}

/// The things a reader can do on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardAction {
    List,
    Read,
    Write,
    Reply,
    Comment,
    Upload,
    Download,
}

/// Whether `viewer` may do `action` on `board`. Whoever administers the board may do
/// everything on it; others need the board's level for the action.
pub fn may(viewer: &Viewer, board: &Board, action: BoardAction) -> bool {
    if administers(viewer, board) {
        return true;
    }
    let needed = match action {
        BoardAction::List => board.levels.list,
        BoardAction::Read => board.levels.read,
        BoardAction::Write => board.levels.write,
        BoardAction::Reply => board.levels.reply,
        BoardAction::Comment => board.levels.comment,
        BoardAction::Upload => board.levels.upload,
        BoardAction::Download => board.levels.download,
    };
    viewer.level >= needed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BoardLevels, ListOrder, ListStyle};

    fn board(levels: BoardLevels) -> Board {
        Board {
            id: 1,
            slug: "b".into(),
            title: "B".into(),
            group_id: None,
            position: 0,
            title_len: 40,
            excerpt_len: 0,
            page_size: 15,
            list_order: ListOrder::Thread,
            list_style: ListStyle::Webzine,
            home_count: 5,
            levels,
            uploads: Default::default(),
            categories: Vec::new(),
            post_count: 0,
        }
    }

    #[test]
    fn guests_read_public_boards_but_cannot_write() {
        let b = board(BoardLevels::default());
        let guest = Viewer::anonymous();
        assert!(may(&guest, &b, BoardAction::List));
        assert!(may(&guest, &b, BoardAction::Read));
        assert!(may(&guest, &b, BoardAction::Download));
        assert!(!may(&guest, &b, BoardAction::Write));
        assert!(!may(&guest, &b, BoardAction::Comment));
    }

    #[test]
    fn levels_and_super_admin() {
        let b = board(BoardLevels {
            read: Level::new(5).unwrap(),
            ..BoardLevels::default()
        });
        let member = Viewer {
            member_id: Some(2),
            level: Level::new(4).unwrap(),
            ..Viewer::anonymous()
        };
        assert!(!may(&member, &b, BoardAction::Read));
        let staff = Viewer {
            level: Level::new(5).unwrap(),
            ..member.clone()
        };
        assert!(may(&staff, &b, BoardAction::Read));
        let admin = Viewer {
            member_id: Some(1),
            is_super_admin: true,
            ..Viewer::anonymous()
        };

        assert!(may(&admin, &b, BoardAction::Write));
    }

    #[test]
    fn board_and_group_administrators() {
        let mut b = board(BoardLevels {
            write: Level::MAX,
            ..BoardLevels::default()
        });
        b.group_id = Some(7);
        let mut other = board(BoardLevels::default());
        other.id = 2;
        let staff = Viewer {
            member_id: Some(3),
            level: Level::MEMBER,
            board_admin_of: vec![1],
            ..Viewer::anonymous()
        };
        assert!(administers(&staff, &b));
        assert!(may(&staff, &b, BoardAction::Write));
        assert!(!administers(&staff, &other));
        assert!(!may(&staff, &other, BoardAction::Write));
        // Copy/move needs both ends.
        assert!(may_transfer(&staff, &b, &[&b]));
        assert!(!may_transfer(&staff, &b, &[&b, &other]));
        assert!(!may_transfer(&staff, &other, &[&b]));
        assert!(!may_transfer(&staff, &b, &[]));
        let group_admin = Viewer {
            member_id: Some(4),
            group_admin_of: vec![7],
            ..Viewer::anonymous()
        };
        assert!(administers(&group_admin, &b));
        assert!(!administers(&group_admin, &other));
    }

    #[test]
    fn secret_posts_and_editing() {
        let b = board(BoardLevels {
            write: Level::MEMBER,
            ..BoardLevels::default()
        });
        let author = Viewer {
            member_id: Some(5),
            level: Level::MEMBER,
            ..Viewer::anonymous()
        };
        let stranger = Viewer {
            member_id: Some(6),
            level: Level::MEMBER,
            ..Viewer::anonymous()
        };
        assert!(may_read_secret(&author, &b, Some(5)));
        assert!(!may_read_secret(&stranger, &b, Some(5)));
        assert!(!may_read_secret(&Viewer::anonymous(), &b, None));
        // A secret reply by 6 in a thread 5 began: 5 and 6 read it, 7 and guests do not.
        assert!(may_read_secret_in_thread(&author, &b, Some(6), Some(5)));
        assert!(may_read_secret_in_thread(&stranger, &b, Some(6), Some(5)));
        let other = Viewer {
            member_id: Some(7),
            ..author.clone()
        };
        assert!(!may_read_secret_in_thread(&other, &b, Some(6), Some(5)));
        assert!(!may_read_secret_in_thread(
            &Viewer::anonymous(),
            &b,
            None,
            None
        ));
        assert!(may_edit(&author, &b, Some(5)));
        assert!(!may_edit(&stranger, &b, Some(5)));
        assert!(!may_edit(&Viewer::anonymous(), &b, None));
    }

    #[test]
    fn level_bounds() {
        assert!(Level::new(0).is_none());
        assert!(Level::new(11).is_none());
        assert_eq!(Level::new(10), Some(Level::MAX));
    }
}
