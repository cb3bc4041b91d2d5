-- One post per language in a translation group, held by the database as well as by the
-- linking rules (`madang_core::translation`): two links racing each other on different
-- nodes cannot both add a Korean post. Deleted posts leave their group, so the index needs
-- no exception for them.
CREATE UNIQUE INDEX posts_one_language_per_translation
    ON posts (translation_group, lang) WHERE translation_group IS NOT NULL;
