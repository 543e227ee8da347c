"""Checks a migrated database: schema by meaning, data against the source, foreign keys, integrity."""
import re
import sqlite3

# Bookkeeping of the tools under test and SQLite's own tables are not part of the compared schema.
IGNORED_TABLES = ("litemig_history", "litemig_verified_schema", "alembic_version", "sqlite_sequence")

PRACTICE_AGGREGATES = """
SELECT count(*), sum(id), sum(tune_ref * 1000 + playlist_ref), total(interval), total(easiness), total(stability),
       sum(length(practiced) + length(review_date)), count(backup_practiced), sum(quality), sum(repetitions),
       sum(elapsed_days), sum(lapses), sum(state)
FROM practice_record
"""


def connect(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def user_tables(db, kind):
    rows = db.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = ? AND name NOT LIKE 'sqlite%' ORDER BY name", (kind,)
    )
    return [(name, sql) for name, sql in rows if name not in IGNORED_TABLES]


def normalise_default(value):
    if value is None:
        return None
    text = value.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.upper() if text.upper() in ("NULL", "FALSE", "TRUE") else text


def primary_key_columns(db, table):
    return [row[1] for row in sorted(db.execute(f'PRAGMA table_info("{table}")'), key=lambda r: r[5]) if row[5]]


def table_signature(db, table, sql):
    columns = [
        (name, (decl or "").upper(), notnull, normalise_default(default), pk, hidden)
        for _, name, decl, notnull, default, pk, hidden in db.execute(f'PRAGMA table_xinfo("{table}")')
    ]
    indexes = []
    for _, name, unique, origin, partial in db.execute(f'PRAGMA index_list("{table}")'):
        keys = [(col, desc, coll) for _, _, col, desc, coll, key in db.execute(f'PRAGMA index_xinfo("{name}")') if key]
        # Automatic indexes have generated names; what they cover is their meaning.
        indexes.append((name if origin == "c" else origin, unique, partial, keys))
    foreign_keys = []
    for row in db.execute(f'PRAGMA foreign_key_list("{table}")'):
        _, _, parent, child_col, parent_col, on_update, on_delete, match = row
        if parent_col is None:
            pk = primary_key_columns(db, parent)
            parent_col = pk[0] if len(pk) == 1 else None
        foreign_keys.append((parent.lower(), child_col, parent_col, on_update, on_delete, match))
    autoincrement = bool(re.search(r"\bAUTOINCREMENT\b", sql or "", re.I))
    return {
        "columns": columns,
        "indexes": sorted(indexes, key=repr),
        "foreign_keys": sorted(foreign_keys, key=repr),
        "autoincrement": autoincrement,
    }


def schema_signature_of(db):
    tables = {name: table_signature(db, name, sql) for name, sql in user_tables(db, "table")}
    views = {name: [row[1] for row in db.execute(f'PRAGMA table_xinfo("{name}")')] for name, _ in user_tables(db, "view")}
    triggers = {name: " ".join(sql.split()) for name, sql in user_tables(db, "trigger")}
    return {"tables": tables, "views": views, "triggers": triggers}


def schema_signature(path):
    with connect(path) as db:
        return schema_signature_of(db)


def expected_signature(snapshot_sql):
    db = sqlite3.connect(":memory:")
    db.executescript(snapshot_sql)
    try:
        return schema_signature_of(db)
    finally:
        db.close()


def data_fingerprint(path):
    with connect(path) as db:
        counts = {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name, _ in user_tables(db, "table")}
        practice = db.execute(PRACTICE_AGGREGATES).fetchone()
        sequence = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'practice_record'").fetchone()
    return {"counts": counts, "practice": list(practice), "sequence": sequence[0] if sequence else None}


def schema_differences(actual, expected):
    problems = []
    for kind in ("tables", "views", "triggers"):
        for name in sorted(set(actual[kind]) | set(expected[kind])):
            if name not in actual[kind]:
                problems.append(f"{kind[:-1]} {name} missing")
            elif name not in expected[kind]:
                problems.append(f"unexpected {kind[:-1]} {name}")
            elif actual[kind][name] != expected[kind][name]:
                problems.append(f"{kind[:-1]} {name} differs from the snapshot")
    return problems


def verify_migrated(path, expected_schema, source_fingerprint, full_integrity=True):
    """Returns a list of problems (empty when the database is right)."""
    problems = schema_differences(schema_signature(path), expected_schema)
    fingerprint = data_fingerprint(path)
    if fingerprint["counts"] != {k: v for k, v in source_fingerprint["counts"].items() if k in fingerprint["counts"]}:
        problems.append("row counts differ from the source database")
    if fingerprint["practice"] != source_fingerprint["practice"]:
        problems.append("practice_record values differ from the source database")
    if (fingerprint["sequence"] or 0) < (source_fingerprint["sequence"] or 0):
        problems.append("practice_record AUTOINCREMENT high-water mark went down")
    with connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(practice_record)")]
        if "goal" in columns and db.execute("SELECT count(*) FROM practice_record WHERE goal IS NOT 'recall'").fetchone()[0]:
            problems.append("practice_record.goal not filled with its default")
        if "goal" in columns and db.execute(
            "SELECT count(*) FROM practice_record WHERE interval IS NOT NULL AND typeof(interval) <> 'real'"
        ).fetchone()[0]:
            problems.append("practice_record.interval values not stored as REAL")
        if db.execute("PRAGMA foreign_key_check").fetchone():
            problems.append("foreign_key_check reports violations")
        check = "integrity_check" if full_integrity else "quick_check"
        result = db.execute(f"PRAGMA {check}").fetchall()
        if result != [("ok",)]:
            problems.append(f"{check}: {result[0][0]}")
        for view, _ in user_tables(db, "view"):
            db.execute(f'SELECT * FROM "{view}" LIMIT 1').fetchall()
    return problems


def file_facts(path):
    """Planner statistics of practice_record, free pages and user_version."""
    with connect(path) as db:
        stats = db.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'practice_record'").fetchone()[0] if db.execute(
            "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'"
        ).fetchone() else 0
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0] * page_size
        version = db.execute("PRAGMA user_version").fetchone()[0]
    return {"stats_rows": stats, "free_bytes": free, "user_version": version}
