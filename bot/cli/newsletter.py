"""`touchpoint newsletter export`: a newsletter issue as Markdown (e-mail) or HTML (the
intranet), as drafted and edited, whatever its review decided."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from bot.cli.startup import database_or_exit, database_secrets_or_exit, exit_with, schema_or_exit


def register(cli: click.Group) -> None:
    cli.add_command(newsletter)


@click.group()
def newsletter() -> None:
    """The newsletter for the user community."""


@newsletter.command("export")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), required=True)
@click.option("--period", help="The issue's period, like 2026-Q4 or 2026-B6.  "
                               "[default: the latest]")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write.  [default: standard output]")
def export(fmt: str, period: str | None, out: Path | None) -> None:
    """Write a newsletter issue as Markdown or as an HTML page. Needs DATABASE_URL only."""
    secrets = database_secrets_or_exit()
    schema_or_exit(secrets)
    with database_or_exit(secrets.database_url.get_secret_value()):
        text = asyncio.run(_render(secrets.database_url.get_secret_value(), period, fmt))
    if text is None:
        exit_with([f"no newsletter {period}" if period else "no newsletter has been drafted "
                   "yet"], "Cannot export:")
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{out} cannot be written ({exc.strerror})") from exc


async def _render(url: str, period: str | None, fmt: str) -> str | None:
    from bot.flows.newsletter.export import export_issue  # imported late, like the rest
    from storage.engine import create_engine, session_factory
    from storage.newsletter import issue_for

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            found = await issue_for(session, period)
            return None if found is None else export_issue(found, "md" if fmt == "md"
                                                           else "html")
    finally:
        await engine.dispose()
