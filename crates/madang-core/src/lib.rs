//! Madang's domain: types and pure rules, with no I/O.
//!
//! Everything here is unit-tested without a database. The store, the web layer and the
//! importer call these functions so a rule (how a title is cut, which HTML survives, what a
//! copy line says, who may read a board) is written once.

pub mod categories;
pub mod copy_line;
pub mod diff;
pub mod download;
pub mod html;
pub mod legacy_password;
pub mod list_image;
pub mod logo;
pub mod markdown;
pub mod menu;
pub mod menu_link;
pub mod model;
pub mod page;
pub mod paging;
pub mod password;
pub mod permission;
pub mod proxy;
pub mod publishing;
pub mod registration;
pub mod replies;
pub mod search;
pub mod slug;
pub mod staging;
pub mod text;
pub mod time;
pub mod titles;
pub mod totp;
pub mod translation;
pub mod uploads;

pub use model::*;
