"""`touchpoint digest preview|send`: print a digest as it would be posted (and save its chart),
or post it now, once per period unless told `--again`.

Exit codes, as for every command: 2 for a mistake in what was asked (no such digest, a bad
period, a file that cannot be written) or in app.yaml, 1 when the database does not answer,
3 for a schema behind the code, and 4 when `send` finds the period posted already.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.startup import (
    exit_with,
    run_offline,
    settings_with_schema_or_exit,
)
from bot.config.digests import Digest
from bot.config.loading import Settings

EXIT_POSTED = 5


def register(cli: click.Group) -> None:
    cli.add_command(digest)


@click.group()
def digest() -> None:
    """Weekly SLA and satisfaction digests: preview one, or post it now."""


def _digest_or_exit(settings: Settings, name: str | None, heading: str) -> Digest:
    digests = settings.app.digests
    if not digests:
        exit_with(["digests: app.yaml defines no digest"], heading)
    found = next((d for d in digests if name in (None, d.name)), None)
    if found is None:
        exit_with([f"{name}: no such digest (app.yaml has {', '.join(d.name for d in digests)})"],
                  heading)
    return found


EARLIEST_YEAR = 2000
"""No digest period before this: nothing was measured then."""


def _period_or_exit(settings: Settings, digest: Digest, period: str | None, heading: str):
    from bot.flows.digests.periods import BadPeriod, due_period, latest_slot, parse
    from storage.types import utcnow

    zone = settings.app.organisation.zone
    if period is None:
        return due_period(digest, latest_slot(digest, utcnow(), zone), zone)
    try:
        chosen = parse(period, zone)
    except BadPeriod as exc:
        exit_with([f"--period {exc}"], heading)
    if chosen.start > utcnow():
        exit_with([f"--period {period}: it has not begun yet"], heading)
    if chosen.first.year < EARLIEST_YEAR:
        # A digest looks back weeks before its period: in year 1 that is before any date.
        exit_with([f"--period {period}: Touchpoint has no figures from before "
                   f"{EARLIEST_YEAR}"], heading)
    return chosen


@digest.command("preview")
@click.argument("name", required=False)
@click.option("--period", help="2026-W48 or 2026-11.  [default: the one it would post now]")
@click.option("--png", "png", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the chart to this file.")
@click.option("--platform", type=click.Choice(["slack", "teams"]), default="slack",
              show_default=True, help="Whose markup to print.")
def digest_preview(name: str | None, period: str | None, png: Path | None,
                   platform: str) -> None:
    """Print digest NAME (default: the first in app.yaml) exactly as it would be posted."""
    heading = "Cannot preview the digest:"
    settings = settings_with_schema_or_exit()
    chosen = _digest_or_exit(settings, name, heading)
    when = _period_or_exit(settings, chosen, period, heading)
    message = run_offline(settings, lambda services: _compose(services, chosen, when))
    if png is not None:
        if message.image is None:
            exit_with([f"--png {png}: there is no chart (no figures in the 12 weeks)"], heading)
        try:
            png.write_bytes(message.image.png)
        except OSError as exc:
            exit_with([f"--png {png}: {exc.strerror}"], heading)
    click.echo(as_text(message, platform, settings.app.organisation.locale))


async def _compose(services, chosen: Digest, period):
    from bot.flows.digests.posting import compose

    async with services.sessions() as session:
        return await compose(session, services.settings.app, chosen, period, services.clock())


def as_text(message, platform: str, locale: str) -> str:
    """The message's blocks as the platform's markup, one after another, in the message's
    language or else `locale` (the organisation's, as the channel reads it), and its
    chart's alt text: what the post shows."""
    from bot.chat.templates import templates_for

    templates = templates_for(platform, message.locale or locale)
    blocks = [block for block in ("header", *message.sections, "footer")
              if templates.has_block(message.template, block)]
    parts = [templates.render_block(message.template, block, message.context)
             for block in blocks]
    if message.image is not None:
        parts.append(f"[chart, {len(message.image.png):,} bytes: {message.image.alt_text}]")
    return "\n\n".join(part for part in parts if part)


@digest.command("send")
@click.argument("name")
@click.option("--period", help="2026-W48 or 2026-11.  [default: the one it would post now]")
@click.option("--again", is_flag=True, help="Post it even though it was posted for the period.")
def digest_send(name: str, period: str | None, again: bool) -> None:
    """Post digest NAME now: the running Touchpoint sends it within seconds."""
    heading = "Cannot send the digest:"
    settings = settings_with_schema_or_exit()
    chosen = _digest_or_exit(settings, name, heading)
    when = _period_or_exit(settings, chosen, period, heading)
    recorded = run_offline(settings, lambda services: _send(services, chosen, when, again))
    if not recorded:
        click.echo(f"{name} for {when.name} was posted already; add --again to post it once "
                   "more.", err=True)
        sys.exit(EXIT_POSTED)
    click.echo(f"{name} for {when.name} is recorded for posting; the running Touchpoint posts "
               "it to its channel.")


async def _send(services, chosen: Digest, period, again: bool) -> bool:
    from bot.flows.digests.posting import CLI, send

    async with services.sessions() as session:
        recorded = await send(session, services, chosen, period, by=CLI, again=again)
        await session.commit()
    return recorded
