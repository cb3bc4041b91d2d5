-- Madang's foundation schema (SQLite). Timestamps are Unix seconds (UTC).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL,
    login_key TEXT NOT NULL UNIQUE,
    nickname TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    level BIGINT NOT NULL,
    is_super_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE menu_groups (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    group_id BIGINT REFERENCES menu_groups(id),
    position BIGINT NOT NULL DEFAULT 0,
    title_len BIGINT NOT NULL,
    excerpt_len BIGINT NOT NULL,
    page_size BIGINT NOT NULL,
    list_order TEXT NOT NULL,
    level_list BIGINT NOT NULL,
    level_read BIGINT NOT NULL,
    level_write BIGINT NOT NULL,
    level_reply BIGINT NOT NULL,
    level_comment BIGINT NOT NULL,
    level_upload BIGINT NOT NULL,
    level_download BIGINT NOT NULL,
    post_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    board_id BIGINT NOT NULL REFERENCES boards(id),
    -- GnuBoard5's wr_num: negative and decreasing, so a new (or newly copied) thread sorts first.
    thread_key BIGINT NOT NULL,
    -- Small columns first: lists and search filters read them without touching the
    -- overflow pages that hold long bodies.
    status TEXT NOT NULL,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    secret BOOLEAN NOT NULL DEFAULT FALSE,
    views BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    author_id BIGINT REFERENCES members(id),
    author_name TEXT NOT NULL,
    lang TEXT,
    links TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL
);
CREATE INDEX posts_by_thread ON posts (board_id, thread_key, id);
CREATE INDEX posts_by_date ON posts (board_id, published_at, id);

CREATE TABLE post_provenance (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts(id),
    transfer TEXT NOT NULL,
    source_board_id BIGINT,
    source_board_slug TEXT NOT NULL,
    source_post_id BIGINT,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX post_provenance_by_post ON post_provenance (post_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    caption TEXT NOT NULL DEFAULT '',
    downloads BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_by_post ON attachments (post_id, position);
CREATE INDEX attachments_by_key ON attachments (storage_key);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
