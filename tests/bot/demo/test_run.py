"""The demo's stage, driven in-process: scenes are pluggable, and a scene that goes wrong stops
the demo with a DemoError and still leaves nothing behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import pytest

from bot.demo.cast import ERIN
from bot.demo.run import play
from bot.demo.stage import DemoError, Stage
from bot.demo.transcript import Transcript


def left_in(directory: Path) -> list[Path]:
    return list(directory.iterdir())


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


async def test_a_scene_plays_through_the_real_server(scratch: Path):
    printed: list[str] = []

    async def one_command(stage: Stage) -> None:
        stage.scene("demo/help", slack_name="Erin", teams_name="Ann")
        await stage.slack_command(ERIN, "/touchpoint", "help")

    await play([one_command], Transcript(echo=printed.append))

    lines = [click.unstyle(line) for line in printed]
    start = lines.index("Erin (Slack) \u203a /touchpoint help")
    assert lines[start + 1:start + 3] == ["Touchpoint → Erin (only visible to you)",
                                          "  Touchpoint: how can IT help?"]
    assert left_in(scratch) == []


async def test_a_scene_that_goes_wrong_stops_the_demo_and_cleans_up(scratch: Path):
    printed: list[str] = []

    async def unknown_command(stage: Stage) -> None:
        await stage.slack_command(ERIN, "/nosuchcommand")

    with pytest.raises(DemoError, match="/nosuchcommand got HTTP 404"):
        await play([unknown_command], Transcript(echo=printed.append))

    assert left_in(scratch) == []
