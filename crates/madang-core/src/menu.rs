//! The order of a menu group's entries: its boards, content pages and links, mixed. Each
//! has a position; among equal positions boards come before pages, pages before links,
//! then the older (lower id) first. Moving an entry swaps it with its neighbour and numbers the group 1, 2, 3…, so
//! entries that shared a position get distinct ones.

/// A menu entry: a board (by id), a content page (by address; a page with a version
/// per language is one entry) or a link to an address (by id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum MenuKey {
    Board(i64),
    Page(String),
    Link(i64),
}

impl MenuKey {
    /// The form value naming the entry: `board:12`, `page:about` or `link:3`.
    pub fn to_field(&self) -> String {
        match self {
            MenuKey::Board(id) => format!("board:{id}"),
            MenuKey::Page(slug) => format!("page:{slug}"),
            MenuKey::Link(id) => format!("link:{id}"),
        }
    }

    /// Which kind sorts first among entries of equal position: boards (0), pages (1),
    /// links (2).
    pub fn rank(&self) -> u8 {
        match self {
            MenuKey::Board(_) => 0,
            MenuKey::Page(_) => 1,
            MenuKey::Link(_) => 2,
        }
    }

    /// Reads [`MenuKey::to_field`]'s form; `None` for anything else.
    pub fn from_field(text: &str) -> Option<MenuKey> {
        match text.split_once(':')? {
            ("board", id) => id.parse().ok().filter(|id| *id > 0).map(MenuKey::Board),
            ("page", slug) if !slug.is_empty() => Some(MenuKey::Page(slug.to_owned())),
            ("link", id) => id.parse().ok().filter(|id| *id > 0).map(MenuKey::Link),
            _ => None,
        }
    }
}

/// An entry with what orders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuSlot {
    pub key: MenuKey,
    pub position: i64,
    /// The board's or link's id, or the lowest id of the page's rows.
    pub id: i64,
}

/// What sorts an entry in its group's menu: position, kind ([`MenuKey::rank`]), id.
pub fn sort_key(position: i64, rank: u8, id: i64) -> (i64, u8, i64) {
    (position, rank, id)
}

/// The group's entries in menu order.
pub fn in_order(mut slots: Vec<MenuSlot>) -> Vec<MenuKey> {
    slots.sort_by_key(|s| sort_key(s.position, s.key.rank(), s.id));
    slots.into_iter().map(|s| s.key).collect()
}

/// The group's order after moving `key` one place up (earlier) or down; `None` when it is
/// not in the group or is already first (or last), so nothing changes.
pub fn moved(slots: Vec<MenuSlot>, key: &MenuKey, up: bool) -> Option<Vec<MenuKey>> {
    let mut order = in_order(slots);
    let at = order.iter().position(|k| k == key)?;
    let other = if up {
        at.checked_sub(1)?
    } else {
        Some(at + 1).filter(|&i| i < order.len())?
    };
    order.swap(at, other);
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Vec<MenuSlot> {
        vec![
            MenuSlot {
                key: MenuKey::Page("about".into()),
                position: 0,
                id: 1,
            },
            MenuSlot {
                key: MenuKey::Board(7),
                position: 3,
                id: 7,
            },
            MenuSlot {
                key: MenuKey::Board(2),
                position: 0,
                id: 2,
            },
            MenuSlot {
                key: MenuKey::Link(1),
                position: 0,
                id: 1,
            },
        ]
    }

    #[test]
    fn boards_first_among_equals() {
        assert_eq!(
            in_order(slots()),
            [
                MenuKey::Board(2),
                MenuKey::Page("about".into()),
                MenuKey::Link(1),
                MenuKey::Board(7)
            ]
        );
    }

    #[test]
    fn moving_up_and_down() {
        let about = MenuKey::Page("about".into());
        let link = MenuKey::Link(1);
        assert_eq!(
            moved(slots(), &about, true).unwrap(),
            [
                about.clone(),
                MenuKey::Board(2),
                link.clone(),
                MenuKey::Board(7)
            ]
        );
        assert_eq!(
            moved(slots(), &about, false).unwrap(),
            [
                MenuKey::Board(2),
                link.clone(),
                about.clone(),
                MenuKey::Board(7)
            ]
        );
        assert_eq!(
            moved(slots(), &link, false).unwrap(),
            [
                MenuKey::Board(2),
                about.clone(),
                MenuKey::Board(7),
                link.clone()
            ]
        );
        assert_eq!(moved(slots(), &MenuKey::Board(2), true), None);
        assert_eq!(moved(slots(), &MenuKey::Board(7), false), None);
        assert_eq!(moved(slots(), &MenuKey::Board(99), true), None);
    }

    #[test]
    fn form_values() {
        for key in [
            MenuKey::Board(12),
            MenuKey::Page("faq-1".into()),
            MenuKey::Link(3),
        ] {
            assert_eq!(MenuKey::from_field(&key.to_field()), Some(key));
        }
        for bad in [
            "", "board:", "board:x", "board:-1", "page:", "group:1", "board", "link:", "link:0",
            "link:x",
        ] {
            assert_eq!(MenuKey::from_field(bad), None, "{bad}");
        }
    }
}
