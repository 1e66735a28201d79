"""The demo's ambassadors scene plays through the real server after the CSAT scene: Amy joins
the workspace as Finance's ambassador, and the monthly run sends her Finance's summary of the
month, with Erin's low score in it and nobody named; the low score itself, told before she
joined, never reached her."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import pytest

from bot.demo.run import play
from bot.demo.scenes.ambassadors import a_department_ambassador
from bot.demo.scenes.csat import a_low_score_followed_up
from bot.demo.transcript import Transcript
from tests.bot.demo.test_csat_scene import left_in


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


async def test_the_ambassador_gets_the_departments_monthly_summary(scratch: Path):
    printed: list[str] = []

    await play([a_low_score_followed_up, a_department_ambassador],
               Transcript(echo=printed.append))

    text = "\n".join(click.unstyle(line) for line in printed)
    before, _, scene = text.partition("Scene 2: a department's ambassador")
    assert scene, text
    assert "Amy" not in before
    assert "Touchpoint's scheduler \u203a ambassadors.monthly runs\n" \
           "Touchpoint → Amy (direct message)\n  Finance: IT service in " in scene
    assert "  As Finance's IT ambassador, here is how " in scene
    assert "  0.0% satisfied (4 or 5), average 1.0/5, from 1 answer to 1 survey" in scene
    assert "Erin" not in scene.partition("ambassadors.monthly runs")[2]
    assert left_in(scratch) == []
