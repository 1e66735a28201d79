"""`Chat.post` to a channel on both platforms: what one platform took is kept when the other
fails. `Chat.send_dm` to someone on both: where they chose, else where they last acted, and on
the other platform when the first cannot reach them."""

from __future__ import annotations

import logging

import pytest

from bot.chat.message import Message
from bot.chat.port import MessageRef, Undeliverable
from bot.chat.router import Chat
from bot.config import ChannelTarget
from storage.models import Person

BOTH = ChannelTarget(slack="C0TRIAGE1", teams="19:triage@thread.tacv2")
MESSAGE = Message("help")


class Platform:
    """One platform's `post`: records where it posted, or fails as told."""

    def __init__(self, platform: str, fails: bool = False):
        self.platform = platform
        self.fails = fails

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        if self.fails:
            raise Undeliverable(f"{self.platform} is down")
        return MessageRef(self.platform, channel_id, f"{self.platform}-1")

    async def send_dm(self, user_id: str, message: Message) -> MessageRef:
        return await self.post(user_id, message)


async def test_posts_on_both_platforms():
    refs = await Chat(Platform("slack"), Platform("teams")).post(BOTH, MESSAGE)

    assert refs == [MessageRef("slack", "C0TRIAGE1", "slack-1"),
                    MessageRef("teams", "19:triage@thread.tacv2", "teams-1")]


@pytest.mark.parametrize("down", ["slack", "teams"])
async def test_one_platform_failing_keeps_the_others_post_and_is_logged(down, caplog):
    chat = Chat(Platform("slack", fails=down == "slack"), Platform("teams", fails=down == "teams"))

    with caplog.at_level(logging.WARNING, logger="bot.chat.router"):
        refs = await chat.post(BOTH, MESSAGE)

    assert [ref.platform for ref in refs] == ["teams" if down == "slack" else "slack"]
    [record] = caplog.records
    assert f"to the {down} channel failed" in record.getMessage()
    assert str(record.exc_info[1]) == f"{down} is down"


async def test_raises_the_first_failure_when_no_platform_took_the_post_and_logs_the_rest(
        caplog):
    chat = Chat(Platform("slack", fails=True), Platform("teams", fails=True))

    with caplog.at_level(logging.WARNING, logger="bot.chat.router"), \
            pytest.raises(Undeliverable, match="slack is down"):
        await chat.post(BOTH, MESSAGE)
    [record] = caplog.records
    assert str(record.exc_info[1]) == "teams is down"


BOTH_ACCOUNTS = {"slack_user_id": "U0EMPL001", "teams_user_id": "6f2a1c3b-aad"}


@pytest.mark.parametrize(("preferred", "last", "expected"), [
    (None, None, "slack"), (None, "teams", "teams"), ("slack", "teams", "slack"),
    ("teams", "slack", "teams")])
async def test_a_dm_goes_where_they_chose_else_where_they_last_acted(preferred, last,
                                                                     expected):
    person = Person(id=1, preferred_platform=preferred, last_platform=last, **BOTH_ACCOUNTS)

    ref = await Chat(Platform("slack"), Platform("teams")).send_dm(person, MESSAGE)

    assert ref.platform == expected


async def test_a_dm_one_platform_cannot_deliver_goes_on_the_other():
    person = Person(id=1, last_platform="slack", **BOTH_ACCOUNTS)

    ref = await Chat(Platform("slack", fails=True), Platform("teams")).send_dm(person, MESSAGE)

    assert ref == MessageRef("teams", "6f2a1c3b-aad", "teams-1")
    with pytest.raises(Undeliverable, match="teams is down"):
        await Chat(Platform("slack", fails=True), Platform("teams", fails=True)).send_dm(
            person, MESSAGE)
