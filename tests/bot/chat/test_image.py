"""The image a message may carry: what is refused, how alt text is kept, how it is stored."""

from __future__ import annotations

import json

import pytest

from bot.chat.message import MAX_ALT_TEXT, MAX_IMAGE_BYTES, Image, Message
from tests.pngs import bar_chart, noise, png

CHART = bar_chart()


def test_a_chart_is_an_image_of_its_size():
    image = Image(CHART, "CSAT by week, 4.0 to 4.7")

    assert image.size == (600, 300)
    assert image.digest == Image(CHART, "another description").digest
    assert image.digest != Image(bar_chart((1.0, 2.0)), "x").digest


@pytest.mark.parametrize(("data", "why"), [
    (b"GIF89a" + CHART[6:], "not a complete PNG"),
    (CHART[:-12], "not a complete PNG"),  # cut short: no IEND
    (CHART[:8] + CHART[16:], "not a complete PNG"),  # no IHDR first
    (b"", "not a complete PNG"),
    (noise(600, 600), f"over the {MAX_IMAGE_BYTES:,} bytes"),
    (png(1025, 1, [bytes(1025 * 3)]), "1025x1 pixels"),
    (png(1, 2000, [bytes(3)] * 2000), "1x2000 pixels"),
])
def test_what_is_not_a_png_either_platform_shows_is_refused(data, why):
    with pytest.raises(ValueError, match=why):
        Image(data, "a chart")


@pytest.mark.parametrize("alt_text", ["", "   ", "\n\t", "\x00\x1b\u202e"])
def test_alt_text_is_required(alt_text):
    with pytest.raises(ValueError, match="alt text is required"):
        Image(CHART, alt_text)


def test_alt_text_is_kept_as_one_line_of_plain_text_and_cut_to_slacks_limit():
    image = Image(CHART, "  CSAT\n by\tweek \x1b[31m <!channel>  ")
    assert image.alt_text == "CSAT by week [31m <!channel>"

    long = Image(CHART, "word " * 1000)
    assert len(long.alt_text) == MAX_ALT_TEXT
    assert long.alt_text.endswith("…")


def test_an_image_round_trips_through_json():
    image = Image(CHART, "CSAT by week <@U123> & *more*")

    stored = json.loads(json.dumps(image.to_dict()))

    assert Image.from_dict(stored) == image
    assert Message("help", image=image).image == Image.from_dict(stored)
    with pytest.raises(ValueError, match="not a complete PNG"):
        Image.from_dict({"png": "aGVsbG8=", "alt_text": "hello"})
