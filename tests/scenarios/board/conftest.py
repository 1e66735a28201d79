"""The board scenarios' bot: a controlled clock and the board's key and public address."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clock import Clock
from tests.scenarios.board.board_kit import BOARD_ENV, NOW


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    return {"clock": clock, "scheduler": False}


def fresh_figures(raw: dict[str, Any]) -> None:
    """Figures counted for every page, so a test sees the data it just added."""
    raw["board"] = {"cache_seconds": 0}


@pytest.fixture
def settings(make_settings):
    return make_settings(fresh_figures, env=BOARD_ENV)
