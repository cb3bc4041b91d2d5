-- Earlier versions of posts, kept at every edit (SQLite).
CREATE TABLE post_revisions (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts(id),
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    editor_id BIGINT,
    editor_name TEXT NOT NULL
);
CREATE INDEX post_revisions_by_post ON post_revisions (post_id, id);
