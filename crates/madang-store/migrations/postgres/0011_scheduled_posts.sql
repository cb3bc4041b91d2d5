-- Every node looks for posts whose publication time has just passed, every few seconds:
-- a range on published_at, which this index answers without walking the posts.
CREATE INDEX posts_by_published ON posts (published_at);
