"""`touchpoint digest preview|send` on the fixed data set: the preview prints what would be
posted and writes the chart; send posts a period once, refuses a second time with exit 4
unless --again; each mistake is one line and exit 2."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from storage.engine import create_engine, session_factory
from tests import digest_data
from tests.bot.flows.test_digests import GOLDEN
from tests.conftest import app_config
from tests.outbox_kit import outbox_rows

_OURS = ("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_")


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str) -> dict[str, str | None]:
    raw = app_config()
    raw["tickets"] = {"sources": {"desk": {"ticket_url": "https://desk.example.com/t/{id}"}}}
    raw["services"] = [{"name": "Email and calendar"}, {"name": "Laptops and devices"}]
    raw["digests"] = [{"name": "weekly", "targets": {"sla": {"P1": 95}, "nps": 30}}]
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")

    async def seed() -> None:
        engine = create_engine(sqlite_url)
        async with session_factory(engine)() as session:
            await digest_data.seed(session)
        await engine.dispose()

    asyncio.run(seed())
    cleared: dict[str, str | None] = {name: None for name in os.environ
                                      if name.startswith(_OURS)}
    return {**cleared, "TOUCHPOINT_CONFIG": str(config), "DATABASE_URL": sqlite_url,
            "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": "http://127.0.0.1:9/api/"}


def _run(env, *args: str):
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info)
    assert "Traceback" not in result.output
    return result


def test_preview_prints_what_would_be_posted_and_writes_the_chart(env, tmp_path):
    chart = tmp_path / "chart.png"
    result = _run(env, "digest", "preview", "weekly", "--period", "2026-W48", "--png",
                  str(chart))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("weekly: 2026-W48\n\nMon 23 Nov to Sun 29 Nov 2026.\n")
    # The golden Slack text's lines, but for how late the open tickets are now (the command
    # runs at today's time, the golden text at the data set's).
    golden = (GOLDEN / "digest_weekly_slack.txt").read_text(encoding="utf-8").splitlines()
    printed = result.stdout.splitlines()
    assert [line for line in printed if line and line in golden] == [
        line for line in golden if line and "INC0007" not in line and "INC0008" not in line]
    assert "[chart, " in result.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_send_posts_a_period_once_unless_again(env, sqlite_url):
    first = _run(env, "digest", "send", "weekly", "--period", "2026-W48")
    assert first.exit_code == 0, first.stderr
    again = _run(env, "digest", "send", "weekly", "--period", "2026-W48")
    assert again.exit_code == 5
    assert again.stderr.strip() == ("weekly for 2026-W48 was posted already; add --again to "
                                    "post it once more.")
    forced = _run(env, "digest", "send", "weekly", "--period", "2026-W48", "--again")
    assert forced.exit_code == 0

    async def keys() -> list[str]:
        engine = create_engine(sqlite_url)
        try:
            return [row.key for row in await outbox_rows(
                SimpleNamespace(sessions=session_factory(engine)), "digest:")]
        finally:
            await engine.dispose()

    assert asyncio.run(keys()) == ["digest:weekly:2026-W48", "digest:weekly:2026-W48:2"]


@pytest.mark.parametrize(("args", "message"), [
    (["digest", "preview", "nope"], "nope: no such digest (app.yaml has weekly)"),
    (["digest", "preview", "--period", "2026-W54"], "--period '2026-W54': no such ISO week"),
    (["digest", "send", "weekly", "--period", "last week"],
     "--period 'last week' is not a week like 2026-W48 or a month like 2026-11"),
    (["digest", "send", "weekly", "--period", "2099-W01"],
     "--period 2099-W01: it has not begun yet"),
    (["digest", "preview", "--period", "2099-01"], "--period 2099-01: it has not begun yet"),
    # Weeks before year 1 are no dates: this was an OverflowError with a traceback.
    (["digest", "preview", "--period", "0001-W01"],
     "--period 0001-W01: Touchpoint has no figures from before 2000"),
    (["digest", "send", "weekly", "--period", "0001-01"],
     "--period 0001-01: Touchpoint has no figures from before 2000"),
    (["digest", "preview", "--period", "2026-W48", "--png", "{tmp}/missing/chart.png"],
     "--png {tmp}/missing/chart.png: No such file or directory"),
])
def test_a_digest_mistake_is_one_line_and_exit_2(env, tmp_path, args, message):
    result = _run(env, *(arg.replace("{tmp}", str(tmp_path)) for arg in args))
    assert result.exit_code == 2
    assert message.replace("{tmp}", str(tmp_path)) in result.stderr


def test_preview_prints_the_digest_in_the_organisations_language(env, tmp_path):
    config = Path(str(env["TOUCHPOINT_CONFIG"]))
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["organisation"]["locale"] = "de"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    for platform, heading in (("slack", "*SLA erfüllt*"), ("teams", "**SLA erfüllt**")):
        result = _run(env, "digest", "preview", "weekly", "--period", "2026-W48",
                      "--platform", platform)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(
            "weekly: 2026-W48\n\nMo. 23 Nov. bis So. 29 Nov. 2026.\n")
        assert heading in result.stdout
        assert "Erste Reaktion: 66,7\u00a0% (↓ gesunken von 100,0\u00a0% in der Vorwoche" in (
            result.stdout)
        assert "q4: +50 von 6 Personen (↑ von +40 in q3); Ziel +30" in result.stdout
        assert "CSAT ist der Anteil der Antworten mit 4 oder 5." in result.stdout
        assert "[chart, " in result.stdout and "Liniendiagramm der 12 Wochen" in result.stdout
