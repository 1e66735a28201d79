"""`touchpoint import tickets`: load history from files, through the paths live events take."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from bot.cli.startup import (
    configure_logging,
    exit_with,
    log_level_option,
    run_offline,
    settings_with_schema_or_exit,
    ticket_file_options,
)
from bot.plurals import plural


def register(cli: click.Group) -> None:
    cli.add_command(import_group)


@click.group("import")
def import_group() -> None:
    """Load history from files, through the same paths live events take."""


@import_group.command("tickets")
@ticket_file_options("the tickets come")
@log_level_option("warning")
def import_tickets(file: Path, source: str | None, log_level: str) -> None:
    """Load ticket history from a CSV file with the generic webhook fields as columns
    (id, status and created_at required).

    Every bad row is listed by line number and the others are imported; a summary ends the
    run. Importing the same file again stores nothing twice. Exit 0 when every row was
    imported, 1 when some rows were bad, 2 when the file or the configuration cannot be used.
    """
    # Imported late, like the rest of the bot: keeps `check-config` fast.
    from bot.imports.tickets import UnreadableFile
    from bot.imports.tickets import import_tickets as run_import

    configure_logging(log_level)
    settings = settings_with_schema_or_exit()
    sources = settings.app.tickets.sources
    if source is None and len(sources) == 1:
        source = next(iter(sources))
    if source not in sources:
        exit_with([f"--source: {'required' if source is None else 'unknown'} "
                   f"(one of {', '.join(sorted(sources))})"], "Cannot import:")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        exit_with([f"{file}: cannot be read as UTF-8 text ({exc})"], "Cannot import:")
    try:
        summary = run_offline(settings, lambda services: run_import(
            services, io.StringIO(text, newline=""), source, sources[source]))
    except UnreadableFile as exc:
        exit_with([f"{file}: {exc}"], "Cannot import:")
    for line, reason in summary.bad:
        click.echo(f"{file}:{line}: {reason}", err=True)
    counts = summary.outcomes
    click.echo(f"{file}: {plural(summary.rows, 'row')}: {counts['stored']} stored, "
               f"{counts['duplicate']} already imported, {counts['stale']} older than their "
               f"ticket's newest event, {len(summary.bad)} bad")
    sys.exit(1 if summary.bad else 0)
