"""A large reference schema for `litemig generate`: TABLES tables, two indexes each, VIEWS views."""


def table_sql(number, extra_column=False):
    name = f"item_{number:04}"
    parent = f"item_{number - 1:04}" if number > 1 else None
    columns = [
        "    id INTEGER PRIMARY KEY",
        "    code TEXT NOT NULL",
        "    label TEXT",
        "    amount REAL DEFAULT 0",
        "    created TEXT DEFAULT (datetime('now'))",
    ]
    if parent:
        columns.append(f"    parent_id INTEGER REFERENCES {parent}(id)")
    if extra_column:
        columns.append("    note TEXT")
    return (
        f"CREATE TABLE {name} (\n" + ",\n".join(columns) + "\n);\n"
        f"CREATE UNIQUE INDEX {name}_code ON {name}(code);\n"
        f"CREATE INDEX {name}_label ON {name}(label, amount);\n"
    )


def view_sql(number, tables):
    left = (number * 7) % tables + 1
    right = left % tables + 1
    return (
        f"CREATE VIEW summary_{number:03} AS SELECT a.id, a.code, a.amount + b.amount AS total "
        f"FROM item_{left:04} a JOIN item_{right:04} b ON b.code = a.code;\n"
    )


def wide_schema(tables=2000, views=300, changed_table=None):
    """The schema text; CHANGED_TABLE gets one more column (the change `generate` must find)."""
    parts = [table_sql(n, extra_column=(n == changed_table)) for n in range(1, tables + 1)]
    parts += [view_sql(n, tables) for n in range(1, views + 1)]
    return "".join(parts)
