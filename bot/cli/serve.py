"""`touchpoint run` and `touchpoint migrate`: serve the bot, and prepare its database."""

from __future__ import annotations

import logging
import os
from importlib.metadata import version

import click
import uvloop
from aiohttp import web

from bot.cli.startup import (
    configure_logging,
    database_or_exit,
    database_secrets_or_exit,
    log_level_option,
    settings_with_schema_or_exit,
)
from bot.config import Settings
from bot.plurals import plural
from storage.engine import describe_url
from storage.migrate import schema_status, upgrade

log = logging.getLogger("touchpoint")


def components(settings: Settings, app: web.Application) -> list[str]:
    """One line per component of the running bot, for the start-up log."""
    from bot.server import DISPATCHER, OUTBOX_SENDER

    secrets = settings.secrets
    url = secrets.database_url.get_secret_value()
    slack = ("off" if not secrets.slack_enabled else
             "Socket Mode" if secrets.slack_app_token is not None else
             "events at /slack/events")
    teams = ("off" if not secrets.teams_enabled else
             "/api/messages, " + ("Bot Framework authentication on"
                                  if secrets.microsoft_app_id is not None
                                  else "DEV MODE, authentication OFF"))
    sources = sorted(settings.app.tickets.sources)
    webhook = ("sources " + ", ".join(sources)) if sources else "no sources"
    jobs = sorted(route.job for route in app[DISPATCHER].schedule_routes)
    rates = settings.app.outbox.send_rate if OUTBOX_SENDER in app else {}
    return [f"database: {describe_url(url)}",
            f"slack: {slack}",
            f"teams: {teams}",
            f"ticket webhook: {webhook}",
            f"scheduler: {plural(len(jobs), 'job')} ({', '.join(jobs)})",
            "outbox: sending at " + ", ".join(f"{platform} {rate:g}/s"
                                              for platform, rate in sorted(rates.items()))]


def register(cli: click.Group) -> None:
    cli.add_command(run)
    cli.add_command(migrate)


@click.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    # Needs only DATABASE_URL, so a schema can be prepared before app.yaml is finished.
    url = database_secrets_or_exit().database_url.get_secret_value()
    with database_or_exit(url):
        upgrade(url)
        status = schema_status(url)
    click.echo(f"{describe_url(url)}: schema at revision {status.current}")


@click.command()
@click.option("--host", envvar="TOUCHPOINT_HOST", default="0.0.0.0",  # noqa: S104
              show_default="0.0.0.0 or TOUCHPOINT_HOST")
@click.option("--port", envvar="PORT", type=click.IntRange(0, 65535), default=3000,
              show_default="3000 or PORT")
@log_level_option("info")
def run(host: str, port: int, log_level: str) -> None:
    """Serve Slack, Teams and the ticket webhook until SIGTERM."""
    configure_logging(log_level)
    # Said at once: the settings, the schema check and loading the bot take seconds on a
    # busy machine, and an operator should see it has started meanwhile.
    log.info("starting touchpoint %s (process %d)", version("touchpoint"), os.getpid())
    settings = settings_with_schema_or_exit()
    # Imported late: keeps `check-config` fast.
    from bot.handlers.directory import sync
    from bot.server import SCHEDULER, create_app

    app = create_app(settings)
    # The directory is synced at start as well as hourly. Added here, not with the hourly job,
    # because tests and the demo build many apps and must not each start with a sync.
    app[SCHEDULER].schedule("directory.sync.startup", sync, "date")
    for line in components(settings, app):
        log.info(line)
    try:
        # uvloop: the same asyncio API at a smaller cost per request (the test suite runs on it).
        web.run_app(app, host=host, port=port, shutdown_timeout=25,
                    loop=uvloop.new_event_loop(),
                    # aiohttp's banner is two lines with a rule; one line says the same.
                    print=lambda _banner: log.info("serving on http://%s:%d", host, port))
    except OSError as exc:
        # The address is taken, not this machine's, or not a host name at all.
        raise click.ClickException(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
