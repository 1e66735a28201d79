"""The demo's satisfaction survey scene plays through the real server: Lee sends the survey,
Erin answers part of it in one modal and finishes it from the same button, Tom answers, and
Lee reads the results per aspect."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import pytest

from bot.demo.run import play
from bot.demo.scenes.help import asking_for_help
from bot.demo.scenes.surveys import a_satisfaction_survey
from bot.demo.transcript import Transcript
from tests.bot.demo.test_csat_scene import left_in


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


async def test_the_survey_scene_is_answered_in_parts_and_read_per_aspect(scratch: Path):
    printed: list[str] = []

    # The help scene first: it is where Ann installs the app in Teams, to get the survey too.
    await play([asking_for_help, a_satisfaction_survey], Transcript(echo=printed.append))

    text = "\n".join(click.unstyle(line) for line in printed)
    assert "  ( ) Very dissatisfied  ( ) Dissatisfied  ( ) Neither satisfied nor dissatisfied" \
        in text
    assert "  You have answered 1 of 3 questions; they are kept." in text
    assert "Erin (Slack) \u203a [ Finish the survey ]" in text
    assert "  Your answers are kept. You can change them until" in text
    assert "  • Service desk: 100% satisfied, average 4.5 of 5 (2 people, 2 answers) · " \
        "outstanding (above 90%)" in text
    assert "  • Availability: 50% satisfied, average 3.0 of 5 (2 people, 2 answers) · " \
        "below the 80% mark" in text
    assert "  • Communication: Warn us before the Friday updates." in text
    assert left_in(scratch) == []
