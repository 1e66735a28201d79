"""The `touchpoint` command line: run, migrate, check-config, and the per-feature tools."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
import uvloop
from aiohttp import web
from sqlalchemy.exc import DBAPIError

from bot.config import AppConfig, ConfigError, Secrets, Settings, load_app_config, load_settings
from storage.engine import describe_url
from storage.migrate import schema_status, upgrade

EXIT_DATABASE = 1
EXIT_CONFIG = 2
EXIT_SCHEMA = 3


def _exit_with(problems: list[str], heading: str = "The configuration has problems:"
               ) -> NoReturn:
    click.echo(heading, err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(EXIT_CONFIG)


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        _exit_with(exc.problems)


def _app_config_or_exit() -> AppConfig:
    """app.yaml alone, without the secrets: the app manifests come before any token does."""
    try:
        return load_app_config()
    except ConfigError as exc:
        _exit_with(exc.problems)


@contextmanager
def _database_or_exit(url: str) -> Iterator[None]:
    """Turn "the database does not answer" into one clear line and exit 1, not a traceback."""
    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        click.echo(f"Cannot use the database at {describe_url(url)}: {reason}", err=True)
        sys.exit(EXIT_DATABASE)


def _schema_or_exit(secrets: Secrets) -> None:
    url = secrets.database_url.get_secret_value()
    with _database_or_exit(url):
        status = schema_status(url)
    if not status.up_to_date:
        click.echo(f"The database schema is at revision {status.current or 'none'} but this "
                   f"version needs {status.head}. Run `touchpoint migrate` first.", err=True)
        sys.exit(EXIT_SCHEMA)


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
    secrets = Secrets.from_env(os.environ)
    if problems := secrets.database_problems():
        _exit_with(problems)
    url = secrets.database_url.get_secret_value()
    with _database_or_exit(url):
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
    _schema_or_exit(settings.secrets)
    # Imported late: keeps `check-config` fast.
    from bot.handlers.directory import sync
    from bot.server import SCHEDULER, create_app

    app = create_app(settings)
    # The directory is synced at start as well as hourly. Added here, not with the hourly job,
    # because tests and the demo build many apps and must not each start with a sync.
    app[SCHEDULER].schedule("directory.sync.startup", sync, "date")
    # uvloop: the same asyncio API at a smaller cost per request (the test suite runs on it).
    web.run_app(app, host=host, port=port, shutdown_timeout=25, loop=uvloop.new_event_loop(),
                print=lambda message: logging.getLogger("touchpoint").info(message))


@cli.command()
def demo() -> None:
    """Play a scripted conversation with a real Touchpoint on a throwaway SQLite database."""
    # Imported late: keeps `check-config` fast.
    from bot.demo.run import run_demo
    from bot.demo.stage import DemoError

    try:
        run_demo()
    except DemoError as exc:
        raise click.ClickException(f"the demo did not go as scripted: {exc}") from exc


@cli.group()
def directory() -> None:
    """The people directory: who is who on Slack and Teams, with roles from app.yaml."""


@directory.command("sync")
@click.option("--log-level", default="warning", show_default=True)
def directory_sync(log_level: str) -> None:
    """Read every member from Slack now: names, emails, time zones, roles, segments, leavers.

    The running bot does this hourly and at start; this is for right after editing app.yaml
    or before a first pulse.
    """
    _configure_logging(log_level)
    settings = _settings_or_exit()
    _schema_or_exit(settings.secrets)
    try:
        summaries = asyncio.run(_directory_sync(settings))
    except Exception as exc:
        logging.getLogger("touchpoint").debug("directory sync failed", exc_info=True)
        raise click.ClickException(f"the directory sync failed: {exc}") from exc
    if not summaries:
        click.echo("Nothing to sync: no platform that lists its members (Slack) is set up.")
    for summary in summaries:
        click.echo(f"{summary.platform}: {summary.members} members; {summary.added} added, "
                   f"{summary.updated} updated, {summary.deactivated} deactivated")


async def _directory_sync(settings: Settings):
    from bot.flows.directory.people import sync_directory  # imported late, like the rest of the bot
    from bot.server import SERVICES, create_app

    services = create_app(settings, scheduler=False)[SERVICES]
    try:
        return await sync_directory(services.sessions, settings.app, services.chat)
    finally:
        await services.engine.dispose()


@cli.group()
def manifest() -> None:
    """Write the manifests that create the Slack and Teams apps.

    They need app.yaml but no tokens: the tokens come from the apps made with them.
    """


@manifest.command("slack")
@click.option("--url", help="The https address Touchpoint is served at, like "
                            "https://touchpoint.example.com.")
@click.option("--socket-mode", is_flag=True,
              help="Slack connects over Socket Mode (SLACK_APP_TOKEN); no --url needed.")
@click.option("--name", help="The app's name in Slack.  [default: Touchpoint]")
def manifest_slack(url: str | None, socket_mode: bool, name: str | None) -> None:
    """Print the Slack app manifest (YAML) to paste at api.slack.com/apps."""
    from bot.handlers import handler_routes  # imported late, like the rest of the bot
    from bot.slack.manifest import manifest_yaml, slack_manifest

    app = _app_config_or_exit()
    try:
        built = slack_manifest(app, handler_routes(), url=url, socket_mode=socket_mode,
                               name=name)
    except ConfigError as exc:
        _exit_with(exc.problems, "Cannot write the Slack manifest:")
    click.echo(manifest_yaml(built), nl=False)


@manifest.command("teams")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("touchpoint-teams.zip"), show_default=True,
              help="Where to write the app package.")
@click.option("--app-id", help="The bot's Microsoft App ID.  [default: MICROSOFT_APP_ID]")
@click.option("--domain", help="The host Touchpoint is served at, like touchpoint.example.com.")
def manifest_teams(out: Path, app_id: str | None, domain: str | None) -> None:
    """Write the Teams app package (manifest.json and icons) to upload to Teams."""
    from bot.handlers import handler_routes  # imported late, like the rest of the bot
    from bot.teams.manifest import PLACEHOLDER_SITE, teams_manifest, write_package

    app = _app_config_or_exit()
    app_id = app_id or Secrets.from_env(os.environ).microsoft_app_id
    try:
        built = teams_manifest(app, handler_routes(), app_id=app_id, domain=domain)
        write_package(built, out)
    except ConfigError as exc:
        _exit_with(exc.problems, "Cannot write the Teams app package:")
    except OSError as exc:
        _exit_with([f"--out: {out} cannot be written ({exc.strerror})"],
                   "Cannot write the Teams app package:")
    click.echo(f"{out}: Teams app package for app id {built['id']}")
    if domain is None:
        click.echo(f"Without --domain, the app's website, privacy and terms links are "
                   f"{PLACEHOLDER_SITE}", err=True)


@cli.group("import")
def import_group() -> None:
    """Load history from files, through the same paths live events take."""


@import_group.command("tickets")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", help="The app.yaml source (tickets.sources) the tickets come from.  "
                               "[default: the only one configured]")
@click.option("--log-level", default="warning", show_default=True)
def import_tickets(file: Path, source: str | None, log_level: str) -> None:
    """Load ticket history from a CSV file with the generic webhook fields as columns
    (id, status and created_at required).

    Every bad row is listed by line number and the others are imported; a summary ends the
    run. Importing the same file again stores nothing twice. Exit 0 when every row was
    imported, 1 when some rows were bad, 2 when the file or the configuration cannot be used.
    """
    _configure_logging(log_level)
    settings = _settings_or_exit()
    _schema_or_exit(settings.secrets)
    sources = settings.app.tickets.sources
    if source is None and len(sources) == 1:
        source = next(iter(sources))
    if source not in sources:
        _exit_with([f"--source: {'required' if source is None else 'unknown'} "
                    f"(one of {', '.join(sorted(sources))})"], "Cannot import:")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _exit_with([f"{file}: cannot be read as UTF-8 text ({exc})"], "Cannot import:")
    from bot.imports.tickets import UnreadableFile  # imported late, like the rest of the bot

    try:
        summary = asyncio.run(_import_tickets(settings, text, source))
    except UnreadableFile as exc:
        _exit_with([f"{file}: {exc}"], "Cannot import:")
    for line, reason in summary.bad:
        click.echo(f"{file}:{line}: {reason}", err=True)
    counts = summary.outcomes
    click.echo(f"{file}: {summary.rows} rows: {counts['stored']} stored, "
               f"{counts['duplicate']} already imported, {counts['stale']} older than their "
               f"ticket's newest event, {len(summary.bad)} bad")
    sys.exit(1 if summary.bad else 0)


async def _import_tickets(settings: Settings, text: str, source: str):
    from bot.imports.tickets import import_tickets as run_import
    from bot.server import SERVICES, create_app

    services = create_app(settings, scheduler=False)[SERVICES]
    try:
        return await run_import(services, io.StringIO(text, newline=""), source,
                                settings.app.tickets.sources[source])
    finally:
        await services.engine.dispose()


@cli.group()
def export() -> None:
    """Export Touchpoint's records for reporting."""


@export.command("complaints")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="First day (YYYY-MM-DD, in the organisation's time zone) of complaints "
                   "filed to include.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Day after the last one to include.  [default: up to now]")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write.  [default: standard output]")
def export_complaints(fmt: str, since, until, out: Path | None) -> None:
    """Every complaint filed since a date, as CSV: the log, SLA outcomes and business hours
    to acknowledge and resolve. Anonymous complainants are never named.

    Needs app.yaml (for the time zone) and DATABASE_URL, no chat tokens."""
    app = _app_config_or_exit()
    secrets = Secrets.from_env(os.environ)
    if problems := secrets.database_problems():
        _exit_with(problems)
    _schema_or_exit(secrets)
    url = secrets.database_url.get_secret_value()
    zone = app.organisation.zone
    start = since.replace(tzinfo=zone)
    end = until.replace(tzinfo=zone) if until else None
    try:
        if out is None:
            count = asyncio.run(_export_complaints(url, sys.stdout, start, end))
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                count = asyncio.run(_export_complaints(url, handle, start, end))
    except OSError as exc:
        raise click.ClickException(f"{out} cannot be written ({exc.strerror})") from exc
    click.echo(f"{count} complaint(s) exported", err=True)


async def _export_complaints(url: str, out, since, until) -> int:
    from bot.flows.complaints.export import export_complaints  # imported late, like the rest
    from storage.engine import create_engine, session_factory

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return await export_complaints(session, out, since, until)
    finally:
        await engine.dispose()


@cli.group()
def pulse() -> None:
    """NPS pulses: start one, follow its fan-out, read its results."""


@pulse.command("create")
@click.argument("name")
@click.option("--days", type=click.IntRange(1, 90), default=14, show_default=True,
              help="How long it stays open.")
@click.option("--anonymity", type=click.Choice(["identified", "confidential", "anonymous"]),
              default="confidential", show_default=True)
@click.option("--segment", "segments", multiple=True, metavar="SEGMENT=VALUE",
              help="Only people in this segment value; repeat for more.  [default: everyone]")
@click.option("--email", "emails", multiple=True, help="Also this person; repeat for more.")
@click.option("--opens", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="When it opens, in the organisation's time zone.  [default: now]")
@click.option("--send-time", default="10:00", show_default=True,
              help="The time of day, on each person's own clock, it reaches them.")
@click.option("--reminders", help="Days after it to remind, like 3,5, or none.  "
                                  "[default: pulses.reminders]")
@click.option("--min-group", type=click.IntRange(1), help="K.  [default: pulses.min_group]")
def pulse_create(name: str, days: int, anonymity: str, segments: tuple[str, ...],
                 emails: tuple[str, ...], opens, send_time: str, reminders: str | None,
                 min_group: int | None) -> None:
    """Create pulse NAME; the running bot sends it from its opening on."""
    from datetime import time as clock_time

    from pydantic import ValidationError

    from bot.config import PulseAudience, PulsesConfig
    from bot.flows.pulses.campaigns import CampaignSpec

    settings = _settings_or_exit()
    _schema_or_exit(settings.secrets)
    problems = []
    by_segment: dict[str, list[str]] = {}
    for item in segments:
        segment, _, value = item.partition("=")
        if not value or segment not in settings.app.segments:
            problems.append(f"--segment {item}: give SEGMENT=VALUE with a segment of app.yaml")
        by_segment.setdefault(segment, []).append(value)
    try:
        audience = PulseAudience(everyone=not (by_segment or emails), segments=by_segment,
                                 people={"emails": list(emails)})
    except ValidationError as exc:
        audience = None
        problems += [f"--email: {error['msg'].removeprefix('Value error, ')}"
                     for error in exc.errors()]
    try:
        send_at = clock_time.fromisoformat(send_time)
    except ValueError:
        problems.append(f"--send-time {send_time}: give HH:MM")
    reminder_days: tuple[int, ...] | None = None
    if reminders is not None:
        try:
            reminder_days = () if reminders == "none" else tuple(
                int(day) for day in reminders.split(","))
            PulsesConfig(reminders=list(reminder_days))  # validates the days
        except (ValueError, ValidationError):
            problems.append(f"--reminders {reminders}: give up to two increasing days, "
                            "like 3,5, or none")
    if problems or audience is None:
        _exit_with(problems, "Cannot create the pulse:")
    zone = settings.app.organisation.zone
    spec = CampaignSpec(name=name, opens_at=(opens.replace(tzinfo=zone) if opens else None)
                        or _now(), open_days=days, audience=audience, anonymity=anonymity,
                        send_time=send_at, reminders=reminder_days, min_group=min_group)
    created = asyncio.run(_pulse_create(settings, spec))
    if created is None:
        _exit_with([f"{name}: there is already a pulse of that name"], "Cannot create the pulse:")
    click.echo(f"Pulse {name}: opens {created.opens_at.astimezone(zone):%Y-%m-%d %H:%M}, "
               f"closes {created.closes_at.astimezone(zone):%Y-%m-%d %H:%M} "
               f"({settings.app.organisation.timezone}); status {created.status}.")


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def _pulse_services(settings: Settings):
    from bot.server import SERVICES, create_app  # imported late, like the rest of the bot

    return create_app(settings, scheduler=False)[SERVICES]


async def _pulse_create(settings: Settings, spec):
    from bot.flows.pulses.campaigns import create_campaign, find_campaign, open_due_campaigns

    services = await _pulse_services(settings)
    try:
        async with services.sessions() as session:
            created = await create_campaign(session, settings.app, spec)
            await session.commit()
        if created is None:
            return None
        await open_due_campaigns(services)
        async with services.sessions() as session:
            return await find_campaign(session, spec.name)
    finally:
        await services.engine.dispose()


@pulse.command("status")
@click.argument("name")
@click.option("--watch", is_flag=True, help="Keep the bar moving until nothing is pending.")
def pulse_status(name: str, watch: bool) -> None:
    """Pulse NAME's fan-out: sent, pending, failed and answered, with a progress bar."""
    import time

    settings = _settings_or_exit()
    _schema_or_exit(settings.secrets)
    while True:
        progress = asyncio.run(_pulse_progress(settings, name))
        if progress is None:
            _exit_with([f"{name}: no such pulse"], "Cannot show the pulse:")
        done = progress.total - progress.pending
        width = 30
        filled = width * done // progress.total if progress.total else width
        click.echo(f"\r{name} [{'#' * filled}{'-' * (width - filled)}] {done}/{progress.total} "
                   f"| sent {progress.sent} | pending {progress.pending} | failed "
                   f"{progress.failed} | skipped {progress.skipped} | reminders "
                   f"{progress.reminders_sent} | answered {progress.answered} "
                   f"| {progress.status}", nl=not watch)
        if not watch or progress.pending == 0:
            if watch:
                click.echo()
            return
        time.sleep(1)


async def _pulse_progress(settings: Settings, name: str):
    from bot.flows.pulses.campaigns import find_campaign
    from bot.flows.pulses.results import campaign_progress

    services = await _pulse_services(settings)
    try:
        async with services.sessions() as session:
            campaign = await find_campaign(session, name)
            return None if campaign is None else await campaign_progress(session, campaign)
    finally:
        await services.engine.dispose()


NOT_ENOUGH = "not enough answers"


@pulse.command("results")
@click.argument("name")
@click.option("--by", "segment", help="Break the results down by this segment of app.yaml.")
@click.option("--format", "output", type=click.Choice(["text", "csv"]), default="text",
              show_default=True)
def pulse_results(name: str, segment: str | None, output: str) -> None:
    """Pulse NAME's NPS, response rate and score distribution; groups of fewer than K
    answers are shown as "not enough answers"."""
    import csv

    settings = _settings_or_exit()
    _schema_or_exit(settings.secrets)
    if segment is not None and segment not in settings.app.segments:
        _exit_with([f"--by {segment}: app.yaml has no such segment "
                    f"(it has: {', '.join(sorted(settings.app.segments)) or 'none'})"],
                   "Cannot show the results:")
    results = asyncio.run(_pulse_results(settings, name, segment))
    if results is None:
        _exit_with([f"{name}: no such pulse"], "Cannot show the results:")
    groups = [("all", "", results.overall)] + [
        (by, group.label or "", group) for by, found in results.by.items() for group in found]
    if output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["segment", "value", "answers", "nps", "promoters_pct",
                         "passives_pct", "detractors_pct"])
        for by, value, group in groups:
            figures = ([NOT_ENOUGH] * 5 if group.withheld else
                       [group.answers, group.nps, group.promoters, group.passives,
                        group.detractors])
            writer.writerow([by, value, *figures])
        return
    click.echo(f"{results.name} ({results.status}, {results.anonymity}); K = "
               f"{results.min_group}")
    rate = "-" if results.response_rate is None else f"{results.response_rate}%"
    click.echo(f"response rate {rate} ({results.answered} of {results.invited} reached)")
    for by, value, group in groups:
        label = "everyone" if by == "all" else f"{by}={value or '(none)'}"
        if group.withheld:
            click.echo(f"{label}: {NOT_ENOUGH}")
        else:
            click.echo(f"{label}: NPS {group.nps:+d} from {group.answers} answers "
                       f"({group.promoters}% promoters, {group.passives}% passives, "
                       f"{group.detractors}% detractors)")
    if results.distribution:
        click.echo("scores: " + "  ".join(f"{score}:{count}"
                                          for score, count in results.distribution.items()))
    if len(results.trend) > 1:
        click.echo("trend: " + " -> ".join(
            f"{trend_name} {NOT_ENOUGH if nps is None else format(nps, '+d')}"
            for trend_name, nps in results.trend))


async def _pulse_results(settings: Settings, name: str, segment: str | None):
    from bot.flows.pulses.campaigns import find_campaign
    from bot.flows.pulses.results import campaign_results

    services = await _pulse_services(settings)
    try:
        async with services.sessions() as session:
            campaign = await find_campaign(session, name)
            if campaign is None or campaign.id is None:
                return None
            return await campaign_results(session, campaign.id,
                                          by=[segment] if segment else [])
    finally:
        await services.engine.dispose()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
