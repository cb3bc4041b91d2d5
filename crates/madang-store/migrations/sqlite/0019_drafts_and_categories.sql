-- Categories per board (GnuBoard5's bo_use_category and bo_category_list): the names a
-- post on the board may carry in posts.category (GnuBoard5's ca_name, migration 0005),
-- one per line, in the order the write form and the list's filter offer them. Empty: the
-- board has no categories. madang_core::categories validates them (count, length,
-- duplicates); no CHECK, as for the other board settings.
ALTER TABLE boards ADD COLUMN categories TEXT NOT NULL DEFAULT '';

-- A board's list filtered by one category (/b/news?category=Statements), in each list
-- order, with every column its filter needs, as posts_list_thread and posts_list_date
-- (migration 0010) serve the whole list. Partial: only posts with a category are in them,
-- so boards without categories pay nothing, and the unfiltered list's statements (which
-- never name p.category) cannot pick them.
CREATE INDEX posts_category_thread ON posts (board_id, category, thread_key, id, status, deleted_at, published_at) WHERE category <> '';
CREATE INDEX posts_category_date ON posts (board_id, category, published_at, id, status, deleted_at) WHERE category <> '';

-- Drafts, for the list of drafts staff may edit: few rows, found without walking the posts.
-- (Scheduled posts are found by posts_by_published, migration 0011.)
CREATE INDEX posts_drafts ON posts (status, board_id) WHERE status = 'draft';
