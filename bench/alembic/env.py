"""Alembic environment for the benchmarks: one SQLite file named by `-x db=FILE`."""
from alembic import context
from sqlalchemy import create_engine

database = context.get_x_argument(as_dictionary=True)["db"]
engine = create_engine(f"sqlite:///{database}")

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
