"""The `touchpoint` command line: run, migrate, check-config, and the per-feature tools."""

from __future__ import annotations

import logging
import os
import sys

import click
from aiohttp import web

from bot.config import ConfigError, Secrets, Settings, load_settings
from storage.engine import describe_url
from storage.migrate import schema_status, upgrade

EXIT_CONFIG = 2
EXIT_SCHEMA = 3


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo("The configuration has problems:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(EXIT_CONFIG)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group()
def cli() -> None:
    """Touchpoint: measure and improve how IT service is received, in Slack and Teams."""


@cli.command("check-config")
def check_config() -> None:
    """Validate app.yaml and the environment; list every problem and exit 2 if any."""
    settings = _settings_or_exit()
    click.echo(f"{settings.config_path}: OK")


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    # Needs only DATABASE_URL, so a schema can be prepared before app.yaml is finished.
    url = Secrets.from_env(os.environ).database_url.get_secret_value()
    upgrade(url)
    status = schema_status(url)
    click.echo(f"{describe_url(url)}: schema at revision {status.current}")


@cli.command()
@click.option("--host", default=lambda: os.environ.get("TOUCHPOINT_HOST", "0.0.0.0"),  # noqa: S104
              show_default="0.0.0.0 or TOUCHPOINT_HOST")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "3000")),
              show_default="3000 or PORT")
@click.option("--log-level", default="info", show_default=True)
def run(host: str, port: int, log_level: str) -> None:
    """Serve Slack, Teams and the ticket webhook until SIGTERM."""
    _configure_logging(log_level)
    settings = _settings_or_exit()
    url = settings.secrets.database_url.get_secret_value()
    status = schema_status(url)
    if not status.up_to_date:
        click.echo(f"The database schema is at revision {status.current or 'none'} but this "
                   f"version needs {status.head}. Run `touchpoint migrate` first.", err=True)
        sys.exit(EXIT_SCHEMA)
    from bot.server import create_app  # imported late: keeps `check-config` fast

    web.run_app(create_app(settings), host=host, port=port, shutdown_timeout=25,
                print=lambda message: logging.getLogger("touchpoint").info(message))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
