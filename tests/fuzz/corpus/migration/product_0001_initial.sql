-- litemig migration 0001: initial
-- Generated from the reference database. Review it; edit it for data changes if needed,
-- then record the edit with `litemig hash --dir <this directory>`.
-- Each part runs in one transaction with foreign keys off; the tables listed on the
-- foreign-key-check line are checked before commit.

-- litemig:up
-- litemig:foreign-key-check

-- Create table "genre"
CREATE TABLE genre (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    region      TEXT,
    description TEXT
);

-- Create table "genre_tune_type"
CREATE TABLE genre_tune_type (
    genre_id     TEXT NOT NULL REFERENCES genre (id),
    tune_type_id TEXT NOT NULL REFERENCES tune_type (id),
    PRIMARY KEY (genre_id, tune_type_id)
);

-- Create table "instrument"
CREATE TABLE instrument (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    private_to_user INTEGER REFERENCES user (id),
    instrument      TEXT NOT NULL,
    description     TEXT,
    genre_default   TEXT REFERENCES genre (id),
    UNIQUE (private_to_user, instrument)
);

-- Create table "note"
CREATE TABLE note (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_ref     INTEGER REFERENCES user (id),
    tune_ref     INTEGER NOT NULL REFERENCES tune (id),
    playlist_ref INTEGER REFERENCES playlist (playlist_id),
    created_date TEXT,
    note_text    TEXT,
    public       INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    favorite     INTEGER CHECK (favorite IN (0, 1)),
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

-- Create table "playlist"
CREATE TABLE playlist (
    playlist_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    user_ref       INTEGER NOT NULL REFERENCES user (id),
    instrument_ref INTEGER REFERENCES instrument (id),
    name           TEXT,
    deleted        INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

-- Create table "playlist_tune"
CREATE TABLE playlist_tune (
    playlist_ref INTEGER NOT NULL REFERENCES playlist (playlist_id),
    tune_ref     INTEGER NOT NULL REFERENCES tune (id),
    current      TEXT,
    learned      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    PRIMARY KEY (playlist_ref, tune_ref)
);

-- Create table "practice_record"
CREATE TABLE practice_record (
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

-- Create table "prefs_spaced_repetition"
CREATE TABLE prefs_spaced_repetition (
    user_id           INTEGER NOT NULL REFERENCES user (id),
    alg_type          TEXT NOT NULL CHECK (alg_type IN ('SM2', 'FSRS')),
    fsrs_weights      TEXT,
    request_retention REAL,
    maximum_interval  INTEGER,
    PRIMARY KEY (user_id, alg_type)
);

-- Create table "reference"
CREATE TABLE reference (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    url      TEXT NOT NULL,
    ref_type TEXT CHECK (ref_type IN ('website', 'audio', 'video')),
    tune_ref INTEGER NOT NULL REFERENCES tune (id),
    user_ref INTEGER REFERENCES user (id),
    public   INTEGER CHECK (public IN (0, 1)),
    favorite INTEGER CHECK (favorite IN (0, 1)),
    comment  TEXT,
    title    TEXT
);

-- Create table "tab_group_main_state"
CREATE TABLE tab_group_main_state (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES user (id),
    which_tab   TEXT DEFAULT 'practice' CHECK (which_tab IN ('practice', 'repertoire', 'catalog', 'analysis')),
    playlist_id INTEGER REFERENCES playlist (playlist_id),
    tab_spec    TEXT
);

-- Create table "table_state"
CREATE TABLE table_state (
    user_id      INTEGER NOT NULL REFERENCES user (id),
    screen_size  TEXT NOT NULL CHECK (screen_size IN ('small', 'full')),
    purpose      TEXT NOT NULL CHECK (purpose IN ('practice', 'repertoire', 'catalog', 'analysis')),
    playlist_id  INTEGER NOT NULL REFERENCES playlist (playlist_id),
    settings     TEXT,
    current_tune INTEGER REFERENCES tune (id),
    PRIMARY KEY (user_id, screen_size, purpose, playlist_id)
);

-- Create table "tag"
CREATE TABLE tag (
    tag_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_ref INTEGER NOT NULL REFERENCES user (id),
    tune_ref INTEGER NOT NULL REFERENCES tune (id),
    tag_text TEXT NOT NULL,
    UNIQUE (user_ref, tune_ref, tag_text)
);

-- Create table "tune"
CREATE TABLE tune (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT NOT NULL,
    type        TEXT REFERENCES tune_type (id),
    structure   TEXT,
    mode        TEXT,
    incipit     TEXT,
    genre       TEXT REFERENCES genre (id),
    private_for INTEGER REFERENCES user (id),
    deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

-- Create table "tune_type"
CREATE TABLE tune_type (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    rhythm      TEXT,
    description TEXT
);

-- Create table "user"
CREATE TABLE user (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    email      TEXT UNIQUE,
    created_at TEXT DEFAULT (datetime('now'))
);

-- Create index "note_tune_playlist"
CREATE INDEX note_tune_playlist ON note (tune_ref, playlist_ref);

-- Create index "practice_record_tune_playlist"
CREATE INDEX practice_record_tune_playlist ON practice_record (tune_ref, playlist_ref, practiced);

-- Create index "tag_user_text"
CREATE INDEX tag_user_text ON tag (user_ref, tag_text);

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

-- Drop index "note_tune_playlist"
DROP INDEX IF EXISTS "note_tune_playlist";

-- Drop index "practice_record_tune_playlist"
DROP INDEX IF EXISTS "practice_record_tune_playlist";

-- Drop index "tag_user_text"
DROP INDEX IF EXISTS "tag_user_text";

-- Drop table "genre"
DROP TABLE "genre";

-- Drop table "genre_tune_type"
DROP TABLE "genre_tune_type";

-- Drop table "instrument"
DROP TABLE "instrument";

-- Drop table "note"
DROP TABLE "note";

-- Drop table "playlist"
DROP TABLE "playlist";

-- Drop table "playlist_tune"
DROP TABLE "playlist_tune";

-- Drop table "practice_record"
DROP TABLE "practice_record";

-- Drop table "prefs_spaced_repetition"
DROP TABLE "prefs_spaced_repetition";

-- Drop table "reference"
DROP TABLE "reference";

-- Drop table "tab_group_main_state"
DROP TABLE "tab_group_main_state";

-- Drop table "table_state"
DROP TABLE "table_state";

-- Drop table "tag"
DROP TABLE "tag";

-- Drop table "tune"
DROP TABLE "tune";

-- Drop table "tune_type"
DROP TABLE "tune_type";

-- Drop table "user"
DROP TABLE "user";
