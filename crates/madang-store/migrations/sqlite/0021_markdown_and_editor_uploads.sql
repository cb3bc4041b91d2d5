-- Markdown posts and files dropped into the editor (SQLite).

-- How a post's body is kept: 'html' (from the editor, plain text or an import; body_source
-- empty) or 'markdown' (body_source is the Markdown as written, body_html the sanitised
-- HTML made from it on save). The post page reads body_html only; the edit form reads the
-- source, so editing shows the Markdown again. Revisions keep both, so restoring one brings
-- its Markdown back.
ALTER TABLE posts ADD COLUMN body_format TEXT NOT NULL DEFAULT 'html';
ALTER TABLE posts ADD COLUMN body_source TEXT NOT NULL DEFAULT '';
ALTER TABLE post_revisions ADD COLUMN body_format TEXT NOT NULL DEFAULT 'html';
ALTER TABLE post_revisions ADD COLUMN body_source TEXT NOT NULL DEFAULT '';

-- Files dropped or pasted into the editor, stored before the post is saved (a new post has
-- no id yet): each waits here, for the member who sent it, until a saved post whose body
-- refers to its token claims it as an attachment (the row then moves to attachments), or
-- until it expires (madang_core::staging). batch is the key of the form it was sent from,
-- so each open form counts its own files against the board's limit.
CREATE TABLE staged_uploads (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    batch TEXT NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members(id),
    board_id BIGINT NOT NULL REFERENCES boards(id),
    name TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX staged_uploads_by_member ON staged_uploads (member_id, batch);
CREATE INDEX staged_uploads_by_age ON staged_uploads (created_at);
CREATE INDEX staged_uploads_by_key ON staged_uploads (storage_key);
