"""`touchpoint directory sync`: read the people directory from Slack now."""

from __future__ import annotations

import logging

import click

from bot.cli import startup
from bot.plurals import plural


def register(cli: click.Group) -> None:
    cli.add_command(directory)


@click.group()
def directory() -> None:
    """The people directory: who is who on Slack and Teams, with roles from app.yaml."""


@directory.command("sync")
@startup.log_level_option("warning")
def directory_sync(log_level: str) -> None:
    """Read every member from Slack now: names, emails, time zones, roles, segments, leavers.

    The running bot does this hourly and at start; this is for right after editing app.yaml
    or before a first pulse.
    """
    startup.configure_logging(log_level)
    settings = startup.settings_with_schema_or_exit()
    try:
        summaries = startup.run_offline(settings, _sync)
    except Exception as exc:
        logging.getLogger("touchpoint").debug("directory sync failed", exc_info=True)
        raise click.ClickException(f"the directory sync failed: {exc}") from exc
    if not summaries:
        click.echo("Nothing to sync: no platform that lists its members (Slack) is set up.")
    for summary in summaries:
        click.echo(f"{summary.platform}: {plural(summary.members, 'member')}; "
                   f"{summary.added} added, {summary.updated} updated, "
                   f"{summary.deactivated} deactivated")


async def _sync(services):
    from bot.flows.directory.sync import sync_directory  # imported late, like the rest of the bot

    async with services.sessions() as session:
        return await sync_directory(session, services)
