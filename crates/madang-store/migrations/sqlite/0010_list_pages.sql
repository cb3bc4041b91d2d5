-- Board lists read page N by skipping (N-1) x page-size entries. These indexes hold every
-- column the list's filter and order need, so the skipping walks a small index and never
-- the posts' rows (whose bodies are long); only the page's own rows are read. Page 4,000
-- of a 100,000-post board then costs about what page 1 costs.
CREATE INDEX posts_list_thread ON posts (board_id, pinned, thread_key, id, status, deleted_at, published_at);
CREATE INDEX posts_list_date ON posts (board_id, pinned, published_at, id, status, deleted_at);
