-- Content pages (About, Privacy, an FAQ): one row per slug and language. `lang` is '' for a
-- page that serves every language, or a UI language code for one translation of it.
-- A page may sit in a menu group, ordered among the group's boards by `position`.
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    group_id BIGINT REFERENCES menu_groups(id),
    position BIGINT NOT NULL DEFAULT 0,
    views BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (slug, lang)
);
