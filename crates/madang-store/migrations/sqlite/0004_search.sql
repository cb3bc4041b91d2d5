-- Full-text search (SQLite). The terms come from madang_core::search (Hangul bigrams and
-- syllables, stemmed English); FTS5 only splits them on spaces and ranks with bm25. The
-- external-content table follows posts through triggers, inside the writing transaction.
ALTER TABLE posts ADD COLUMN search_title TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN search_body TEXT NOT NULL DEFAULT '';
-- Which tokenizer version made the terms; rows behind the current one are re-indexed.
ALTER TABLE posts ADD COLUMN search_version BIGINT NOT NULL DEFAULT 0;

CREATE VIRTUAL TABLE post_search USING fts5(
    search_title, search_body,
    content = 'posts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_search (rowid, search_title, search_body)
    VALUES (new.id, new.search_title, new.search_body);
END;

CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
    INSERT INTO post_search (post_search, rowid, search_title, search_body)
    VALUES ('delete', old.id, old.search_title, old.search_body);
END;

CREATE TRIGGER posts_search_update AFTER UPDATE OF search_title, search_body ON posts BEGIN
    INSERT INTO post_search (post_search, rowid, search_title, search_body)
    VALUES ('delete', old.id, old.search_title, old.search_body);
    INSERT INTO post_search (rowid, search_title, search_body)
    VALUES (new.id, new.search_title, new.search_body);
END;

CREATE INDEX posts_search_version ON posts (search_version);
