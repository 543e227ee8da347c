-- litemig migration 0002: playlist_tune_goal
-- Generated from the reference database. Review it; edit it for data changes if needed,
-- then record the edit with `litemig hash --dir <this directory>`.
-- Each part runs in one transaction with foreign keys off; the tables listed on the
-- foreign-key-check line are checked before commit.

-- litemig:up
-- litemig:foreign-key-check

-- Drop view "view_playlist_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "view_playlist_joined";

-- Drop view "practice_list_staged" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_staged";

-- Drop view "practice_list_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_joined";

-- Add column "playlist_tune"."goal"
ALTER TABLE "playlist_tune" ADD COLUMN goal TEXT DEFAULT 'recall';

-- Create view "practice_list_joined"
CREATE VIEW practice_list_joined AS
SELECT t.id, t.title, t.type, t.structure, t.mode, t.incipit, t.genre,
       pt.playlist_ref, pt.current, pt.learned, pt.deleted AS playlist_deleted,
       pr.practiced, pr.quality, pr.easiness, pr.interval, pr.repetitions, pr.review_date,
       (SELECT group_concat(tag.tag_text, ' ') FROM tag WHERE tag.tune_ref = t.id) AS tags
FROM tune t
JOIN playlist_tune pt ON pt.tune_ref = t.id
LEFT JOIN practice_record pr ON pr.tune_ref = t.id AND pr.playlist_ref = pt.playlist_ref
     AND pr.id = (SELECT max(id) FROM practice_record latest
                  WHERE latest.tune_ref = t.id AND latest.playlist_ref = pt.playlist_ref)
WHERE t.deleted = 0;

-- Create view "practice_list_staged"
CREATE VIEW practice_list_staged AS
SELECT j.*, coalesce(j.review_date, j.current) AS scheduled_for
FROM practice_list_joined j
WHERE j.playlist_deleted = 0;

-- Create view "view_playlist_joined"
CREATE VIEW view_playlist_joined AS
SELECT p.playlist_id, p.user_ref, p.name AS playlist_name, p.deleted AS playlist_deleted,
       p.instrument_ref, i.instrument, i.description, i.genre_default
FROM playlist p
LEFT JOIN instrument i ON i.id = p.instrument_ref;

-- litemig:down
-- litemig:foreign-key-check

-- Drop view "view_playlist_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "view_playlist_joined";

-- Drop view "practice_list_staged" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_staged";

-- Drop view "practice_list_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_joined";

-- Drop column "playlist_tune"."goal"
ALTER TABLE "playlist_tune" DROP COLUMN "goal";

-- Create view "practice_list_joined"
CREATE VIEW practice_list_joined AS
SELECT t.id, t.title, t.type, t.structure, t.mode, t.incipit, t.genre,
       pt.playlist_ref, pt.current, pt.learned, pt.deleted AS playlist_deleted,
       pr.practiced, pr.quality, pr.easiness, pr.interval, pr.repetitions, pr.review_date,
       (SELECT group_concat(tag.tag_text, ' ') FROM tag WHERE tag.tune_ref = t.id) AS tags
FROM tune t
JOIN playlist_tune pt ON pt.tune_ref = t.id
LEFT JOIN practice_record pr ON pr.tune_ref = t.id AND pr.playlist_ref = pt.playlist_ref
     AND pr.id = (SELECT max(id) FROM practice_record latest
                  WHERE latest.tune_ref = t.id AND latest.playlist_ref = pt.playlist_ref)
WHERE t.deleted = 0;

-- Create view "practice_list_staged"
CREATE VIEW practice_list_staged AS
SELECT j.*, coalesce(j.review_date, j.current) AS scheduled_for
FROM practice_list_joined j
WHERE j.playlist_deleted = 0;

-- Create view "view_playlist_joined"
CREATE VIEW view_playlist_joined AS
SELECT p.playlist_id, p.user_ref, p.name AS playlist_name, p.deleted AS playlist_deleted,
       p.instrument_ref, i.instrument, i.description, i.genre_default
FROM playlist p
LEFT JOIN instrument i ON i.id = p.instrument_ref;
