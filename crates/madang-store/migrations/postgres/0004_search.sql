-- Full-text search (PostgreSQL). The terms come from madang_core::search; the 'simple'
-- configuration only splits them on spaces. Title terms weigh more (A) than body terms (B).
ALTER TABLE posts ADD COLUMN search_title TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN search_body TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN search_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', search_title), 'A') ||
    setweight(to_tsvector('simple', search_body), 'B')
) STORED;
CREATE INDEX posts_search_vector ON posts USING GIN (search_vector);
CREATE INDEX posts_search_version ON posts (search_version);
