"""`touchpoint webhook try FILE.json [--source NAME]`: what the ticket webhook would store for
an event, read exactly as `POST /webhooks/tickets` reads it, with nothing stored and no
database, token or secret needed (only app.yaml).

Exit 0 when the webhook would accept the event; 1 when it would refuse it with a 400 (the
reason is the one the webhook gives); 2 when the command cannot run: the file is missing or
not UTF-8, the source is unknown, or app.yaml has problems. Every mistake is one line.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click

from bot.cli.startup import EXIT_CONFIG, app_config_or_exit, ticket_file_options

EXIT_REFUSED = 1
_NOT_GIVEN = "(not given)"


def register(cli: click.Group) -> None:
    cli.add_command(webhook_group)


@click.group("webhook")
def webhook_group() -> None:
    """Try ticket events against the ticket webhook's presets."""


@webhook_group.command("try")
@ticket_file_options("the event comes")
def try_event(file: Path, source: str | None) -> None:
    """Show what the webhook would store for the event in FILE (a JSON body as the desk sends
    it), without storing anything.

    Exit 0 when it would be accepted, 1 when the webhook would refuse it (400, with its
    reason), 2 when the file, the source or app.yaml cannot be used.
    """
    # Imported late, like the rest of the bot: keeps `check-config` fast.
    from bot.webhooks.fields import BadEvent
    from bot.webhooks.reading import read_event, source_named

    app = app_config_or_exit()
    sources = app.tickets.sources
    try:
        name = source_named(source, sources)
    except BadEvent as exc:
        _fail(EXIT_CONFIG, str(exc).replace("source:", "--source:", 1)
              .replace("say which with ?source=NAME", "required"))
    try:
        body = file.read_bytes()
        body.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(EXIT_CONFIG, f"{file}: cannot be read as UTF-8 text ({exc})")
    received = datetime.now(UTC)
    try:
        read = read_event(body, name, sources, received)
    except BadEvent as exc:
        _fail(EXIT_REFUSED, f"{file}: the webhook would refuse it (400): {exc}")
    event, reported = read.event, read.reported
    known = app.service(event.service) if event.service else None
    service = event.service or _NOT_GIVEN
    if event.service and known is None and app.services:
        service += " (not in the services catalogue)"
    elif known is not None:
        service = known.name
    rows = [
        ("source", f"{name} (preset {sources[name].preset})"),
        ("ticket", event.external_id),
        ("title", event.title or _NOT_GIVEN),
        ("status", f"{event.status} (the desk says {reported.status!r})"),
        ("priority", event.priority or _NOT_GIVEN),
        ("service", service),
        ("requester", event.requester_email or _NOT_GIVEN),
        ("assignee", event.assignee_email or _NOT_GIVEN),
        ("opened", _time(event.opened_at)),
        ("happened", _time(event.occurred_at) if reported.updated_at is not None
         else f"when it arrives (now: {_time(event.occurred_at)})"),
        ("first response", _time(event.first_response_at) if event.first_response_at
         or event.status == "open" else "(not given: the resolution counts as one)"),
        ("resolved", _time(event.resolved_at) if event.resolved_at or event.status == "open"
         else f"when it happened ({_time(event.occurred_at)})"),
        ("event id", reported.event_id or "(none: a repeat is known by the same body)"),
    ]
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value}")
    click.echo("Nothing was stored.")


def _time(at: datetime | None) -> str:
    return _NOT_GIVEN if at is None else at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _fail(code: int, message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)
