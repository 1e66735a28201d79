"""Every command-line mistake an operator can make gets a clear message and a non-zero exit,
never a traceback: unknown commands, missing and bad arguments, unusable files, a database
that is missing or not migrated, an address already taken."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.bot.cli.conftest import APP_ID


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00 not text")
    (tmp_path / "tickets.csv").write_text("id,status,created_at\n", encoding="utf-8")
    (tmp_path / "a-directory").mkdir()
    return tmp_path


# (arguments, environment changes, exit code, what the message says); {tmp} is a folder.
MISTAKES = [
    (["nope"], {}, 2, "No such command 'nope'"),
    (["pulse", "nope"], {}, 2, "No such command 'nope'"),
    (["check-config", "extra"], {}, 2, "unexpected extra argument"),
    (["pulse", "create"], {}, 2, "Missing argument 'NAME'"),
    (["pulse", "create", "q4", "--days", "0"], {}, 2, "Invalid value for '--days'"),
    (["pulse", "create", "q4", "--anonymity", "secret"], {}, 2,
     "Invalid value for '--anonymity'"),
    (["pulse", "create", "Q4 all"], {}, 2, "Q4 all: a pulse's name is 1 to 60 lower-case"),
    (["pulse", "create", ""], {}, 2, "(empty): a pulse's name is"),
    (["pulse", "create", "q4", "--send-time", "25:00"], {}, 2, "--send-time 25:00: give HH:MM"),
    (["pulse", "create", "Bad Name!"], {}, 2, "Bad Name!: a pulse's name is 1 to 60"),
    (["pulse", "create", "q4", "--opens", "2020-01-01"], {}, 2,
     "--opens 2020-01-01 00:00: that is in the past"),
    (["pulse", "create", "q4", "--opens", "2020-01-01T09:00"], {}, 2,
     "--opens 2020-01-01 09:00: that is in the past"),
    (["pulse", "create", "q4", "--reminders", "5,3"], {}, 2, "--reminders 5,3: give up to two"),
    # Numbers too large for the database, or for a date: these were tracebacks, or (reminders)
    # a pulse whose reminders could never be scheduled.
    (["pulse", "create", "q4", "--min-group", "999999999999999999999"], {}, 2,
     "Invalid value for '--min-group'"),
    (["pulse", "create", "q4", "--reminders", "3,999999999999999999"], {}, 2,
     "--reminders 3,999999999999999999: give up to two"),
    (["pulse", "create", "q4", "--segment", "floor=3"], {}, 2, "--segment floor=3: give"),
    (["pulse", "create", "q4", "--email", "ann"], {}, 2, "--email: 'ann' is not an email"),
    (["pulse", "create", "q4", "--segment", "department=Sales"], {}, 2,
     "--segment department=Sales: app.yaml's department has no value Sales (it has: Finance)"),
    (["pulse", "status", "nope"], {}, 2, "nope: no such pulse"),
    (["pulse", "results", "nope"], {}, 2, "nope: no such pulse"),
    (["pulse", "results", "q4", "--by", "floor"], {}, 2, "--by floor: app.yaml has no such"),
    (["pulse", "results", "q4", "--format", "xml"], {}, 2, "Invalid value for '--format'"),
    (["export", "complaints", "--since", "yesterday"], {}, 2, "Invalid value for '--since'"),
    (["export", "complaints", "--since", "2026-02-01", "--until", "2026-01-01"], {}, 2,
     "--until 2026-01-01: must be after --since 2026-02-01"),
    (["export", "complaints", "--since", "2026-01-01", "--out", "{tmp}/missing/out.csv"], {},
     1, "missing/out.csv cannot be written (No such file or directory)"),
    (["export", "complaints", "--since", "2026-01-01", "--out", "{tmp}/a-directory"], {}, 2,
     "is a directory"),
    (["import", "tickets"], {}, 2, "Missing argument 'FILE'"),
    (["import", "tickets", "{tmp}/missing.csv"], {}, 2, "does not exist"),
    (["import", "tickets", "{tmp}/a-directory"], {}, 2, "is a directory"),
    (["import", "tickets", "{tmp}/binary.csv"], {}, 2, "cannot be read as UTF-8 text"),
    (["import", "tickets", "{tmp}/tickets.csv", "--source", "nope"], {}, 2,
     "--source: unknown (one of generic)"),
    (["digest", "preview"], {}, 2, "digests: app.yaml defines no digest"),
    (["digest", "send"], {}, 2, "Missing argument 'NAME'"),
    (["digest", "send", "weekly", "--period", "2026-W48"], {}, 2,
     "digests: app.yaml defines no digest"),
    (["run", "--log-level", "loud"], {}, 2, "Invalid value for '--log-level'"),
    (["run", "--port", "70000"], {}, 2, "Invalid value for '--port'"),
    (["check-config"], {"PORT": "abc"}, 2, "PORT: 'abc' is not a port number (0 to 65535)"),
    (["check-config"], {"TOUCHPOINT_LOG_FORMAT": "xml"}, 2,
     "TOUCHPOINT_LOG_FORMAT: 'xml' is not one of text, json"),
    (["run"], {"TOUCHPOINT_LOG_FORMAT": "xml"}, 2,
     "TOUCHPOINT_LOG_FORMAT: 'xml' is not one of text, json"),
    (["run"], {"PORT": "http"}, 2, "Invalid value for '--port'"),
    (["manifest", "slack"], {}, 2, "--url: required unless you use --socket-mode"),
    (["manifest", "teams", "--app-id", APP_ID, "--out", "{tmp}/missing/teams.zip"], {}, 2,
     "--out: {tmp}/missing/teams.zip cannot be written"),
    (["check-config"], {"TOUCHPOINT_CONFIG": "{tmp}/missing.yaml"}, 2,
     "{tmp}/missing.yaml: cannot be read (No such file or directory); TOUCHPOINT_CONFIG "
     "names the file (default: app.yaml in the current folder)"),
    (["check-config"], {"TOUCHPOINT_CONFIG": "{tmp}/a-directory"}, 2, "cannot be read"),
    (["migrate"], {"DATABASE_URL": "mysql://root@db/touchpoint"}, 2,
     "DATABASE_URL: must be a sqlite:///path or postgresql://user@host/db URL"),
    (["migrate"], {"DATABASE_URL": "sqlite://"}, 2,
     "DATABASE_URL: must be a sqlite:///path or postgresql://user@host/db URL"),
    # A database that is not there, and one nobody has migrated.
    (["migrate"], {"DATABASE_URL": "sqlite:///{tmp}/missing/touchpoint.db"}, 1,
     "Cannot use the database at sqlite:///{tmp}/missing/touchpoint.db: unable to open"),
    (["pulse", "status", "q4"], {"DATABASE_URL": "sqlite:///{tmp}/missing/touchpoint.db"}, 1,
     "Cannot use the database"),
    (["export", "complaints", "--since", "2026-01-01"],
     {"DATABASE_URL": "sqlite:///{tmp}/missing/touchpoint.db"}, 1, "Cannot use the database"),
    (["pulse", "results", "q4"], {"DATABASE_URL": "sqlite:///{tmp}/new.db"}, 3,
     "Run `touchpoint migrate` first"),
    (["import", "tickets", "{tmp}/tickets.csv"], {"DATABASE_URL": "sqlite:///{tmp}/new.db"}, 3,
     "Run `touchpoint migrate` first"),
]


@pytest.mark.parametrize(("args", "changes", "code", "message"), MISTAKES,
                         ids=[" ".join(m[0]) + "".join(f" {k}" for k in m[1]) or "(none)"
                              for m in MISTAKES])
def test_a_mistake_is_told_kindly(env, files, args, changes, code, message):
    def here(text: str) -> str:
        return text.replace("{tmp}", str(files))

    result = CliRunner().invoke(cli, [here(arg) for arg in args],
                                env={**env, **{k: here(v) for k, v in changes.items()}})

    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info)
    assert result.exit_code == code, result.output
    assert here(message) in result.stderr
    assert "Traceback" not in result.output


def test_an_address_already_taken_is_one_line_and_exit_1(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "critical"],
            env={**{k: v for k, v in os.environ.items() if k not in env},
                 **{k: v for k, v in env.items() if v is not None}},
            capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        f"Error: cannot serve on 127.0.0.1:{port}: ")
    assert "address already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_version_is_the_package_version(env):
    from importlib.metadata import version

    result = CliRunner().invoke(cli, ["--version"], env=env)

    assert (result.exit_code, result.output) == (0, f"touchpoint {version('touchpoint')}\n")


def test_counts_are_in_plain_english(env, tmp_path: Path):
    one = tmp_path / "one.csv"
    one.write_text("id,status,created_at\nINC-1,open,2026-11-01T10:00:00Z\n", encoding="utf-8")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,colour\n", encoding="utf-8")

    imported = CliRunner().invoke(cli, ["import", "tickets", str(one)], env=env)
    refused = CliRunner().invoke(cli, ["import", "tickets", str(wrong)], env=env)
    exported = CliRunner().invoke(cli, ["export", "complaints"], env=env)

    assert imported.stdout.startswith(f"{one}: 1 row: 1 stored"), imported.output
    assert "missing columns status, created_at; unknown column colour" in refused.stderr
    assert exported.stderr == "0 complaints exported\n"


def test_a_pulse_sent_at_this_minute_goes_today_and_says_so(env):
    zone = ZoneInfo("Europe/London")  # app_config()'s organisation
    for _attempt in range(2):  # a minute may turn between reading the clock and the command
        before = datetime.now(zone)
        result = CliRunner().invoke(cli, ["pulse", "create", f"now-{_attempt}", "--send-time",
                                          f"{before:%H:%M}"], env=env)
        if datetime.now(zone).strftime("%H:%M") == f"{before:%H:%M}":
            break

    assert result.exit_code == 0, result.output
    assert (f"it reaches each person at {before:%H:%M} on their own clock, first on "
            f"{before:%Y-%m-%d} here.") in result.stdout


@pytest.mark.parametrize("args", [["pulse", "results", "q4"], ["export", "complaints"],
                                  ["run"]])
def test_a_database_not_there_is_not_left_behind_empty(env, tmp_path: Path, args):
    database = tmp_path / "new.db"

    result = CliRunner().invoke(cli, args, env={**env, "DATABASE_URL": f"sqlite:///{database}"})

    assert result.exit_code == 3, result.output
    assert "Run `touchpoint migrate` first" in result.stderr
    assert not database.exists()


MAIN_AS_AT_A_TERMINAL = """
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
from bot.__main__ import main
main()
"""
"""`touchpoint` for `python -c`, with Ctrl-C delivered as at a terminal: a shell that starts
the suite in the background (`make test &`, nohup) leaves SIGINT ignored, and Python keeps it
ignored in the processes it starts."""


_MAIN_WITH_LOADING_HELD = """
import sys, time
class HoldLoading:
    def find_spec(self, name, path, target=None):
        if name == "bot.cli":
            print("loading bot.cli", flush=True)
            time.sleep(60)
sys.meta_path.insert(0, HoldLoading())
""" + MAIN_AS_AT_A_TERMINAL


def test_ctrl_c_while_the_command_line_loads_is_an_abort_not_a_traceback(env):
    # Loading takes seconds on a busy machine, and less on a quiet one: an import hook holds
    # the loading of bot.cli until the interrupt has come, so it always comes while loading.
    started = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-c", _MAIN_WITH_LOADING_HELD, "--version"],
        env={**{k: v for k, v in os.environ.items() if k not in env},
             **{k: v for k, v in env.items() if v is not None}},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert started.stdout.readline() == "loading bot.cli\n"
    started.send_signal(signal.SIGINT)
    out, err = started.communicate(timeout=60)

    assert "Traceback" not in err
    assert (started.returncode, err.strip()) == (1, "Aborted!"), (out, err)
