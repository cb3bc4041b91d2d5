-- The start of each post's plain text, for list excerpts. A list page of a webzine board
-- shows ~200 characters of each post, but reading them from `posts.body_text` made SQLite
-- load each whole body (2-4 KB, its overflow pages) and the server copy and check it: half
-- the cost of an uncached list page on the 100,000-post benchmark site. A narrow table
-- keyed by the post's id is read instead when the excerpt fits in its 301 characters
-- (one more than `madang_core::text::LEAD_CHARS`, so a cut lead shows it was cut).
--
-- Kept by triggers, so every path that writes a body (writing, editing, copying, importing,
-- restoring a backup) keeps it right without knowing of it; derived data, so backups leave
-- it out and the triggers rebuild it on restore, as they do the search index.
CREATE TABLE post_leads (
    post_id INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    lead TEXT NOT NULL
);
INSERT INTO post_leads (post_id, lead) SELECT id, substr(body_text, 1, 301) FROM posts;

CREATE TRIGGER posts_lead_insert AFTER INSERT ON posts BEGIN
    INSERT OR REPLACE INTO post_leads (post_id, lead) VALUES (new.id, substr(new.body_text, 1, 301));
END;

CREATE TRIGGER posts_lead_update AFTER UPDATE OF body_text ON posts BEGIN
    INSERT OR REPLACE INTO post_leads (post_id, lead) VALUES (new.id, substr(new.body_text, 1, 301));
END;
