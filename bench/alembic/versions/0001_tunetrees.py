"""TuneTrees schema of January 2025: the databases exist already and are stamped at this revision."""
revision = "0001"
down_revision = None


def upgrade():
    pass


def downgrade():
    pass
