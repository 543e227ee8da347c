"""practice_record: add technique at the end (SQLite's ALTER TABLE ADD COLUMN)."""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"


def upgrade():
    op.add_column("practice_record", sa.Column("technique", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("practice_record", "technique")
