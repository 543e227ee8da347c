-- litemig migration 0005: practice_record_cascade
-- Generated from the reference database. Review it; edit it for data changes if needed,
-- then record the edit with `litemig hash --dir <this directory>`.
-- Each part runs in one transaction with foreign keys off; the tables listed on the
-- foreign-key-check line are checked before commit.

-- litemig:up
-- litemig:foreign-key-check "practice_record"

-- Drop view "view_playlist_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "view_playlist_joined";

-- Drop view "practice_list_staged" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_staged";

-- Drop view "practice_list_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_joined";

-- Rebuild table "practice_record" (foreign keys differ)
CREATE TABLE "litemig_new_practice_record" (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    playlist_ref INTEGER NOT NULL REFERENCES playlist (playlist_id) ON DELETE CASCADE,
    tune_ref     INTEGER NOT NULL REFERENCES tune (id) ON DELETE CASCADE,
    practiced    TEXT,
    quality      INTEGER,
    easiness     REAL,
    interval     INTEGER,
    repetitions  INTEGER,
    review_date  TEXT,
    UNIQUE (tune_ref, playlist_ref, practiced)
);
INSERT INTO "litemig_new_practice_record" ("id", "playlist_ref", "tune_ref", "practiced", "quality", "easiness", "interval", "repetitions", "review_date")
  SELECT "id", "playlist_ref", "tune_ref", "practiced", "quality", "easiness", "interval", "repetitions", "review_date" FROM "practice_record";
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'practice_record'), 0))
  WHERE name = 'litemig_new_practice_record';
INSERT INTO sqlite_sequence (name, seq) SELECT 'litemig_new_practice_record', seq FROM sqlite_sequence
  WHERE name = 'practice_record' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'litemig_new_practice_record');
DROP TABLE "practice_record";
ALTER TABLE "litemig_new_practice_record" RENAME TO "practice_record";

-- Create index "practice_record_tune_playlist"
CREATE INDEX practice_record_tune_playlist ON practice_record (tune_ref, playlist_ref, practiced);

-- Create view "practice_list_joined"
CREATE VIEW practice_list_joined AS
SELECT t.id, t.title, t.type, t.structure, t.mode, t.incipit, t.genre,
       pt.playlist_ref, pt.scheduled, pt.learned, pt.goal, pt.deleted AS playlist_deleted,
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
SELECT j.id, j.title, j.type, j.mode, j.playlist_ref, j.goal, j.scheduled, j.learned,
       j.practiced, j.quality, j.easiness, j.interval, j.repetitions, j.review_date, j.tags,
       coalesce(j.scheduled, j.review_date) AS due_at
FROM practice_list_joined j
WHERE j.playlist_deleted = 0;

-- Create view "view_playlist_joined"
CREATE VIEW view_playlist_joined AS
SELECT p.playlist_id, p.user_ref, p.name AS playlist_name, p.deleted AS playlist_deleted,
       p.instrument_ref, i.instrument, i.description, i.genre_default
FROM playlist p
LEFT JOIN instrument i ON i.id = p.instrument_ref;

-- litemig:down
-- litemig:foreign-key-check "practice_record"

-- Drop view "view_playlist_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "view_playlist_joined";

-- Drop view "practice_list_staged" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_staged";

-- Drop view "practice_list_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_joined";

-- Rebuild table "practice_record" (foreign keys differ)
CREATE TABLE "litemig_new_practice_record" (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    playlist_ref INTEGER NOT NULL REFERENCES playlist (playlist_id),
    tune_ref     INTEGER NOT NULL REFERENCES tune (id),
    practiced    TEXT,
    quality      INTEGER,
    easiness     REAL,
    interval     INTEGER,
    repetitions  INTEGER,
    review_date  TEXT,
    UNIQUE (tune_ref, playlist_ref, practiced)
);
INSERT INTO "litemig_new_practice_record" ("id", "playlist_ref", "tune_ref", "practiced", "quality", "easiness", "interval", "repetitions", "review_date")
  SELECT "id", "playlist_ref", "tune_ref", "practiced", "quality", "easiness", "interval", "repetitions", "review_date" FROM "practice_record";
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'practice_record'), 0))
  WHERE name = 'litemig_new_practice_record';
INSERT INTO sqlite_sequence (name, seq) SELECT 'litemig_new_practice_record', seq FROM sqlite_sequence
  WHERE name = 'practice_record' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'litemig_new_practice_record');
DROP TABLE "practice_record";
ALTER TABLE "litemig_new_practice_record" RENAME TO "practice_record";

-- Create index "practice_record_tune_playlist"
CREATE INDEX practice_record_tune_playlist ON practice_record (tune_ref, playlist_ref, practiced);

-- Create view "practice_list_joined"
CREATE VIEW practice_list_joined AS
SELECT t.id, t.title, t.type, t.structure, t.mode, t.incipit, t.genre,
       pt.playlist_ref, pt.scheduled, pt.learned, pt.goal, pt.deleted AS playlist_deleted,
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
SELECT j.id, j.title, j.type, j.mode, j.playlist_ref, j.goal, j.scheduled, j.learned,
       j.practiced, j.quality, j.easiness, j.interval, j.repetitions, j.review_date, j.tags,
       coalesce(j.scheduled, j.review_date) AS due_at
FROM practice_list_joined j
WHERE j.playlist_deleted = 0;

-- Create view "view_playlist_joined"
CREATE VIEW view_playlist_joined AS
SELECT p.playlist_id, p.user_ref, p.name AS playlist_name, p.deleted AS playlist_deleted,
       p.instrument_ref, i.instrument, i.description, i.genre_default
FROM playlist p
LEFT JOIN instrument i ON i.id = p.instrument_ref;
