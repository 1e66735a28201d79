"""The README's ticket webhook examples work as printed against the shipped app.yaml: the
`curl` example (run by a shell, signed with openssl, into the running bot) stores its ticket,
and the `touchpoint webhook try` excerpt is what the command prints."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.scenarios.test_ticket_webhook import SECRET, all_tickets

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SHIPPED = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
SECTION = README[README.index("## The ticket webhook\n"):README.index("### SLA\n")]


def block(language: str, containing: str) -> str:
    [found] = [text for text in re.findall(rf"```{language}\n(.*?)```", SECTION, re.DOTALL)
               if containing in text]
    return found


@pytest.fixture
def settings(make_settings):
    def shipped(raw: dict[str, Any]) -> None:
        raw.clear()
        raw.update(SHIPPED)

    return make_settings(config=shipped, env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl")),
                    reason="needs curl and openssl")
async def test_the_curl_example_stores_its_ticket(bot):
    script = block("sh", "curl").replace("https://touchpoint.example.com", bot.url)
    process = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", script,
        env={**os.environ, "TOUCHPOINT_WEBHOOK_SECRET": SECRET},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()

    assert process.returncode == 0, err.decode()
    assert out.decode().startswith('{"outcome": "stored"'), out.decode()
    [ticket] = await all_tickets(bot)
    assert (ticket.source, ticket.external_id, ticket.status) == ("scripts", "INC-1042",
                                                                  "resolved")


async def test_the_webhook_try_excerpt_is_what_the_command_prints():
    excerpt = block("text", "$ touchpoint webhook try").splitlines()
    args = excerpt[0].removeprefix("$ touchpoint ").split()
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT,
        env={**environment, "TOUCHPOINT_CONFIG": str(ROOT / "app.yaml")},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()

    assert process.returncode == 0, err.decode()
    assert out.decode().splitlines() == excerpt[1:]
