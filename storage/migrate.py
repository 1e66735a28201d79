"""Alembic, driven from Python: apply migrations and tell whether a database is up to date."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url

from storage.engine import sync_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation; URLs may hold percent-encoded passwords.
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_status(url: str) -> SchemaStatus:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None, "no migrations found"
    if _sqlite_file_missing(url):
        # Connecting would create an empty file, left behind by a command that then refuses
        # to run on it: nothing there is a schema at no revision.
        return SchemaStatus(current=None, head=head)
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return SchemaStatus(current=current, head=head)


def _sqlite_file_missing(url: str) -> bool:
    """A SQLite database file that is not there, in a folder that is (a missing folder is left
    for SQLite to refuse, as a database that cannot be opened)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    path = Path(parsed.database)
    return not path.exists() and path.parent.is_dir()
