-- litemig:up
CREATE TABLE IF NOT EXISTS "session"
(
    expires       TEXT,
    session_token TEXT
        constraint session_pk
            primary key,
    user_id       TEXT
        constraint session_user_ID_fk
            references user
);
CREATE TABLE IF NOT EXISTS "verification_token"
(
    identifier TEXT
        constraint verification_token_pk
            primary key,
    token      TEXT
        constraint verification_token_pk_2
            unique,
    expires    TEXT
);
CREATE TABLE IF NOT EXISTS "account"
(
    user_id             TEXT not null
        constraint account_user_id_fk
            references user,
    provider_account_id TEXT,
    provider            TEXT,
    type                TEXT,
    access_token        TEXT,
    id_token            TEXT,
    refresh_token       TEXT,
    scope               TEXT,
    expires_at          integer,
    session_state       TEXT,
    token_type          TEXT,
    constraint account_pk
        primary key (provider_account_id, user_id)
);
CREATE TABLE IF NOT EXISTS "user"
(
    id             integer           not null
        constraint users_pk
            primary key autoincrement,
    hash           TEXT,
    name           TEXT,
    email          TEXT,
    email_verified TEXT default NULL null on conflict ignore,
    image          TEXT
, deleted BOOLEAN DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS "prefs_spaced_repetition"
(
    alg_type TEXT not null,
    user_id  INTEGER
        constraint prefs_spaced_repetition_user_FK
            references user, fsrs_weights TEXT, request_retention REAL, maximum_interval integer,
    constraint prefs_spaced_repetition_pk
        primary key (user_id, alg_type),
    constraint check_name
        check (alg_type IN ('SM2', 'FSRS')) on conflict rollback
);
CREATE TABLE IF NOT EXISTS "table_transient_data"
(
    user_id      INTEGER
        constraint table_transient_data_user_id_fk
            references user,
    tune_id      INTEGER
        constraint table_transient_data_tune_id_fk
            references tune,
    playlist_id  INTEGER
        constraint table_transient_data_playlist_playlist_id_fk
            references playlist,
    purpose      TEXT,
    note_private TEXT,
    note_public  TEXT,
    recall_eval  TEXT,
    constraint table_transient_data_pk
        primary key (tune_id, user_id, playlist_id)
);
CREATE TABLE IF NOT EXISTS "playlist_tune"
(
    playlist_ref INTEGER,
    tune_ref     INTEGER,
    current      TEXT,
    learned      TEXT, deleted BOOLEAN DEFAULT FALSE,
    constraint playlist_tune_pk
        primary key (tune_ref, playlist_ref)
);
CREATE TABLE IF NOT EXISTS "tag"
(
    tag_id   INTEGER
        primary key autoincrement,
    user_ref INTEGER not null
        references user,
    tune_ref INTEGER not null
        references tune,
    tag_text TEXT    not null,
    unique (user_ref, tune_ref, tag_text)
);
CREATE INDEX idx_user_ref_tag_text
    on tag (user_ref, tag_text);
CREATE INDEX idx_user_ref_tune_ref
    on tag (user_ref, tune_ref);
CREATE TABLE IF NOT EXISTS "reference"
(
    id       integer not null
        constraint reference_pk
            primary key autoincrement,
    url      TEXT    not null,
    ref_type TEXT,
    tune_ref integer not null
        constraint external_ref_tune_ID_fk
            references tune,
    public   integer,
    favorite integer, user_ref integer, comment TEXT, title TEXT, deleted BOOLEAN DEFAULT FALSE,
    constraint check_favorite
        check (favorite IN (0, 1)) on conflict fail,
    constraint check_public
        check (public IN (0, 1)),
    constraint check_ref_type
        check (ref_type in ('website', 'audio', 'video')) on conflict fail
);
CREATE INDEX idx_tune_user_ref ON reference(tune_ref, user_ref);
CREATE INDEX idx_tune_public ON reference(tune_ref, public);
CREATE INDEX idx_user_tune_public ON reference(user_ref, tune_ref, public);
CREATE TABLE IF NOT EXISTS "note"
(
    id           integer not null
        constraint note_pk
            primary key autoincrement,
    user_ref     INTEGER not null
        constraint note_user_id_fk
            references user,
    tune_ref     INTEGER not null
        constraint note_tune_id_fk
            references tune,
    playlist_ref integer
        constraint note_playlist_playlist_id_fk
            references playlist,
    created_date TEXT,
    note_text    TEXT,
    public       INTEGER default FALSE,
    favorite     integer, deleted BOOLEAN DEFAULT FALSE,
    constraint chk_favorite_bool
        check (favorite in (0, 1)) on conflict fail,
    constraint chk_public_bool
        check (public IN (0, 1))
);
CREATE INDEX idx_tune_playlist
    on note (tune_ref, playlist_ref);
CREATE INDEX idx_tune_playlist_user_public
    on note (tune_ref, playlist_ref, user_ref, public);
CREATE INDEX idx_tune_user
    on note (tune_ref, user_ref);
CREATE TABLE genre
(
    id          TEXT not null
        constraint genre_pk
            primary key,
    name        TEXT,
    region      TEXT,
    description TEXT
);
CREATE TABLE IF NOT EXISTS "tune" (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    type TEXT,
    structure TEXT,
    title TEXT,
    mode TEXT,
    incipit TEXT,
    genre TEXT, deleted BOOLEAN DEFAULT FALSE,
    FOREIGN KEY (genre) REFERENCES genre(id)
);
CREATE TABLE IF NOT EXISTS "tab_group_main_state"
(
    user_id     INTEGER                 not null
        constraint tab_group_main_state_user_id_fk
            references user,
    which_tab   TEXT default 'practice' null on conflict replace,
    id          integer                 not null
        constraint tab_group_main_state_pk
            primary key autoincrement,
    playlist_id integer,
    tab_spec    TEXT,
    constraint check_name
        check (which_tab IN ('scheduled', 'repertoire', 'catalog', 'analysis'))
);
CREATE TABLE IF NOT EXISTS "table_state"
(
    user_id      INTEGER not null
        references user,
    screen_size  TEXT    not null,
    purpose      TEXT    not null,
    settings     TEXT,
    current_tune integer default null,
    playlist_id  integer not null
        references playlist,
    constraint compound_primary_key
        primary key (user_id, screen_size, purpose, playlist_id) on conflict replace,
    check (purpose IN ('practice', 'repertoire', 'catalog', 'analysis')),
    check (screen_size IN ('small', 'full'))
);
CREATE TABLE instrument
(
    id   INTEGER
        primary key autoincrement,
    private_to_user      INTEGER
        references user(id),
    instrument    TEXT,
    description   TEXT,
    genre_default TEXT,
    deleted       BOOLEAN default FALSE,
    unique (private_to_user, instrument)
);
CREATE INDEX idx_instrument_instrument
    on instrument (instrument);
CREATE INDEX idx_instrument_private_to_user
    on instrument (private_to_user);
CREATE TABLE IF NOT EXISTS "playlist"
(
    playlist_id INTEGER
        primary key autoincrement,
    user_ref    INTEGER
        references user,
    instrument_ref  INTEGER,
    deleted BOOLEAN DEFAULT FALSE,
    unique (user_ref, instrument_ref)
);
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
CREATE TABLE IF NOT EXISTS "practice_record"
(
    playlist_ref     INTEGER
        constraint practice_record_playlist_playlist_id_fk
            references playlist,
    tune_ref         INTEGER
        constraint practice_record_tune_id_fk
            references tune,
    practiced        TEXT,
    quality          INTEGER,
    id               integer not null
        primary key autoincrement,
    easiness         REAL,
    interval         integer,
    repetitions      integer,
    review_date      TEXT,
    backup_practiced TEXT,
    stability        REAL,
    elapsed_days     integer,
    lapses           integer,
    state            integer,
    constraint practice_record_pk
        unique (tune_ref, playlist_ref)
);
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
CREATE INDEX idx_practice_record_playlist_review
    on practice_record (playlist_ref, review_date);
-- litemig:down
DROP VIEW practice_list_staged;
DROP VIEW practice_list_joined;
DROP VIEW view_playlist_joined;
DROP TABLE "practice_record";
DROP TABLE "playlist";
DROP TABLE "instrument";
DROP TABLE "table_state";
DROP TABLE "tab_group_main_state";
DROP TABLE "tune";
DROP TABLE "genre";
DROP TABLE "note";
DROP TABLE "reference";
DROP TABLE "tag";
DROP TABLE "playlist_tune";
DROP TABLE "table_transient_data";
DROP TABLE "prefs_spaced_repetition";
DROP TABLE "user";
DROP TABLE "account";
DROP TABLE "verification_token";
DROP TABLE "session";
