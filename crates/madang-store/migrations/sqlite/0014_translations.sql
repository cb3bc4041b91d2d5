-- Translations: posts that say the same thing in different languages form a group, keyed
-- by the id of one of them (NULL: the post has no translation). Each member keeps its own
-- board, address, language and publication state; the group only tells the post page,
-- the language switch and the sitemap where the other languages are.
--
-- A column rather than a link table: a post belongs to at most one group, and the post
-- page reads the key with the post itself, so an untranslated post costs no extra query.
ALTER TABLE posts ADD COLUMN translation_group BIGINT;
CREATE INDEX posts_by_translation ON posts (translation_group) WHERE translation_group IS NOT NULL;
