"""`Chat.post` to a channel on both platforms: what one platform took is kept when the other
fails."""

from __future__ import annotations

import logging

import pytest

from bot.chat.message import Message
from bot.chat.port import MessageRef, Undeliverable
from bot.chat.router import Chat
from bot.config import ChannelTarget

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
