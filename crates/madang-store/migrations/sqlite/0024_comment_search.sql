-- Search in comments (GnuBoard5's "comment" search field), and by category. A comment's
-- terms come from madang_core::search like a post's, written with the comment; the
-- external-content FTS5 table follows comments through triggers, as post_search follows
-- posts (migration 0004).
ALTER TABLE comments ADD COLUMN search_body TEXT NOT NULL DEFAULT '';
-- Which tokenizer version made the terms; comments behind it (all of them, right after
-- this migration) are indexed at start-up or by `madang reindex`.
ALTER TABLE comments ADD COLUMN search_version BIGINT NOT NULL DEFAULT 0;

CREATE VIRTUAL TABLE comment_search USING fts5(
    search_body,
    content = 'comments', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comment_search (rowid, search_body) VALUES (new.id, new.search_body);
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comment_search (comment_search, rowid, search_body)
    VALUES ('delete', old.id, old.search_body);
END;

CREATE TRIGGER comments_search_update AFTER UPDATE OF search_body ON comments BEGIN
    INSERT INTO comment_search (comment_search, rowid, search_body)
    VALUES ('delete', old.id, old.search_body);
    INSERT INTO comment_search (rowid, search_body) VALUES (new.id, new.search_body);
END;

CREATE INDEX comments_search_version ON comments (search_version);
-- What a comment search filters on, read without the wide comment rows (as posts_search_filter).
CREATE INDEX comments_search_filter
    ON comments (id, post_id, deleted_at, secret, created_at, author_name);

-- The category filter joins the columns search reads without the post rows.
DROP INDEX IF EXISTS posts_search_filter;
CREATE INDEX posts_search_filter
    ON posts (id, board_id, status, deleted_at, secret, published_at, author_name, category);
