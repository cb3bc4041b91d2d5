-- Replies written in Madang (GnuBoard5's 답변; migration 0005 brought imported ones). A
-- board in thread order lists each thread depth-first: (thread_key, reply_path, id), as
-- GnuBoard5's (wr_num, wr_reply). The path of a thread's first post is '' rather than NULL,
-- so that it sorts first on both engines (PostgreSQL puts NULL last) and keyset pages can
-- compare it.
UPDATE posts SET reply_path = '' WHERE reply_path IS NULL;
ALTER TABLE posts ALTER COLUMN reply_path SET DEFAULT '';
-- A row written with a NULL path (an older backup being restored) gets ''.
CREATE FUNCTION madang_root_reply_path() RETURNS trigger AS $$
BEGIN
    NEW.reply_path := COALESCE(NEW.reply_path, '');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER posts_root_reply_path
    BEFORE INSERT OR UPDATE OF reply_path ON posts
    FOR EACH ROW EXECUTE FUNCTION madang_root_reply_path();

-- The list indexes of migrations 0010 and 0019 with the path in the thread order.
DROP INDEX posts_list_thread;
CREATE INDEX posts_list_thread ON posts (board_id, pinned, thread_key, reply_path, id, status, deleted_at, published_at);
DROP INDEX posts_category_thread;
CREATE INDEX posts_category_thread ON posts (board_id, category, thread_key, reply_path, id, status, deleted_at, published_at) WHERE category <> '';
