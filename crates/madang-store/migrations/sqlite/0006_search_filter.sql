-- A narrow covering index over the columns search filters read, so checking each match's
-- visibility reads a few dense index pages instead of the wide post rows (SQLite only;
-- PostgreSQL's planner gets there without it).
CREATE INDEX IF NOT EXISTS posts_search_filter
    ON posts (id, board_id, status, deleted_at, secret, published_at, author_name);
