"""practice_record: add goal (NOT NULL, default) after quality and make interval REAL.

What Alembic needs by hand for this change, beyond the two column operations:
- drop the views that read practice_record and create them again afterwards (SQLite re-checks
  every view when the rebuilt table is renamed into place, and batch mode does not know views);
- say recreate="always" and restate AUTOINCREMENT (sqlite_autoincrement), which reflection loses;
- place the new column with insert_after (batch mode only);
- the AUTOINCREMENT high-water mark, foreign_key_check and planner statistics are not handled.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

DEPENDENT_VIEWS = ("practice_list_joined", "practice_list_staged")


def dependent_view_definitions():
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT name, sql FROM sqlite_schema WHERE type = 'view' AND name IN :names").bindparams(
            sa.bindparam("names", expanding=True)
        ),
        {"names": list(DEPENDENT_VIEWS)},
    )
    return [sql for _, sql in sorted(rows)]


def upgrade():
    views = dependent_view_definitions()
    for name in DEPENDENT_VIEWS:
        op.execute(f"DROP VIEW {name}")
    with op.batch_alter_table(
        "practice_record", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.add_column(
            sa.Column("goal", sa.Text(), nullable=False, server_default="recall"), insert_after="quality"
        )
        batch.alter_column("interval", type_=sa.REAL(), existing_type=sa.Integer())
    for sql in views:
        op.execute(sql)


def downgrade():
    views = dependent_view_definitions()
    for name in DEPENDENT_VIEWS:
        op.execute(f"DROP VIEW {name}")
    with op.batch_alter_table(
        "practice_record", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.drop_column("goal")
        batch.alter_column("interval", type_=sa.Integer(), existing_type=sa.REAL())
    for sql in views:
        op.execute(sql)
