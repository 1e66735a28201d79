"""Migrations: they build the schema the models describe, both ways, on SQLite and PostgreSQL,
and the command line refuses to serve an out-of-date schema."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text

from storage.engine import sync_url
from storage.migrate import alembic_config, schema_status, upgrade
from storage.tables import metadata

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    with connect(url) as connection:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}


def differences(url: str) -> list:
    """What autogenerate would put in a new migration: nothing, if models and schema agree."""
    with connect(url) as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_upgrade_builds_every_table_on_an_empty_database(empty_database_url):
    before = schema_status(empty_database_url)
    assert (before.current, before.head, before.up_to_date) == (None, HEAD, False)
    assert tables(empty_database_url) == set()

    upgrade(empty_database_url)

    assert tables(empty_database_url) == set(metadata.tables)
    assert schema_status(empty_database_url).up_to_date


def test_models_and_migrations_agree(database_url):
    assert differences(database_url) == []


def test_downgrade_to_base_and_upgrade_again(database_url):
    config = alembic_config(database_url)

    command.downgrade(config, "base")

    assert tables(database_url) == set()
    status = schema_status(database_url)
    assert status.current is None and not status.up_to_date

    upgrade(database_url)

    assert schema_status(database_url).up_to_date
    assert differences(database_url) == []


def test_one_revision_behind_is_not_up_to_date(database_url):
    command.downgrade(alembic_config(database_url), "-1")

    status = schema_status(database_url)
    assert status.current != HEAD
    assert not status.up_to_date


def _touchpoint(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args],  # noqa: S603 - our own CLI
                          env=env, capture_output=True, text=True, timeout=60, check=False)


def test_run_refuses_an_unmigrated_database(empty_database_url, tmp_path, cli_env):
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump({
        "organisation": {"name": "Example Corp IT"},
        "channels": {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                     "kudos_wall": {"slack": "C0KUDOS01"}, "broadcasts": [{"slack": "C0STAT"}]},
    }), encoding="utf-8")

    done = _touchpoint("run", "--port", "9", env=cli_env(
        TOUCHPOINT_CONFIG=str(config), DATABASE_URL=empty_database_url,
        SLACK_BOT_TOKEN="xoxb-unused", SLACK_SIGNING_SECRET="unused-secret",
        SLACK_API_URL="http://127.0.0.1:9/api/"))

    assert done.returncode == 3, done.stderr
    assert (f"The database schema is at revision none but this version needs {HEAD}. "
            "Run `touchpoint migrate` first.") in done.stderr
    assert "Traceback" not in done.stderr
    assert tables(empty_database_url) == set()


def test_migrate_command_brings_the_schema_up_to_date(empty_database_url, cli_env):
    env = cli_env(DATABASE_URL=empty_database_url)

    first = _touchpoint("migrate", env=env)
    again = _touchpoint("migrate", env=env)

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith(f": schema at revision {HEAD}")
    assert again.returncode == 0, again.stderr
    assert schema_status(empty_database_url).up_to_date
    assert tables(empty_database_url) == set(metadata.tables)


@pytest.mark.parametrize("url", ["mysql://admin:pa55word@localhost/touchpoint", "not a url"])
def test_migrate_command_rejects_an_unsupported_database(url, cli_env):
    done = _touchpoint("migrate", env=cli_env(DATABASE_URL=url))

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "The configuration has problems:",
        "  DATABASE_URL: must be a sqlite:///path or postgresql://user@host/db URL",
    ]


def test_a_new_sqlite_database_is_left_in_wal_mode(tmp_path):
    path = tmp_path / "fresh.db"

    upgrade(f"sqlite:///{path}")

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert set(metadata.tables) <= tables


def test_campaigns_closed_before_0009_are_not_given_a_second_results_card(database_url):
    command.downgrade(alembic_config(database_url), "0008")
    with connect(database_url) as connection:
        for name, status, closed in (("old", "closed", "2026-11-01 10:00:00"),
                                     ("running", "open", None)):
            connection.execute(text(
                "INSERT INTO pulse_campaign (name, template, audience, anonymity, min_group, "
                "reminders, send_time, opens_at, closes_at, status, created_at, closed_at) "
                "VALUES (:name, 'pulses/invite', '{}', 'anonymous', 5, '[]', '10:00', "
                "'2026-10-01 10:00:00', '2026-11-01 10:00:00', :status, "
                "'2026-10-01 09:00:00', :closed)"),
                {"name": name, "status": status, "closed": closed})
        connection.commit()

    upgrade(database_url)

    with connect(database_url) as connection:
        rows = dict(connection.execute(text(
            "SELECT name, results_posted_at IS NOT NULL FROM pulse_campaign")).all())
    assert rows == {"old": True, "running": False}
