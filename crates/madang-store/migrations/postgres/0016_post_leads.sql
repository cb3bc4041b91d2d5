-- The start of each post's plain text, for list excerpts: lists of boards whose excerpts
-- fit in its 301 characters read this narrow table instead of whole bodies (see the
-- SQLite migration of the same number for the measurements). Kept by a trigger on every
-- write of a body; derived data, so backups leave it out and the trigger rebuilds it.
CREATE TABLE post_leads (
    post_id BIGINT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    lead TEXT NOT NULL
);
INSERT INTO post_leads (post_id, lead) SELECT id, substr(body_text, 1, 301) FROM posts;

CREATE FUNCTION madang_post_lead() RETURNS trigger AS $$
BEGIN
    INSERT INTO post_leads (post_id, lead) VALUES (NEW.id, substr(NEW.body_text, 1, 301))
    ON CONFLICT (post_id) DO UPDATE SET lead = EXCLUDED.lead;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER posts_lead
    AFTER INSERT OR UPDATE OF body_text ON posts
    FOR EACH ROW EXECUTE FUNCTION madang_post_lead();
