//! Who may do what on a board. One check serves every route.

use crate::model::{Board, Level, Member};

/// The person making a request: a member or an anonymous reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub member_id: Option<i64>,
    pub level: Level,
    pub is_super_admin: bool,
}

impl Viewer {
    /// Someone who is not signed in.
    pub fn anonymous() -> Viewer {
        Viewer {
            member_id: None,
            level: Level::GUEST,
            is_super_admin: false,
        }
    }

    /// A signed-in member.
    pub fn member(member: &Member) -> Viewer {
        Viewer {
            member_id: Some(member.id),
            level: member.level,
            is_super_admin: member.is_super_admin,
        }
    }
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

/// Whether `viewer` may do `action` on `board`. Super administrators may do everything.
pub fn may(viewer: &Viewer, board: &Board, action: BoardAction) -> bool {
    if viewer.is_super_admin {
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
    use crate::model::{BoardLevels, ListOrder};

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
            levels,
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
            is_super_admin: false,
        };
        assert!(!may(&member, &b, BoardAction::Read));
        let staff = Viewer {
            level: Level::new(5).unwrap(),
            ..member.clone()
        };
        assert!(may(&staff, &b, BoardAction::Read));
        let admin = Viewer {
            member_id: Some(1),
            level: Level::GUEST,
            is_super_admin: true,
        };
        assert!(may(&admin, &b, BoardAction::Write));
    }

    #[test]
    fn level_bounds() {
        assert!(Level::new(0).is_none());
        assert!(Level::new(11).is_none());
        assert_eq!(Level::new(10), Some(Level::MAX));
    }
}
