"""`touchpoint pulse create|status|results`: start an NPS pulse (or a satisfaction survey),
follow its fan-out, read its results, as an IT lead would in chat."""

from __future__ import annotations

import csv
import sys
import time
from datetime import UTC, datetime
from datetime import time as clock_time

import click
from pydantic import ValidationError

from bot.cli.startup import (
    exit_with,
    run_offline,
    settings_with_schema_or_exit,
)
from bot.cli.survey_results import echo_languages, echo_survey, several_languages
from bot.config.loading import Settings
from bot.config.pulses import PulseAudience, PulsesConfig
from bot.flows import spreadsheet_cells
from bot.plurals import plural

NOT_ENOUGH = "not enough answers"
MAX_MIN_GROUP = 10_000
"""The largest K `pulse create` takes (a larger one would hide every group anyway)."""
HIDDEN_TOO = "hidden, so that a smaller group's answers cannot be worked out"


def register(cli: click.Group) -> None:
    cli.add_command(pulse)


@click.group()
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
@click.option("--min-group", type=click.IntRange(1, MAX_MIN_GROUP),
              help="K.  [default: pulses.min_group]")
@click.option("--survey", metavar="KEY", help="Ask the questions of app.yaml's survey "
                                              "pulses.campaigns.KEY instead of NPS.")
def pulse_create(name: str, days: int, anonymity: str, segments: tuple[str, ...],
                 emails: tuple[str, ...], opens, send_time: str, reminders: str | None,
                 min_group: int | None, survey: str | None) -> None:
    """Create pulse NAME (or a satisfaction survey); the running bot sends it from its
    opening on."""
    from bot.flows.pulses.campaigns import CampaignSpec  # imported late, like the rest of the bot
    from bot.flows.pulses.leads import NAME

    settings = settings_with_schema_or_exit()
    problems = []
    if not NAME.fullmatch(name):
        # The rule chat applies, so the pulse can be named there too (`/touchpoint pulse ...`).
        problems.append(f"{name or '(empty)'}: a pulse's name is 1 to 60 lower-case letters, "
                        "digits, dots, dashes or underscores, starting with a letter or digit")
    by_segment: dict[str, list[str]] = {}
    for item in segments:
        segment, _, value = item.partition("=")
        values = settings.app.segments.get(segment)
        if not value or values is None:
            problems.append(f"--segment {item}: give SEGMENT=VALUE with a segment of app.yaml")
        elif value not in values:
            # Nobody is in a value app.yaml does not name: the pulse would reach no one.
            problems.append(f"--segment {item}: app.yaml's {segment} has no value {value} "
                            f"(it has: {', '.join(sorted(values)) or 'none'})")
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
    questions = ()
    if survey is not None:
        found = settings.app.pulses.campaigns.get(survey)
        if found is None or not found.questions:
            problems.append(f"--survey {survey}: app.yaml has no pulses.campaigns.{survey} "
                            "with questions")
        else:
            questions = tuple(found.questions)
    zone = settings.app.organisation.zone
    # From the start of this minute: a send time of this very minute is today's, not
    # tomorrow's (each person gets it at the first send time at or after the opening).
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    opens_at = opens.replace(tzinfo=zone) if opens else now
    today = now.astimezone(zone).date()
    if opens and (opens.date() < today or (opens.time() != clock_time() and opens_at < now)):
        problems.append(f"--opens {opens:%Y-%m-%d %H:%M}: that is in the past; give a time "
                        "from now on, or leave it out to open now")
    if problems or audience is None:
        exit_with(problems, "Cannot create the pulse:")
    spec = CampaignSpec(name=name, opens_at=max(opens_at, now), open_days=days,
                        audience=audience, anonymity=anonymity, send_time=send_at,
                        reminders=reminder_days, min_group=min_group, questions=questions)
    created = run_offline(settings, lambda services: _pulse_create(services, settings, spec))
    if created is None:
        exit_with([f"{name}: there is already a pulse of that name"], "Cannot create the pulse:")
    click.echo(f"Pulse {name}: opens {created.opens_at.astimezone(zone):%Y-%m-%d %H:%M}, "
               f"closes {created.closes_at.astimezone(zone):%Y-%m-%d %H:%M} "
               f"({settings.app.organisation.timezone}); status {created.status}; "
               f"{_reaches(created.opens_at, send_at, settings)}.")


def _reaches(opens_at: datetime, send_at: clock_time, settings: Settings) -> str:
    """When the pulse reaches people, so an operator is not surprised by a first send
    tomorrow: each person's first `send_at` on their own clock from the opening."""
    from bot.flows.pulses.campaigns import local_send_times

    first = local_send_times(opens_at, send_at, settings.app.organisation.timezone, ())[0]
    zone = settings.app.organisation.zone
    return (f"it reaches each person at {send_at:%H:%M} on their own clock, first on "
            f"{first.astimezone(zone):%Y-%m-%d} here")


async def _pulse_create(services, settings: Settings, spec):
    from bot.flows.pulses.campaigns import create_campaign, open_due_campaigns
    from storage.pulses import find_campaign

    async with services.sessions() as session:
        created = await create_campaign(session, settings.app, spec)
        await session.commit()
    if created is None:
        return None
    await open_due_campaigns(services)
    async with services.sessions() as session:
        return await find_campaign(session, spec.name)


@pulse.command("status")
@click.argument("name")
@click.option("--watch", is_flag=True, help="Keep the bar moving until nothing is pending.")
def pulse_status(name: str, watch: bool) -> None:
    """Pulse NAME's fan-out: sent, pending, failed and answered, with a progress bar."""
    settings = settings_with_schema_or_exit()
    while True:
        progress = run_offline(settings, lambda services: _pulse_progress(services, name))
        if progress is None:
            exit_with([f"{name}: no such pulse"], "Cannot show the pulse:")
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


async def _pulse_progress(services, name: str):
    from bot.flows.pulses.results import campaign_progress
    from storage.pulses import find_campaign

    async with services.sessions() as session:
        campaign = await find_campaign(session, name)
        return None if campaign is None else await campaign_progress(session, campaign)


@pulse.command("results")
@click.argument("name")
@click.option("--by", "segment", help="Break the results down by this segment of app.yaml.")
@click.option("--format", "output", type=click.Choice(["text", "csv"]), default="text",
              show_default=True)
def pulse_results(name: str, segment: str | None, output: str) -> None:
    """Pulse NAME's NPS, response rate and score distribution (a survey's: % satisfied and
    averages per aspect, against its previous run and target); groups of fewer than K
    answers are shown as "not enough answers", and the one more group hidden with a lone
    such group as hidden."""
    settings = settings_with_schema_or_exit()
    if segment is not None and segment not in settings.app.segments:
        exit_with([f"--by {segment}: app.yaml has no such segment "
                   f"(it has: {', '.join(sorted(settings.app.segments)) or 'none'})"],
                  "Cannot show the results:")
    results = run_offline(settings, lambda services: _pulse_results(services, name, segment))
    if results is None:
        exit_with([f"{name}: no such pulse"], "Cannot show the results:")
    if not hasattr(results, "distribution"):
        echo_survey(results, output)
        return
    groups = [("all", "", results.overall)] + [
        (by, group.label or "", group) for by, found in results.by.items() for group in found]
    if output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["segment", "value", "answers", "nps", "promoters_pct",
                         "passives_pct", "detractors_pct"])
        for by, value, group in groups:
            figures = ([HIDDEN_TOO if group.shields else NOT_ENOUGH] * 5 if group.withheld else
                       [group.answers, group.nps, group.promoters, group.passives,
                        group.detractors])
            # A segment's value may be what people put in their profiles.
            writer.writerow(spreadsheet_cells.row([by, value, *figures]))
        for language, answers in several_languages(results.languages).items():
            writer.writerow(spreadsheet_cells.row(["language", language, answers, "", "", "",
                                                   ""]))
        return
    click.echo(f"{results.name} ({results.status}, {results.anonymity}); K = "
               f"{results.min_group}")
    rate = "-" if results.response_rate is None else f"{results.response_rate}%"
    click.echo(f"response rate {rate} ({results.answered} of {results.invited} reached)")
    echo_languages(results.languages)
    for by, value, group in groups:
        label = "everyone" if by == "all" else f"{by}={value or '(none)'}"
        if group.withheld:
            click.echo(f"{label}: {HIDDEN_TOO if group.shields else NOT_ENOUGH}")
        else:
            click.echo(f"{label}: NPS {group.nps:+d} from {plural(group.answers, 'answer')} "
                       f"({group.promoters}% promoters, {group.passives}% passives, "
                       f"{group.detractors}% detractors)")
    if results.distribution:
        click.echo("scores: " + "  ".join(f"{score}:{count}"
                                          for score, count in results.distribution.items()))
    if len(results.trend) > 1:
        click.echo("trend: " + " -> ".join(
            f"{trend_name} {NOT_ENOUGH if nps is None else format(nps, '+d')}"
            for trend_name, nps in results.trend))


async def _pulse_results(services, name: str, segment: str | None):
    from bot.flows.pulses.results import campaign_results
    from bot.flows.pulses.survey_results import survey_results
    from storage.pulses import find_campaign

    async with services.sessions() as session:
        campaign = await find_campaign(session, name)
        if campaign is None or campaign.id is None:
            return None
        if campaign.is_survey:
            return await survey_results(session, campaign.id, by=[segment] if segment else [],
                                        target_points=services.settings.app.pulses
                                        .target_points)
        return await campaign_results(session, campaign.id, by=[segment] if segment else [])
