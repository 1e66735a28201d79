"""The test kit: databases (SQLite and PostgreSQL), the local Slack and Bot Connector
emulators, a running bot on loopback, signed senders into it, and the services a flow tested
on its own is called with.

A feature's kit overrides only what differs: `settings` (its app.yaml section), `bot_options`
(a test's `clock=`, `scheduler=False`, ...), `slack` (more people), `chat` (a recording port).

PostgreSQL runs when TOUCHPOINT_TEST_POSTGRES names a server (the Makefile and CI set it);
when it is set and the server does not answer, the tests fail instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvloop
import yaml
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.chat.port import ChatPort
from bot.chat.router import Chat
from bot.config import Settings, load_settings
from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.emulators.teams import BotConnectorEmulator
from bot.handlers.dispatcher import Dispatcher
from bot.intents import Scheduled
from bot.metrics import Metrics
from bot.server import DISPATCHER, SERVICES, create_app
from bot.services import Clock, Services
from bot.slack.chat import SlackChat
from bot.slack.client import make_client
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from tests import teams_activities


def pytest_asyncio_loop_factories(config, item):
    """Every test runs on uvloop, the loop `touchpoint run` serves on."""
    return {"uvloop": uvloop.new_event_loop}


POSTGRES = os.environ.get("TOUCHPOINT_TEST_POSTGRES", "").strip()
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"

# The people most scenarios use, seeded into the Slack emulator.
EMPLOYEE = {"id": "U0EMPL001", "name": "erin.employee", "email": "erin@example.com",
            "tz": "Europe/London"}
TECHNICIAN = {"id": "U0TECH001", "name": "tom.tech", "email": "tech1@example.com",
              "tz": "Europe/London"}
LEAD = {"id": "U0LEAD001", "name": "lee.lead", "email": "lee@example.com",
        "tz": "America/New_York"}


def app_config() -> dict[str, Any]:
    """The app.yaml the tests run with, as a dict a test may copy and change."""
    return {
        "organisation": {"name": "Example Corp IT", "timezone": "Europe/London",
                         "holidays": {"country": "GB", "subdivision": "ENG"}},
        "channels": {
            "triage": {"slack": "C0TRIAGE1", "teams": "19:triage@thread.tacv2"},
            "digests": {"slack": "C0DIGEST1"},
            "kudos_wall": {"slack": "C0KUDOS01"},
            "broadcasts": [{"slack": "C0STATUS1"}],
        },
        "roles": {
            "admin": {"emails": ["admin@example.com"]},
            "it_lead": {"slack_users": ["U0LEAD001"]},
            "it_staff": {"emails": ["tech1@example.com"], "slack_usergroups": ["S0HELPDSK"]},
        },
        "segments": {"department": {"Finance": {"emails": ["erin@example.com"]}}},
    }


def pytest_configure(config: pytest.Config) -> None:
    if POSTGRES:
        try:
            with psycopg.connect(POSTGRES, connect_timeout=5) as connection:
                connection.execute("SELECT 1")
        except psycopg.Error as exc:
            raise pytest.UsageError(
                f"TOUCHPOINT_TEST_POSTGRES is set but PostgreSQL does not answer: {exc}"
            ) from exc


def _admin_execute(sql: str) -> None:
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(sql)


def _pg_url(database: str) -> str:
    return make_url(POSTGRES).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test instead of migrating every time."""
    path = tmp_path_factory.mktemp("template") / "touchpoint.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database, used as the TEMPLATE of each test's database."""
    if not POSTGRES:
        pytest.skip("PostgreSQL tests need TOUCHPOINT_TEST_POSTGRES")
    name = f"tp_template_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    upgrade(_pg_url(name))
    yield name
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "touchpoint.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"tp_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, for tests that need a server (a proxy in front of
    it, several processes on it) and have nothing to run on SQLite."""
    name = f"tp_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield _pg_url(name)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, not migrated: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL tests need TOUCHPOINT_TEST_POSTGRES")
    name = f"tp_empty_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite database, for tests that do not need to run on both."""
    path = tmp_path / "touchpoint.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def cli_env() -> Callable[..., dict[str, str]]:
    """An environment for `python -m bot ...` in a subprocess: this one without any setting
    the developer's shell may hold (tokens, DATABASE_URL, ...), plus what the test gives."""
    inherited = {name: value for name, value in os.environ.items()
                 if not name.startswith(("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_"))}

    def make(**settings: str) -> dict[str, str]:
        return {**inherited, **settings}

    return make


@pytest.fixture
def people_locale() -> str:
    """The language the people's chat clients are in: the `locale` Slack's users.info gives
    for the people seeded into the Slack emulator, and the `locale` of the Teams activities
    they send. Touchpoint reads it as the reader's language (after their own choice in
    settings, before app.yaml's `organisation.locale`); a module whose people speak another
    language overrides this fixture."""
    return "en-US"


@pytest.fixture(autouse=True)
def teams_client_locale(people_locale: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Teams activities built in a test carry `people_locale`, as their Teams client would."""
    monkeypatch.setattr(teams_activities, "CLIENT_LOCALE", people_locale)


@pytest.fixture
async def slack(people_locale: str) -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        for person in (EMPLOYEE, TECHNICIAN, LEAD):
            emulator.add_user(**person, locale=people_locale)
        emulator.add_user(id="U0BOTUSER", name="somebot", is_bot=True)
        yield emulator


@pytest.fixture
async def connector() -> AsyncIterator[BotConnectorEmulator]:
    async with BotConnectorEmulator() as emulator:
        yield emulator


def write_settings(tmp_path: Path, config: dict[str, Any], env: dict[str, str]) -> Settings:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return load_settings({**env, "TOUCHPOINT_CONFIG": str(path)})


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str, slack: SlackEmulator):
    """Settings for the test database and emulators; a test may change the config or env.

    `config` is a function given a fresh `app_config()` dict to change in place; `env`
    entries override (or, with value None, remove) the test environment.
    """

    def make(config=None, env: dict[str, str | None] | None = None) -> Settings:
        raw = app_config()
        if config is not None:
            config(raw)
        environment = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "TOUCHPOINT_TEAMS_DEV_MODE": "1",
            "DATABASE_URL": database_url,
        }
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        return write_settings(tmp_path, raw, environment)

    return make


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@dataclass
class RunningBot:
    url: str
    app: web.Application

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    @property
    def dispatcher(self) -> Dispatcher:
        return self.app[DISPATCHER]

    async def run_job(self, job: str, scheduled_for: datetime) -> None:
        """A run of a scheduled job, handed to the dispatcher as the scheduler does once it
        has claimed the run (the claim left out)."""
        await self.dispatcher.run(Scheduled(job, scheduled_for))


async def start_bot(app: web.Application) -> tuple[web.AppRunner, RunningBot]:
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, RunningBot(url=f"http://{host}:{port}", app=app)


@pytest.fixture
def bot_options() -> dict[str, Any]:
    """Keyword arguments for `create_app` (a test's `clock=`, ...); override to give some."""
    return {}


@pytest.fixture
async def bot(settings: Settings, bot_options: dict[str, Any]) -> AsyncIterator[RunningBot]:
    """The real application, serving HTTP on a loopback port."""
    runner, running = await start_bot(create_app(settings, **bot_options))
    yield running
    await runner.cleanup()


@pytest.fixture
async def slack_sender(bot: RunningBot, slack: SlackEmulator) -> AsyncIterator[SlackSender]:
    async with SlackSender(bot.url, SIGNING_SECRET,
                           response_base=slack.response_url("")) as sender:
        yield sender


@pytest.fixture
def chat(slack: SlackEmulator) -> ChatPort:
    """The chat port a flow tested on its own talks to: Slack's, at the emulator. A module
    that records what a flow asks of the port overrides it."""
    metrics = Metrics()
    return Chat(SlackChat(make_client(BOT_TOKEN, slack.url, metrics), metrics))


@pytest.fixture
async def services(settings: Settings, chat: ChatPort, clock: Clock) -> AsyncIterator[Services]:
    """What a flow is called with when it is tested on its own, without the app: the test
    database, `chat`, and the `clock` the test module gives (there is no default)."""
    engine = create_engine(settings.secrets.database_url.get_secret_value())
    yield Services(settings=settings, engine=engine, sessions=session_factory(engine),
                   chat=chat, metrics=Metrics(), clock=clock)
    await engine.dispose()
