"""The demo's digest scene plays through the real server: the IT lead's `/touchpoint digest`
answered privately with this week so far."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import pytest

from bot.demo.run import play
from bot.demo.scenes.digests import the_week_so_far
from bot.demo.transcript import Transcript


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


async def test_the_lead_sees_the_week_so_far(scratch: Path):
    printed: list[str] = []

    await play([the_week_so_far], Transcript(echo=printed.append))

    text = "\n".join(click.unstyle(line) for line in printed)
    assert "Lee (Slack) \u203a /touchpoint digest weekly" in text
    assert "so far" in text
    assert "No tickets this week." in text
    assert "Satisfaction (CSAT)" in text and "Kudos" in text
