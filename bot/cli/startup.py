"""What a command needs before it does its work, each got or refused with a clear message and
its exit code, never a traceback: the settings (exit 2, every problem listed as
``path: message``), a usable database (exit 1) with an up-to-date schema (exit 3), logging,
and the application's services for commands that use the bot's flows without serving, whose
calls to Slack or Teams may fail (exit 4: unreachable, or the token refused).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click
from sqlalchemy.exc import DBAPIError

from bot.cli.logs import configure_logging as configure_logging
from bot.config.app import AppConfig
from bot.config.environment import Secrets
from bot.config.loading import Settings, load_app_config, load_settings
from bot.config.problems import ConfigError
from storage.engine import describe_url
from storage.migrate import schema_status

if TYPE_CHECKING:
    from bot.services import Services

EXIT_DATABASE = 1
EXIT_CONFIG = 2
EXIT_SCHEMA = 3
EXIT_PLATFORM = 4
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")

T = TypeVar("T")


def exit_with(problems: list[str], heading: str = "The configuration has problems:"
              ) -> NoReturn:
    click.echo(heading, err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(EXIT_CONFIG)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        exit_with(exc.problems)


def app_config_or_exit() -> AppConfig:
    """app.yaml alone, without the secrets: the app manifests come before any token does."""
    try:
        return load_app_config()
    except ConfigError as exc:
        exit_with(exc.problems)


def database_secrets_or_exit() -> Secrets:
    """The environment, of which only DATABASE_URL must be usable (no chat tokens needed)."""
    secrets = Secrets.from_env(os.environ)
    if problems := secrets.database_problems():
        exit_with(problems)
    return secrets


@contextmanager
def database_or_exit(url: str) -> Iterator[None]:
    """Turn "the database does not answer" into one clear line and exit 1, not a traceback."""
    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        click.echo(f"Cannot use the database at {describe_url(url)}: {reason}", err=True)
        sys.exit(EXIT_DATABASE)


def settings_with_schema_or_exit() -> Settings:
    """The settings, once the database they name answers with an up-to-date schema: what a
    command working on Touchpoint's records needs first."""
    settings = settings_or_exit()
    schema_or_exit(settings.secrets)
    return settings


def schema_or_exit(secrets: Secrets) -> None:
    url = secrets.database_url.get_secret_value()
    with database_or_exit(url):
        status = schema_status(url)
    if not status.up_to_date:
        click.echo(f"The database schema is at revision {status.current or 'none'} but this "
                   f"version needs {status.head}. Run `touchpoint migrate` first.", err=True)
        sys.exit(EXIT_SCHEMA)


def log_level_option(default: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``--log-level``, one of Python's level names in any case."""
    return click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False),
                        default=default, show_default=True, metavar="LEVEL",
                        help="debug, info, warning, error or critical.")


def ticket_file_options(comes: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A command's FILE of ticket data and ``--source``, the tickets.sources entry the data
    `comes` from ("the tickets come", "the event comes")."""
    def decorate(command: Callable[..., T]) -> Callable[..., T]:
        command = click.option(
            "--source", help=f"The app.yaml source (tickets.sources) {comes} from.  "
                             "[default: the only one configured]")(command)
        return click.argument("file", type=click.Path(exists=True, dir_okay=False,
                                                      path_type=Path))(command)
    return decorate


SETTLE_S = 0.5
"""How long an interrupted command keeps its event loop for database calls under way."""


def run_offline(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    """Run `work` with the application's services, neither serving nor scheduling: how a
    command uses the bot's flows. A database that stops answering is one line and exit 1."""

    async def run() -> T:
        from bot.server import SERVICES, create_app  # imported late: keeps `check-config` fast

        services = create_app(settings, scheduler=False)[SERVICES]
        try:
            return await work(services)
        except asyncio.CancelledError:
            # Ctrl-C: a connection cut off mid-call fails to close below, which SQLAlchemy's
            # pool logs with a traceback; the person asked to stop, and "Aborted!" says so.
            logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
            raise
        finally:
            await services.engine.dispose()

    with database_or_exit(settings.secrets.database_url.get_secret_value()), \
            asyncio.Runner() as runner:
        try:
            return runner.run(run())
        except KeyboardInterrupt:
            # Ctrl-C cancelled the work, perhaps with a database call still in its thread
            # (aiosqlite): the loop stays open until that call is back, or it would report to
            # a closed loop with a traceback. Then click says "Aborted!" (exit 1).
            runner.run(asyncio.sleep(SETTLE_S))
            raise
        except Exception as exc:
            from bot.chat.failures import platform_failure

            problem = platform_failure(exc)
            if problem is None:
                raise
            logging.getLogger("touchpoint").debug("a chat platform failed", exc_info=True)
            click.echo(f"Error: {problem}", err=True)
            sys.exit(EXIT_PLATFORM)

