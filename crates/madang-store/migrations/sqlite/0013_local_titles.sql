-- Titles of boards and menu groups in particular UI languages ('en', 'ko'). The title in
-- `boards`/`menu_groups` stays the default, shown where a language has no row here.
--
-- Rows keyed by language rather than a column per language: a language is added with a
-- locale file, not a migration, and a missing title is a missing row, not an empty column.
-- One table per owner rather than one keyed by kind, so each row references its board or
-- group: a title cannot outlive what it names, and a backup loads it after its owner.
-- The site's shell reads both tables whole, once per site generation.
CREATE TABLE board_titles (
    board_id BIGINT NOT NULL REFERENCES boards(id),
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (board_id, lang)
);

CREATE TABLE group_titles (
    group_id BIGINT NOT NULL REFERENCES menu_groups(id),
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (group_id, lang)
);
