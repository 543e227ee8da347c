-- litemig migration 0002: practice_technique
-- Generated from the reference database. Review it; edit it for data changes if needed,
-- then record the edit with `litemig hash --dir <this directory>`.
-- Each part runs in one transaction with foreign keys off; the tables listed on the
-- foreign-key-check line are checked before commit. The other litemig: lines say what
-- the part rebuilds, renames and drops: keep them in step with the SQL when you edit it. The
-- schema-digest line lets the applier skip comparing a result that is, statement for statement,
-- the schema this file was checked to produce; an edited part is compared in full.

-- litemig:up
-- litemig:foreign-key-check
-- litemig:schema-digest "1e54a5539631576349057bbc511aa0cb01d511c4fcbbd76d4b5cf6f9a9f8b7fc" "ced24086f1ee0b049415ad283a7ec672afa2b9b8ea72e051603dc23a2b9dee76"

-- Add column "practice_record"."technique"
ALTER TABLE "practice_record" ADD COLUMN technique        TEXT;

-- litemig:down
-- litemig:foreign-key-check
-- litemig:drop-column "practice_record" "technique"
-- litemig:schema-digest "d5a4b9cfd895cd9514421b61a97df126994987916505e75f44f20a2b7956f6aa" "56ce33a88548bbae12ca13275daf625031da4fdf8d18bc258cea261b110caca9"

-- Drop view "view_playlist_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "view_playlist_joined";

-- Drop view "practice_list_staged" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_staged";

-- Drop view "practice_list_joined" (recreated below when it is kept)
DROP VIEW IF EXISTS "practice_list_joined";

-- Drop column "practice_record"."technique"
ALTER TABLE "practice_record" DROP COLUMN "technique";

-- Create view "practice_list_joined"
CREATE VIEW practice_list_joined AS
SELECT
    tune.id,
    tune.title,
    tune.type,
    tune.structure,
    tune.mode,
    tune.incipit,
    tune.genre,
    tune.deleted,
    playlist_tune.learned,
    practice_record.practiced,
    practice_record.quality,
    practice_record.easiness,
    practice_record.interval,
    practice_record.repetitions,
    practice_record.review_date,
   (SELECT group_concat(tag.tag_text, ' ')
    FROM tag
    WHERE tag.tune_ref = tune.id
      AND tag.user_ref = playlist.user_ref) AS tags,
    playlist_tune.playlist_ref,
    playlist.user_ref,
    playlist_tune.deleted as playlist_deleted,
    (SELECT group_concat(note.note_text, ' ')
        FROM note
        WHERE note.tune_ref = tune.id
          AND note.user_ref = playlist.user_ref) AS notes,
    (SELECT ref.url
     FROM reference ref
     WHERE ref.tune_ref = tune.id
      AND ref.user_ref = playlist.user_ref
      AND ref.favorite = 1
    LIMIT 1) AS favorite_url
FROM
    tune
LEFT JOIN
    playlist_tune ON playlist_tune.tune_ref = tune.id
LEFT JOIN
    playlist ON playlist.playlist_id = playlist_tune.playlist_ref
LEFT JOIN
    practice_record ON practice_record.tune_ref = tune.id AND practice_record.playlist_ref = playlist_tune.playlist_ref
LEFT JOIN
    tag ON tag.tune_ref = tune.id;

-- Create view "practice_list_staged"
CREATE VIEW practice_list_staged AS
SELECT
       tune.id,
       tune.title,
       tune.type,
       tune.structure,
       tune.mode,
       tune.incipit,
       tune.genre,
       tune.deleted,
       playlist_tune.learned,
       playlist.user_ref AS user_ref,
       playlist.playlist_id AS playlist_id,
       instrument.instrument AS instrument,
       playlist_tune.deleted as playlist_deleted,
       practice_record.practiced,
       practice_record.quality,
       practice_record.easiness,
       practice_record.interval,
       practice_record.repetitions,
       practice_record.review_date,
       practice_record.backup_practiced,
       (SELECT group_concat(tag.tag_text, ' ')
        FROM tag
        WHERE tag.tune_ref = tune.id
          AND tag.user_ref = playlist.user_ref) AS tags,
       td.purpose AS purpose,
       td.note_private AS note_private,
       td.note_public AS note_public,
       td.recall_eval AS recall_eval,
       (SELECT group_concat(note.note_text, ' ')
        FROM note
        WHERE note.tune_ref = tune.id
          AND note.user_ref = playlist.user_ref) AS notes,
       (SELECT ref.url
        FROM reference ref
        WHERE ref.tune_ref = tune.id
          AND ref.user_ref = playlist.user_ref
          AND ref.favorite = 1
        LIMIT 1) AS favorite_url
FROM
    tune
LEFT JOIN
    playlist_tune ON playlist_tune.tune_ref = tune.id
LEFT JOIN
    playlist ON playlist.playlist_id = playlist_tune.playlist_ref
LEFT JOIN
    instrument ON instrument.id = playlist.instrument_ref
LEFT JOIN
    practice_record ON practice_record.tune_ref = tune.id AND practice_record.playlist_ref = playlist_tune.playlist_ref
LEFT JOIN
    tag ON tag.tune_ref = tune.id
LEFT JOIN
    table_transient_data td ON td.tune_id = tune.id AND td.playlist_id = playlist_tune.playlist_ref;

-- Create view "view_playlist_joined"
CREATE VIEW view_playlist_joined AS
SELECT 
    p.playlist_id,
    p.user_ref,
    p.deleted AS playlist_deleted,
    p.instrument_ref,
    i.private_to_user,
    i.instrument,
    i.description,
    i.genre_default,
    i.deleted AS instrument_deleted
FROM 
    playlist p
JOIN 
    main.instrument i ON p.instrument_ref = i.id;
