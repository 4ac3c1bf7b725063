-- GET /v2/images (src/db/images-list.ts): the public/community branches of the listing union
-- read this index in page order (created_at, id) after the visibility and deleted equalities,
-- so a page never sorts. Supersedes ix_images_visibility (a prefix of it).
CREATE INDEX IF NOT EXISTS `ix_images_visibility_live_created` ON `images` (`visibility`,`deleted`,`created_at`,`id`);
