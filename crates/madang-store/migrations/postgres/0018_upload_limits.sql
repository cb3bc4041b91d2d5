-- What each board accepts as attachments (until now one site-wide rule in the web layer).
--
-- max_files: files on one post, 0 to 50; 0 accepts none. 10, the old site-wide limit.
-- max_file_mb: largest file in MiB, 1 to 100 and under the request limit. 20, the old limit.
-- allowed_kinds: kinds of file judged by content, names joined by commas, from 'images',
-- 'pdf', 'office' (Word/Excel/PowerPoint and HWP), 'archives' (ZIP) and 'text'; the default
-- is all of them, exactly the old site-wide list, so no board changes on upgrade. Kinds an
-- administrator understands rather than media types: madang_core::uploads maps them.
--
-- No CHECK constraints, as for the list styles: the admin form and the store validate,
-- reading clamps a number and falls back to the default kinds for a name it does not know,
-- and a kind added later needs no table rebuild (SQLite cannot alter a constraint in place).
ALTER TABLE boards ADD COLUMN max_files BIGINT NOT NULL DEFAULT 10;
ALTER TABLE boards ADD COLUMN max_file_mb BIGINT NOT NULL DEFAULT 20;
ALTER TABLE boards ADD COLUMN allowed_kinds TEXT NOT NULL DEFAULT 'images,pdf,office,archives,text';
