"""`touchpoint webhook try FILE.json --source NAME`: what an event would store, read as the
webhook reads it, with nothing stored (no database, token or secret needed); every mistake one
line and its exit code (2 the command cannot run, 1 the webhook would refuse the event)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import app_config

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tickets"
_OURS = ("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    """app.yaml with two sources and a service catalogue, and nothing else: no database, no
    tokens (a database URL that cannot be opened proves none is used)."""
    config = app_config()
    config["services"] = [{"name": "Email", "aliases": ["Exchange"]}]
    config["tickets"] = {"sources": {"jira": {"preset": "jira_service_management"},
                                     "desk": {"preset": "freshdesk"}}}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    cleared: dict[str, str | None] = {name: None for name in os.environ
                                      if name.startswith(_OURS)}
    return {**cleared, "TOUCHPOINT_CONFIG": str(path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing/touchpoint.db"}


def run(env: dict[str, str | None], *args: str):
    result = CliRunner().invoke(cli, ["webhook", "try", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info)
    assert "Traceback" not in result.output
    return result


def test_an_event_shows_what_would_be_stored(env, tmp_path):
    fixture = FIXTURES / "jira_service_management" / "webhook_issue_updated.json"
    body = fixture.read_text(encoding="utf-8").replace('"name": "Email"', '"name": "Exchange"')
    (tmp_path / "event.json").write_text(body, encoding="utf-8")

    result = run(env, str(tmp_path / "event.json"), "--source", "jira")

    assert result.exit_code == 0, result.output
    shown = dict(line.split("  ", 1) for line in result.stdout.splitlines()[:-1])
    shown = {label.strip(): value.strip() for label, value in shown.items()}
    assert shown == {
        "source": "jira (preset jira_service_management)",
        "ticket": "ITSM-231",
        "title": "Shared mailbox not visible in Outlook",
        "status": "resolved (the desk says 'Resolved')",
        "priority": "P3",
        "service": "Email",  # the catalogue's name for the desk's "Exchange"
        "requester": "erin@example.com",
        "assignee": "tech1@example.com",
        "opened": "2026-11-10 09:00:00 UTC",
        "happened": "2026-11-10 13:00:00 UTC",
        "first response": "(not given: the resolution counts as one)",
        "resolved": "2026-11-10 13:00:00 UTC",
        "event id": "(none: a repeat is known by the same body)",
    }
    assert result.stdout.splitlines()[-1] == "Nothing was stored."
    assert not (tmp_path / "missing").exists()


def test_an_event_without_an_update_time_happens_when_it_arrives(env):
    result = run(env, str(FIXTURES / "freshdesk" / "automation_simple.json"))

    assert result.exit_code == 2  # two sources: --source is needed
    result = run(env, str(FIXTURES / "freshdesk" / "automation_simple.json"), "--source", "desk")

    assert result.exit_code == 0, result.output
    assert "happened        when it arrives (now: " in result.stdout
    assert "service         (not given)" in result.stdout


def files(tmp_path: Path) -> Path:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00{}")
    (tmp_path / "empty-ticket.json").write_text('{"issue": {"key": "ITSM-1"}}',
                                                encoding="utf-8")
    (tmp_path / "a-directory").mkdir()
    return tmp_path


# (arguments, exit code, the one line on stderr); {tmp} is a folder, {fix} the fixtures.
MISTAKES = [
    (["{tmp}/missing.json", "--source", "jira"], 2, "does not exist"),
    (["{tmp}/a-directory", "--source", "jira"], 2, "is a directory"),
    (["{tmp}/binary.json", "--source", "jira"], 2,
     "Error: {tmp}/binary.json: cannot be read as UTF-8 text"),
    (["{fix}/generic/event.json", "--source", "nope"], 2,
     "Error: --source: unknown (one of desk, jira)"),
    (["{fix}/generic/event.json"], 2, "Error: --source: required (one of desk, jira)"),
    (["{tmp}/bad.json", "--source", "jira"], 1,
     "Error: {tmp}/bad.json: the webhook would refuse it (400): body: not JSON"),
    (["{tmp}/list.json", "--source", "jira"], 1,
     "Error: {tmp}/list.json: the webhook would refuse it (400): body: must be a JSON object"),
    (["{tmp}/empty-ticket.json", "--source", "jira"], 1,
     "Error: {tmp}/empty-ticket.json: the webhook would refuse it (400): "
     "issue.fields.status.name: required"),
    (["{fix}/generic/event.json", "--source", "desk"], 1,
     "Error: {fix}/generic/event.json: the webhook would refuse it (400): ticket.id: required"),
]


@pytest.mark.parametrize(("args", "code", "message"), MISTAKES,
                         ids=[" ".join(m[0]) for m in MISTAKES])
def test_a_mistake_is_one_line_and_its_exit_code(env, tmp_path, args, code, message):
    folder = files(tmp_path)

    def here(text: str) -> str:
        return text.replace("{tmp}", str(folder)).replace("{fix}", str(FIXTURES))

    result = run(env, *[here(arg) for arg in args])

    assert result.exit_code == code, result.output
    assert here(message) in result.stderr
    assert result.stdout == ""
    if message.startswith("Error: "):
        assert result.stderr.splitlines() == [result.stderr.strip()]


def test_a_configuration_with_problems_exits_2(env, tmp_path):
    (tmp_path / "app.yaml").write_text("tickets: {sources: {x: {preset: nope}}}\n",
                                       encoding="utf-8")

    result = run(env, str(FIXTURES / "generic" / "event.json"))

    assert result.exit_code == 2
    assert "tickets.sources.x.preset" in result.stderr
