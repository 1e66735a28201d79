"""The demo's CSAT scene plays through the real server: a signed ticket event from the service
desk, the survey in the requester's DM, a low score and its comment alerting triage, and IT
reaching out and logging it as a complaint."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import pytest

from bot.demo.run import play
from bot.demo.scenes.csat import a_low_score_followed_up
from bot.demo.transcript import Transcript


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


async def test_the_csat_scene_surveys_alerts_and_reaches_out(scratch: Path):
    printed: list[str] = []

    await play([a_low_score_followed_up], Transcript(echo=printed.append))

    text = "\n".join(click.unstyle(line) for line in printed)
    assert ("Service desk (ticket webhook) \u203a ticket INC0012400 is now resolved\n"
            "Touchpoint → Erin (direct message)\n"
            "  Ticket INC0012400: VPN drops every hour when working from home\n"
            "  Your ticket INC0012400 has been resolved. How did we do?") in text
    assert ("Erin (Slack) \u203a [ 1 · Poor ]\n"
            "Touchpoint updates its message to Erin\n") in text
    assert ("Touchpoint → #it-triage\n"
            "  Low CSAT score: 1/5 on ticket INC0012400\n") in text
    assert ("Touchpoint updates its message in #it-triage\n"
            "  Low CSAT score: 1/5 on ticket INC0012400\n") in text
    assert "  Comment: Fixed for a day, then it dropped again during my client call." in text
    assert ("Tom (Slack) \u203a [ Reach out ]\n"
            "Touchpoint updates its message in #it-triage\n") in text
    assert "  @Tom is reaching out to the requester (since " in text
    assert ("Touchpoint → Erin (direct message)\n"
            "  Thank you for telling us how ticket INC0012400 went. Tom from the IT team will "
            "get in touch with you about it soon.") in text
    assert ("Tom (Slack) \u203a [ Log as complaint ]\n"
            "Touchpoint → Erin (direct message)\n"
            "  We have your complaint: CMP-") in text
    assert "  Logged as complaint CMP-" in text
    assert left_in(scratch) == []


def left_in(directory: Path) -> list[Path]:
    return list(directory.iterdir())
