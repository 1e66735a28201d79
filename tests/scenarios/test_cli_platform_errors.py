"""A command whose call to Slack fails says so in one line and exits 4 (see the README's exit
codes), whether Slack refuses the token or cannot be reached: `import tickets` looking up a
requester by email (it used to print about 100 lines and exit 1, the code for bad rows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenarios.test_directory_sync import cli_env, touchpoint

ROWS = ("id,status,created_at,resolved_at,requester_email\n"
        "INC-1,resolved,2026-11-01T10:00:00Z,2026-11-01T12:00:00Z,someone.new@example.com\n")


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: raw.update(
        tickets={"sources": {"desk": {"preset": "generic"}}}))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("change", "message"), [
    ({"SLACK_BOT_TOKEN": "xoxp-not-a-bot"},
     "Error: Slack refused users.lookupByEmail: invalid_auth (check SLACK_BOT_TOKEN)\n"),
    ({"SLACK_API_URL": "http://127.0.0.1:9/api/"},
     "Error: cannot reach 127.0.0.1:9 (SLACK_API_URL, or a Teams service URL): "),
], ids=["token-refused", "unreachable"])
async def test_import_tickets_when_slack_fails_is_one_line_and_exit_4(
        settings, slack, database_url, tmp_path: Path, change, message):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(ROWS, encoding="utf-8")

    code, out, err = await touchpoint({**cli_env(settings, slack, database_url), **change},
                                      "import", "tickets", str(tickets))

    assert (code, out) == (4, "")
    assert err.startswith(message) and err.count("\n") == 1, err
