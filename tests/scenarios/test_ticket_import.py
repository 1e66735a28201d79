"""`touchpoint import tickets FILE.csv` in a subprocess, on SQLite and PostgreSQL: good rows
go in through the ticket flow, bad ones are reported by line number, the exit code tells."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from sqlmodel import select

from storage.engine import create_engine, session_factory
from storage.tickets import Ticket
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

HEADER = "id,title,requester_email,assignee_email,priority,status,created_at,updated_at\n"
ROWS = (
    "INC-1,Printer,erin@example.com,tech1@example.com,P2,open,"
    "2026-11-10T09:00:00Z,2026-11-10T09:00:00Z\n"
    "INC-1,Printer,erin@example.com,tech1@example.com,P2,resolved,"
    "2026-11-10T09:00:00Z,2026-11-10T11:00:00Z\n"
    "INC-2,Laptop,erin@example.com,,P1,exploded,2026-11-10T09:00:00Z,\n"
    "INC-3,Phone,erin@example.com,,P1,open,,\n"
    'INC-4,"Two\nlines",erin@example.com,,P1,open,2026-11-10T09:00:00Z,\n'
    "INC-5,Mouse,not-an-email,,P1,open,2026-11-10T09:00:00Z,\n"
    "INC-6,Screen,stranger@example.com,,P3,closed,2026-11-10T09:00:00Z,"
    "2026-11-12T09:00:00Z\n"
)


@pytest.fixture
def env(make_settings, cli_env, database_url, slack, tmp_path) -> dict[str, str]:
    def tickets(config):
        config["tickets"] = {"sources": {"desk": {"preset": "zendesk"}, "csv": {}},
                             "sla": {"P2": {"first_response": "1h", "resolution": "8h"}}}

    make_settings(config=tickets)
    return cli_env(TOUCHPOINT_CONFIG=str(tmp_path / "app.yaml"), DATABASE_URL=database_url,
                   SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                   SLACK_API_URL=slack.url)


async def touchpoint(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run the command line without blocking the loop the Slack emulator answers on."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, "--log-level", "error", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def stored(database_url: str) -> list[Ticket]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return list((await session.exec(select(Ticket).order_by(Ticket.external_id))).all())
    finally:
        await engine.dispose()


async def test_bad_rows_are_reported_by_line_and_the_good_ones_imported(env, tmp_path,
                                                                         database_url):
    path = tmp_path / "history.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")

    code, out, err = await touchpoint(env, "import", "tickets", str(path), "--source", "csv")

    assert code == 1
    assert err.splitlines() == [
        f"{path}:4: status: 'exploded' is not mapped to open, resolved or closed (add it to "
        "the source's statuses in app.yaml)",
        f"{path}:5: created_at: required",
        f"{path}:8: requester_email: 'not-an-email' is not an email address",
    ]
    assert out.strip() == (f"{path}: 7 rows: 4 stored, 0 already imported, 0 older than "
                           "their ticket's newest event, 3 bad")
    tickets = {ticket.external_id: ticket for ticket in await stored(database_url)}
    assert set(tickets) == {"INC-1", "INC-4", "INC-6"}
    assert (tickets["INC-1"].source, tickets["INC-1"].status) == ("csv", "resolved")
    assert tickets["INC-1"].requester_id is not None
    assert tickets["INC-1"].response_due_at is not None
    assert tickets["INC-4"].title == "Two\nlines"
    assert (tickets["INC-6"].requester_email, tickets["INC-6"].requester_id) == (
        "stranger@example.com", None)

    again, out, _err = await touchpoint(env, "import", "tickets", str(path), "--source", "csv")

    assert again == 1
    assert "4 already imported" in out
    assert len(await stored(database_url)) == 3


async def test_a_clean_file_exits_0_and_rows_in_any_order_end_newest(env, tmp_path,
                                                                     database_url):
    path = tmp_path / "clean.csv"
    lines = ROWS.splitlines(keepends=True)
    path.write_text(HEADER + lines[1] + lines[0], encoding="utf-8")

    code, out, err = await touchpoint(env, "import", "tickets", str(path), "--source", "csv")

    assert (code, err) == (0, "")
    assert "2 rows: 1 stored, 0 already imported, 1 older than their ticket's newest event, " \
           "0 bad" in out
    [ticket] = await stored(database_url)
    assert ticket.status == "resolved"


@pytest.mark.parametrize(("header", "source", "problem"), [
    ("id,title,colour\n", "csv",
     "missing columns status, created_at; unknown column colour"),
    (HEADER, None, "--source: required (one of csv, desk)"),
])
async def test_an_unusable_file_or_source_exits_2_and_imports_nothing(
        env, tmp_path, database_url, header, source, problem):
    path = tmp_path / "wrong.csv"
    path.write_text(header + ROWS, encoding="utf-8")

    code, _out, err = await touchpoint(env, "import", "tickets", str(path),
                                       *(["--source", source] if source else []))

    assert code == 2
    assert problem in err
    assert await stored(database_url) == []


def test_the_command_documents_its_exit_codes(env):
    done = subprocess.run([sys.executable, "-m", "bot", "import", "tickets", "--help"],
                          env=env, capture_output=True, text=True, check=True)

    assert "Exit 0 when every row was imported, 1 when some rows were bad" in " ".join(
        done.stdout.split())
