-- How a board's list looks, and how many of its latest posts the home page shows.
--
-- list_style: 'list' (a compact list: title, author, date, views), 'webzine' (titles with
-- plain-text excerpts) or 'gallery' (cards with each post's first image). Existing boards
-- get 'webzine', the look every list had before this column: the seed page lists its
-- posts that way, so no site changes on upgrade.
--
-- home_count: 0 to 20 latest posts on the home page (the GnuBoard5 "latest" widget); 0
-- leaves the board off the home page. 5 is what the home page showed before.
--
-- No CHECK constraints: the admin form and the store validate both, reading falls back to
-- the default for a value it does not know, and a style added later needs no table rebuild
-- (SQLite cannot alter a constraint in place).
ALTER TABLE boards ADD COLUMN list_style TEXT NOT NULL DEFAULT 'webzine';
ALTER TABLE boards ADD COLUMN home_count BIGINT NOT NULL DEFAULT 5;
