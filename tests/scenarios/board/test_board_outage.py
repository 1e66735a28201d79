"""The board while the database is unreachable (SQLite's file in a directory that does not
exist): 503 with Retry-After, never a 500 or a traceback."""

from __future__ import annotations

import pytest

from bot.flows.board.links import SigninLinks
from storage.outage import RETRY_AFTER_S
from tests.scenarios.board import board_kit as kit


@pytest.fixture
def settings(make_settings, tmp_path):
    return make_settings(env={**kit.BOARD_ENV,
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'tp.db'}"})


async def test_the_board_answers_503_while_the_database_is_down(bot, settings):
    link = SigninLinks(settings.secrets).url_for(1, kit.NOW)
    assert link is not None
    async with kit.browser() as http:
        http.cookie_jar.update_cookies({"touchpoint_board": "some-session"})
        for url in (bot.url + "/board", kit.local(link, bot)):
            async with http.get(url, allow_redirects=False) as response:
                assert response.status == 503, url
                assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
                assert "Traceback" not in await response.text()
