-- Menu links (issue 3, "menu items … links to boards, pages or URLs"): an entry of a menu
-- group that opens an address, either an absolute http(s) URL or a path on this site
-- starting with a single '/' (checked by madang_core::menu_link before it is stored). It
-- is ordered among the group's boards and pages by `position` (madang_core::menu).
-- `title` is the default title; `menu_link_titles` holds a title per UI language, as
-- `board_titles` and `group_titles` do for boards and groups (migration 0013).
CREATE TABLE menu_links (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES menu_groups(id),
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX menu_links_group ON menu_links (group_id);

CREATE TABLE menu_link_titles (
    link_id BIGINT NOT NULL REFERENCES menu_links(id),
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (link_id, lang)
);
