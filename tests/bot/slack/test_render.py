"""Block Kit rendering of a message's image: where its block goes, and when there is none."""

from __future__ import annotations

from bot.chat.message import Button, Image, Message
from bot.slack.render import MAX_BLOCKS, SlackRenderer
from tests.pngs import bar_chart

CHART = Image(bar_chart(), "CSAT by week: 4.1 rising to 4.6")
HELP = {"usages": ["touchpoint help"], "unknown": None}


def test_the_image_block_follows_the_sections_and_comes_before_the_buttons():
    message = Message("help", HELP, buttons=(Button("help.more", "header"),), image=CHART)

    rendered = SlackRenderer().message(message, image_file="F0123ABCD")

    kinds = [block["type"] for block in rendered["blocks"]]
    assert kinds == ["header", "section", "image", "actions", "context"]
    assert rendered["blocks"][2] == {"type": "image", "slack_file": {"id": "F0123ABCD"},
                                     "alt_text": "CSAT by week: 4.1 rising to 4.6"}
    # Nothing else changes: the same message without its image is the same blocks less one.
    without = SlackRenderer().message(Message("help", HELP, buttons=message.buttons))
    assert [b for b in rendered["blocks"] if b["type"] != "image"] == without["blocks"]
    assert rendered["text"] == without["text"]


def test_without_an_uploaded_file_the_message_goes_without_its_image():
    rendered = SlackRenderer().message(Message("help", HELP, image=CHART))

    assert "image" not in [block["type"] for block in rendered["blocks"]]


def test_a_file_id_without_an_image_adds_nothing():
    rendered = SlackRenderer().message(Message("help", HELP), image_file="F0123ABCD")

    assert "image" not in [block["type"] for block in rendered["blocks"]]


def test_the_image_keeps_its_place_within_slacks_fifty_blocks():
    message = Message("help", HELP, sections=("text",) * 60,
                      buttons=(Button("help.more", "header"),), image=CHART)

    blocks = SlackRenderer().message(message, image_file="F0123ABCD")["blocks"]

    assert len(blocks) == MAX_BLOCKS
    assert [block["type"] for block in blocks[-3:]] == ["image", "actions", "context"]
