-- Importing other sites (GnuBoard5): reply threads, comments, categories, guest passwords,
-- the idempotency map, old addresses and old editor files (SQLite).

-- A reply's parent post and its place in the thread (GnuBoard5's wr_reply: '' for a root,
-- one letter per level). Posts of one thread share thread_key.
ALTER TABLE posts ADD COLUMN parent_id BIGINT REFERENCES posts(id);
ALTER TABLE posts ADD COLUMN reply_path TEXT;
-- GnuBoard5's ca_name.
ALTER TABLE posts ADD COLUMN category TEXT NOT NULL DEFAULT '';
-- A guest author's password hash (GnuBoard5's wr_password), for editing or reading a secret
-- guest post; '' for members' posts.
ALTER TABLE posts ADD COLUMN guest_password_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX posts_by_parent ON posts (parent_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts(id),
    parent_id BIGINT REFERENCES comments(id),
    -- Comment threads of a post in order (GnuBoard5's wr_comment), and the place in the
    -- thread (wr_comment_reply: '' for the first comment, one letter per level).
    thread_key BIGINT NOT NULL,
    reply_path TEXT NOT NULL DEFAULT '',
    author_id BIGINT REFERENCES members(id),
    author_name TEXT NOT NULL,
    guest_password_hash TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL,
    secret BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT,
    -- Where an imported comment came from: board (bo_table) and wr_id.
    legacy_board TEXT,
    legacy_id BIGINT
);
CREATE INDEX comments_by_post ON comments (post_id, thread_key, reply_path, id);

-- What an import made from which source row, so that a second run changes nothing.
CREATE TABLE import_map (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    madang_id BIGINT NOT NULL,
    PRIMARY KEY (source, kind, source_key)
);

-- Old addresses (canonical form, see madang_store::canonical_legacy_path) and where they
-- now lead.
CREATE TABLE legacy_urls (
    old_path TEXT PRIMARY KEY,
    new_path TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

-- Files that old bodies refer to by address (GnuBoard5's data/editor/…), stored in file
-- storage and served at /files/legacy/<path>.
CREATE TABLE legacy_files (
    path TEXT PRIMARY KEY,
    storage_key TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
