"""`touchpoint pulse create|status|results` as an operator runs them: real processes against
the test database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.flows.pulses.campaigns import CampaignSpec, create_campaign
from bot.server import SERVICES, create_app
from bot.services import Services
from storage.pulses import PulseAnswer
from tests.bot.cli.test_mistakes import MAIN_AS_AT_A_TERMINAL
from tests.scenarios.pulse_kit import configure, deliveries, seed_people, sync

ROOT = Path(__file__).resolve().parents[2]


async def touchpoint(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def operator(settings: Settings, slack, cli_env, database_url: str
                   ) -> tuple[Services, dict[str, str]]:
    """The kit's people seeded into Slack and synced into the directory (by the app's own
    services, which the test reads back with), and the environment an operator runs
    `touchpoint` in against the same database and Slack."""
    seed_people(slack)
    services = create_app(settings, scheduler=False)[SERVICES]
    await sync(services)
    return services, operator_env(settings, slack, cli_env, database_url)


def operator_env(settings: Settings, slack, cli_env, database_url: str,
                 **extra: str) -> dict[str, str]:
    """The environment an operator runs `touchpoint` in against the test's database and
    Slack, with any `extra` variables."""
    return cli_env(TOUCHPOINT_CONFIG=str(settings.config_path), DATABASE_URL=database_url,
                   SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="secret",
                   SLACK_API_URL=slack.url, **extra)


async def answered_pulse(services: Services, name: str, answers: list[dict]) -> None:
    """A pulse `name` open from 1 December 2026 for a week, with one answer of each of
    `answers` (PulseAnswer's fields), stored straight into the database."""
    async with services.sessions() as session:
        campaign = await create_campaign(session, services.settings.app, CampaignSpec(
            name=name, opens_at=datetime(2026, 12, 1, 9, tzinfo=UTC), open_days=7))
        assert campaign is not None
        for n, fields in enumerate(answers):
            session.add(PulseAnswer(campaign_id=campaign.id, respondent_key=f"k{n}", **fields))
        await session.commit()


async def test_create_then_status_then_results_by_segment_as_csv(make_settings, slack,
                                                                  cli_env, database_url):
    services, env = await operator(make_settings(config=configure), slack, cli_env,
                                   database_url)

    code, out, err = await touchpoint(env, "pulse", "create", "finance-q4", "--days", "7",
                                      "--segment", "department=Finance", "--anonymity",
                                      "anonymous")
    assert code == 0, err
    assert "Pulse finance-q4: opens" in out and "status open" in out
    rows = await deliveries(services)
    # Erin and the six others in Finance, each an invite and two reminders.
    assert len(rows) == 7 * 3 and {r.status for r in rows} == {"pending"}

    code, out, err = await touchpoint(env, "pulse", "status", "finance-q4")
    assert code == 0, err
    assert "[------------------------------] 0/7" in out and "pending 7" in out

    code, _out, err = await touchpoint(env, "pulse", "create", "finance-q4")
    assert code == 2 and "already a pulse of that name" in err
    code, _out, err = await touchpoint(env, "pulse", "create", "x", "--segment", "nope=1",
                                       "--reminders", "5,3")
    assert code == 2 and "--segment nope=1" in err and "--reminders 5,3" in err

    # Five answers from Finance, one from Sales, one from someone in no department.
    async with services.sessions() as session:
        campaign_id = rows[0].campaign_id
        for n, score in enumerate((10, 9, 9, 7, 2)):
            session.add(PulseAnswer(campaign_id=campaign_id, respondent_key=f"k{n}",
                                    score=score, segments={"department": "Finance"}))
        session.add(PulseAnswer(campaign_id=campaign_id, respondent_key="k8", score=5,
                                segments={"department": "Sales"}))
        session.add(PulseAnswer(campaign_id=campaign_id, respondent_key="k9", score=0,
                                segments={}))
        await session.commit()

    code, out, err = await touchpoint(env, "pulse", "results", "finance-q4", "--by",
                                      "department", "--format", "csv")
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    assert table == [
        ["segment", "value", "answers", "nps", "promoters_pct", "passives_pct",
         "detractors_pct"],
        ["all", "", "7", "0", "43", "14", "43"],
        ["department", "Finance", "5", "40", "60", "20", "20"],
        ["department", "Sales", *["not enough answers"] * 5],
        ["department", "", *["not enough answers"] * 5],
    ]
    code, out, err = await touchpoint(env, "pulse", "results", "finance-q4", "--by", "site")
    assert code == 2 and "--by site: app.yaml has no such segment" in err
    await services.engine.dispose()


async def test_results_say_how_many_answered_in_each_language(make_settings, slack, cli_env,
                                                              database_url):
    """Figures pooled across languages; the text and the CSV add how many answered in each."""
    settings = make_settings(config=configure)
    services = create_app(settings, scheduler=False)[SERVICES]
    await answered_pulse(services, "lang-q4", [{"score": 10, "locale": "de"},
                                               {"score": 9, "locale": "de"},
                                               {"score": 0, "locale": "en"}])
    env = operator_env(settings, slack, cli_env, database_url)

    code, out, err = await touchpoint(env, "pulse", "results", "lang-q4", "--format", "csv")
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    assert table[-2:] == [["language", "de", "2", "", "", "", ""],
                          ["language", "en", "1", "", "", "", ""]]
    code, out, err = await touchpoint(env, "pulse", "results", "lang-q4")
    assert code == 0, err
    assert "answered in: de 2, en 1" in out.splitlines()


async def test_ctrl_c_stops_watching_as_it_aborts_any_command(make_settings, slack, cli_env,
                                                              database_url):
    seed_people(slack)
    settings = make_settings(config=configure)
    services = create_app(settings, scheduler=False)[SERVICES]
    await sync(services)
    env = cli_env(TOUCHPOINT_CONFIG=str(settings.config_path), DATABASE_URL=database_url,
                  SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="secret",
                  SLACK_API_URL=slack.url)
    code, _out, err = await touchpoint(env, "pulse", "create", "watched", "--days", "7")
    assert code == 0, err

    # No bot runs, so the invitations stay pending and the watch goes on until interrupted:
    # at times while it waits, at times while it reads the database (about a second after
    # it last showed the bar), where the interrupt once left a database call reporting to a
    # closed event loop, with a traceback.
    for delay in (0.3, 1.01, 1.03, 1.05, 1.07, 1.09):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", MAIN_AS_AT_A_TERMINAL, "pulse", "status", "watched", "--watch",
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        assert process.stdout is not None
        shown = await asyncio.wait_for(process.stdout.readuntil(b"| open"), timeout=60)
        assert b"pending" in shown
        await asyncio.sleep(delay)
        process.send_signal(signal.SIGINT)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=60)

        assert (process.returncode, err.decode().strip()) == (1, "Aborted!"), delay


async def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised(make_settings, slack,
                                                                      cli_env, database_url):
    # A segment's value may come from what people put in their profiles: "=HYPERLINK(...)"
    # must reach the spreadsheet as text, while a negative NPS stays a number.
    settings = make_settings(config=configure)
    services = create_app(settings, scheduler=False)[SERVICES]
    await answered_pulse(services, "csv-q4", [
        {"score": 0, "segments": {"department": '=HYPERLINK("http://evil")'}}] * 5)
    await services.engine.dispose()
    env = cli_env(TOUCHPOINT_CONFIG=str(settings.config_path), DATABASE_URL=database_url,
                  SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="secret")

    code, out, err = await touchpoint(env, "pulse", "results", "csv-q4", "--by", "department",
                                      "--format", "csv")

    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    assert table[1] == ["all", "", "5", "-100", "0", "0", "100"]
    assert table[2] == ["department", '\'=HYPERLINK("http://evil")', "5", "-100", "0", "0",
                        "100"]
