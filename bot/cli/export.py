"""`touchpoint export complaints`: Touchpoint's records as files for reporting."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from bot.cli import startup
from bot.plurals import plural


def register(cli: click.Group) -> None:
    cli.add_command(export)


@click.group()
def export() -> None:
    """Export Touchpoint's records for reporting."""


@export.command("complaints")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day (YYYY-MM-DD, in the organisation's time zone) of complaints "
                   "filed to include.  [default: the first complaint]")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Day after the last one to include.  [default: up to now]")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write.  [default: standard output]")
def export_complaints(fmt: str, since, until, out: Path | None) -> None:
    """Every complaint filed (or those filed between two dates), as CSV: the log, SLA
    outcomes and business hours to acknowledge and resolve. Anonymous complainants are never
    named.

    Needs app.yaml (for the time zone) and DATABASE_URL, no chat tokens."""
    app = startup.app_config_or_exit()
    secrets = startup.database_secrets_or_exit()
    if until is not None and since is not None and until <= since:
        startup.exit_with([f"--until {until:%Y-%m-%d}: must be after --since {since:%Y-%m-%d}"],
                  "Cannot export:")
    startup.schema_or_exit(secrets)
    url = secrets.database_url.get_secret_value()
    zone = app.organisation.zone
    start = since.replace(tzinfo=zone) if since else None
    end = until.replace(tzinfo=zone) if until else None
    try:
        with startup.database_or_exit(url):
            if out is None:
                count = asyncio.run(_export_complaints(url, sys.stdout, start, end))
            else:
                with out.open("w", encoding="utf-8", newline="") as handle:
                    count = asyncio.run(_export_complaints(url, handle, start, end))
    except OSError as exc:
        raise click.ClickException(f"{out} cannot be written ({exc.strerror})") from exc
    click.echo(f"{plural(count, 'complaint')} exported", err=True)


async def _export_complaints(url: str, out, since, until) -> int:
    from bot.flows.complaints.export import export_complaints  # imported late, like the rest
    from storage.engine import create_engine, session_factory

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return await export_complaints(session, out, since, until)
    finally:
        await engine.dispose()
