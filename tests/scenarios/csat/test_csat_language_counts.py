"""CSAT answers are pooled across languages, and wherever CSAT results are shown the reader
learns how many answered in each: requesters answer the survey on Slack, two reading it in
German and one in English; the IT lead's digest (`/touchpoint digest`, the week so far) and
the performance board's CSAT section count them together and say "Deutsch 2, English 1".
With answers in one language only, nothing is said about languages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.scenarios.board import board_kit
from tests.scenarios.board.board_kit import BOARD_ENV
from tests.scenarios.csat.conftest import MORNING
from tests.scenarios.csat.test_csat import ERIN, score_value, survey
from tests.waiting import eventually

GERMAN = {"U0DIET001": "dieter@example.com", "U0DORA001": "dora@example.com"}
COUNTED = "Answered in: Deutsch 2, English 1 (the figures count every language together)"


@pytest.fixture
def settings(make_settings, connector, csat_config):
    def with_digest(raw: dict) -> None:
        raw.update(csat=csat_config, teams={"service_url": connector.url},
                   outbox={"poll_seconds": 0.05})
        raw["digests"] = [{"name": "weekly"}]
        raw["board"] = {"cache_seconds": 0}
    return make_settings(config=with_digest, env=BOARD_ENV)


@pytest.fixture
def slack(slack):
    for user_id, email in GERMAN.items():
        slack.add_user(id=user_id, name=email.split("@")[0], email=email, locale="de-DE")
    return slack


async def answer(slack, slack_sender, user_id: str, score: int) -> None:
    message = survey(slack, user_id)
    await slack_sender.click("csat.score", score_value(message, score), user_id=user_id,
                             channel_id=slack.dm_channel(user_id), message_ts=message["ts"])
    await eventually(lambda: "blocks" in survey(slack, user_id) and any(
        "/5" in block.get("text", {}).get("text", "") for block in survey(slack, user_id)
        ["blocks"] if isinstance(block.get("text"), dict)))


async def lead_digest(slack, slack_sender) -> str:
    slack.clear()
    await slack_sender.command("/touchpoint", "digest", user_id="U0LEAD001")
    [said] = await slack.wait_for_response(1, timeout=20)
    return "\n".join(block["text"]["text"] for block in said.body["blocks"]
                     if isinstance(block.get("text"), dict))


async def board_page(bot, slack, slack_sender) -> str:
    """The board as the IT lead sees it, signed in with a link from Slack."""
    link = await board_kit.ask_link(slack_sender, slack, "U0LEAD001")
    async with board_kit.browser() as http:
        await board_kit.sign_in(http, board_kit.local(link, bot))
        async with http.get(bot.url + "/board") as response:
            assert response.status == 200
            return await response.text()


async def test_the_digest_and_the_board_count_the_answers_in_each_language(
        bot, slack, slack_sender, kit, clock):
    for user_id in GERMAN:
        # They have written to Touchpoint before: it knows their Slack is in German.
        await slack_sender.command("/touchpoint", "settings", user_id=user_id)
    await eventually(lambda: len(slack.responses) == len(GERMAN))
    requesters = [*GERMAN.values(), "erin@example.com"]
    for n, email in enumerate(requesters):
        await kit.resolve(await kit.ticket(f"INC-30{n:02d}", requester_email=email))
    for user_id, score in (("U0DIET001", 5), ("U0DORA001", 2), (ERIN, 4)):
        await answer(slack, slack_sender, user_id, score)

    text = await lead_digest(slack, slack_sender)
    assert "from 3 answers" in text  # pooled: one figure for every language
    assert COUNTED in text

    clock.set(MORNING + timedelta(hours=1))  # the board counts up to the moment it is read
    page = await board_page(bot, slack, slack_sender)
    assert "Answered in: Deutsch 2, English 1" in page


async def test_answers_in_one_language_say_nothing_about_languages(bot, slack, slack_sender,
                                                                   kit):
    await kit.resolve(await kit.ticket("INC-3100"))
    await answer(slack, slack_sender, ERIN, 4)

    text = await lead_digest(slack, slack_sender)
    assert "from 1 answer" in text
    assert "Answered in" not in text
