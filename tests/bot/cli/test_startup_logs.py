"""`touchpoint run` starts quietly: one line per component, no library chatter (Alembic,
APScheduler), no Bolt warning, and a start-up directory sync that fails says so in one line,
without a traceback or a "executed successfully" after it; with TOUCHPOINT_LOG_FORMAT=json
every line is a JSON object."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from importlib.metadata import version

import pytest

COMPONENTS = ("database: ", "slack: events at /slack/events", "teams: off", "ticket webhook: ",
              "scheduler: ", "outbox: sending at ")
FAILED_SYNC = "handler for schedule:directory.sync.startup failed: cannot reach 127.0.0.1:9"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_until_the_sync_fails(environment: dict[str, str | None]) -> list[str]:
    """The lines `touchpoint run` logs until its start-up sync has failed, then stopped."""
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(free_port())],
        env={**{k: v for k, v in os.environ.items() if k not in environment},
             **{k: v for k, v in environment.items() if v is not None}},
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    try:
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "directory.sync.startup failed" in line:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        _out, rest = process.communicate(timeout=30)
        lines += [line for line in (rest or "").splitlines() if line]
    return lines


def test_start_up_is_one_line_per_component_and_a_failed_sync_one_more(env):
    lines = run_until_the_sync_fails(env)
    text = "\n".join(lines)

    # Said first, before the seconds of loading the bot.
    assert f"INFO touchpoint: starting touchpoint {version('touchpoint')} (process " in lines[0]

    for component in COMPONENTS:
        assert f"INFO touchpoint: {component}" in text, text
    assert any(FAILED_SYNC in line for line in lines), text
    for chatter in ("Traceback", "Adding job tentatively", "executed successfully",
                    "alembic", "token` will be unused", "========"):
        assert chatter not in text, text


@pytest.mark.parametrize("log_format", ["json", "JSON"])
def test_json_logs_are_one_object_per_line(env, log_format):
    lines = run_until_the_sync_fails({**env, "TOUCHPOINT_LOG_FORMAT": log_format})

    records = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    messages = [record["message"] for record in records]
    for component in COMPONENTS:
        assert any(message.startswith(component) for message in messages), messages
    assert any(FAILED_SYNC in message for message in messages)


def test_a_slack_only_bot_does_not_load_the_bot_framework(env):
    # The Bot Framework SDK takes a good part of a second to import: only Teams needs it.
    probe = ("import sys\n"
             "from bot.config.loading import load_settings\n"
             "from bot.server import create_app\n"
             "create_app(load_settings(), scheduler=False)\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'botbuilder', 'msal'}))")
    done = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", probe],
        env={**{k: v for k, v in os.environ.items() if k not in env},
             **{k: v for k, v in env.items() if v is not None}},
        capture_output=True, text=True, timeout=60, check=False)

    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
