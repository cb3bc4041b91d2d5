-- Search in comments (GnuBoard5's "comment" search field). A comment's terms come from
-- madang_core::search like a post's, written with the comment (see migration 0004).
ALTER TABLE comments ADD COLUMN search_body TEXT NOT NULL DEFAULT '';
-- Which tokenizer version made the terms; comments behind it (all of them, right after
-- this migration) are indexed at start-up or by `madang reindex`.
ALTER TABLE comments ADD COLUMN search_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', search_body)
) STORED;
CREATE INDEX comments_search_vector ON comments USING GIN (search_vector);
CREATE INDEX comments_search_version ON comments (search_version);
