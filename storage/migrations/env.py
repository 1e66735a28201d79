"""Alembic environment: runs migrations on a blocking connection to the configured database."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from storage.tables import metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # WAL is a property of the file: set it once here, so the server's first
            # concurrent connections do not race to switch the journal mode themselves.
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            connection.commit()  # else Alembic's transaction would nest in this one, uncommitted
        # Batch mode lets ALTER TABLE work on SQLite, which rebuilds the table instead.
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
