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


@pytest.fixture
def settings(make_settings):
    return make_settings(env=BOARD_ENV)
