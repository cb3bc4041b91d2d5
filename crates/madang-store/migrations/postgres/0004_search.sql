-- Full-text search (PostgreSQL). The terms come from madang_core::search; the 'simple'
-- configuration only splits them on spaces. Title terms weigh more (A) than body terms (B).
ALTER TABLE posts ADD COLUMN search_title TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN search_body TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN search_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    -- The filler word after the title keeps a quoted phrase from running from the last
    -- word of the title into the first word of the body.
    setweight(to_tsvector('simple', search_title || ' madang0title0end'), 'A') ||
    setweight(to_tsvector('simple', search_body), 'B')
) STORED;
CREATE INDEX posts_search_vector ON posts USING GIN (search_vector);
CREATE INDEX posts_search_version ON posts (search_version);
