-- Demo rows for a TuneTrees database at schema version 1 (the first migration). `tunetrees --demo`
-- loads them into a new database before migrating it, and tests/fixtures/ holds a copy.
INSERT INTO user (id, name, email, created_at) VALUES
    (1, 'Aoife Byrne', 'aoife@example.invalid', '2024-09-01 18:30:00'),
    (2, 'Tom Walsh', 'tom@example.invalid', '2024-10-12 09:15:00');
INSERT INTO genre (id, name, region, description) VALUES
    ('ITRAD', 'Irish Traditional', 'Ireland', 'Dance music of Ireland'),
    ('OTIME', 'Old Time', 'Appalachia', 'American old-time fiddle music');
INSERT INTO tune_type (id, name, rhythm, description) VALUES
    ('reel', 'Reel', '4/4', 'Fast tune in common time'),
    ('jig', 'Jig', '6/8', 'Double jig'),
    ('slipjig', 'Slip Jig', '9/8', NULL),
    ('hornpipe', 'Hornpipe', '4/4', 'Dotted rhythm'),
    ('polka', 'Polka', '2/4', NULL);
INSERT INTO genre_tune_type (genre_id, tune_type_id) VALUES
    ('ITRAD', 'reel'), ('ITRAD', 'jig'), ('ITRAD', 'slipjig'), ('ITRAD', 'hornpipe'), ('ITRAD', 'polka'),
    ('OTIME', 'reel');
INSERT INTO instrument (id, private_to_user, instrument, description, genre_default) VALUES
    (1, NULL, 'fiddle', 'Violin played in traditional style', 'ITRAD'),
    (2, NULL, 'flute', 'Wooden simple-system flute', 'ITRAD'),
    (3, 2, 'banjo', 'Five-string banjo', 'OTIME');
INSERT INTO tune (id, title, type, structure, mode, incipit, genre, private_for, deleted) VALUES
    (1, 'The Silver Spear', 'reel', 'AABB', 'D Major', 'A2FA DAFA', 'ITRAD', NULL, 0),
    (2, 'The Kesh', 'jig', 'AABB', 'G Major', 'GAG GAB', 'ITRAD', NULL, 0),
    (3, 'The Butterfly', 'slipjig', 'ABC', 'E Minor', 'B2E G2E', 'ITRAD', NULL, 0),
    (4, 'The Boys of Bluehill', 'hornpipe', 'AABB', 'D Major', 'FE DE FA', 'ITRAD', NULL, 0),
    (5, 'Britches Full of Stitches', 'polka', 'AABB', 'A Major', 'A>B cA', 'ITRAD', NULL, 0),
    (6, 'The Maid Behind the Bar', 'reel', 'AABB', 'D Major', 'FAAB AFED', 'ITRAD', NULL, 0),
    (7, 'Out on the Ocean', 'jig', 'AABB', 'G Major', 'GED DED', 'ITRAD', NULL, 0),
    (8, 'Cooley''s', 'reel', 'AABB', 'E Dorian', 'EBBA B2EB', 'ITRAD', NULL, 0),
    (9, 'Soldier''s Joy', 'reel', 'AABB', 'D Major', 'FG AF DF', 'OTIME', 2, 0),
    (10, 'The Lark in the Morning', 'jig', 'AABBCCDD', 'D Mixolydian', 'AFA AFA', 'ITRAD', NULL, 1);
INSERT INTO playlist (playlist_id, user_ref, instrument_ref, name, deleted) VALUES
    (1, 1, 1, 'Session tunes', 0),
    (2, 1, 2, 'Flute practice', 0),
    (3, 2, 3, 'Old time', 0);
INSERT INTO playlist_tune (playlist_ref, tune_ref, current, learned, deleted) VALUES
    (1, 1, '2025-01-10 00:00:00', '2024-09-20', 0),
    (1, 2, NULL, '2024-10-02', 0),
    (1, 3, NULL, NULL, 0),
    (1, 4, '2025-02-01 00:00:00', NULL, 0),
    (1, 6, NULL, '2024-11-15', 0),
    (1, 8, NULL, NULL, 0),
    (2, 5, NULL, NULL, 0),
    (2, 7, NULL, NULL, 0),
    (3, 9, NULL, '2024-12-01', 0);
INSERT INTO practice_record (id, playlist_ref, tune_ref, practiced, quality, easiness, interval, repetitions, review_date) VALUES
    (1, 1, 1, '2024-12-01 19:00:00', 4, 2.5, 1, 1, '2024-12-02 19:00:00'),
    (2, 1, 1, '2024-12-02 19:30:00', 5, 2.6, 6, 2, '2024-12-08 19:30:00'),
    (3, 1, 2, '2024-12-03 20:00:00', 3, 2.36, 1, 1, '2024-12-04 20:00:00'),
    (4, 1, 6, '2024-12-05 18:45:00', 2, 2.18, 1, 0, '2024-12-06 18:45:00'),
    (5, 2, 5, '2024-12-07 08:10:00', 4, 2.5, 1, 1, '2024-12-08 08:10:00'),
    (6, 3, 9, '2024-12-09 21:00:00', 5, 2.6, 1, 1, '2099-01-01 00:00:00');
INSERT INTO note (id, user_ref, tune_ref, playlist_ref, created_date, note_text, public, favorite, deleted) VALUES
    (1, 1, 1, 1, '2024-12-01', 'Watch the roll in bar 3', 0, 1, 0),
    (2, 1, 3, 1, '2024-12-04', 'Third part is the hard one', 1, NULL, 0),
    (3, 2, 9, 3, '2024-12-09', 'Play it with the high bass tuning', 0, 0, 0);
INSERT INTO reference (id, url, ref_type, tune_ref, user_ref, public, favorite, comment, title) VALUES
    (1, 'https://thesession.org/tunes/182', 'website', 1, 1, 1, 1, NULL, 'The Silver Spear on The Session'),
    (2, 'https://example.invalid/kesh.mp3', 'audio', 2, 1, 0, NULL, 'Slow version', 'The Kesh, slow');
INSERT INTO tag (tag_id, user_ref, tune_ref, tag_text) VALUES
    (1, 1, 1, 'session'), (2, 1, 1, 'D'), (3, 1, 2, 'session'), (4, 1, 3, 'learning');
INSERT INTO prefs_spaced_repetition (user_id, alg_type, fsrs_weights, request_retention, maximum_interval) VALUES
    (1, 'SM2', NULL, NULL, 365),
    (2, 'FSRS', '0.4,0.6,2.4,5.8', 0.9, 180);
INSERT INTO tab_group_main_state (id, user_id, which_tab, playlist_id, tab_spec) VALUES
    (1, 1, 'practice', 1, NULL);
INSERT INTO table_state (user_id, screen_size, purpose, playlist_id, settings, current_tune) VALUES
    (1, 'full', 'practice', 1, '{"sort":"title"}', 1),
    (1, 'small', 'repertoire', 1, NULL, NULL);
