"""The demo's complaint scene plays through the real server: filed, acknowledged, resolved
and confirmed, each step shown to the person who sees it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import pytest

from bot.demo.run import play
from bot.demo.scenes.complaints import a_complaint_put_right
from bot.demo.transcript import Transcript


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


async def test_the_complaint_scene_files_acknowledges_resolves_and_closes(scratch: Path):
    printed: list[str] = []

    await play([a_complaint_put_right], Transcript(echo=printed.append))

    lines = [click.unstyle(line) for line in printed]
    text = "\n".join(lines)
    assert "Touchpoint → Erin (direct message)\n  We have your complaint: CMP-" in text
    assert ("Tom (Slack) \u203a [ Acknowledge ]\n"
            "Touchpoint updates its message in #it-triage") in text
    assert "  Status: acknowledged · Owner: Tom" in lines
    assert "Tom has acknowledged your complaint" in text
    assert "Are you satisfied with how this was handled?" in text
    assert "Erin (Slack) \u203a [ Yes, I'm satisfied ]" in lines
    assert "  Status: closed · Owner: Tom" in lines
    assert left_in(scratch) == []


def left_in(directory: Path) -> list[Path]:
    return list(directory.iterdir())
