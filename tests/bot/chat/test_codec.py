"""A `Message` kept as JSON in the outbox comes back as it was; what JSON cannot keep is
refused when the message is recorded, not when it is sent."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest

from bot.chat.codec import decode, encode
from bot.chat.message import Button, Image, Message, TextField
from bot.chat.text import Formatted
from tests.pngs import bar_chart


def test_a_message_round_trips_through_json():
    message = Message(
        "complaints/triage",
        {"number": "C-2026-0001", "opened": datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
         "due": date(2026, 12, 3), "people": [{"name": "Erin", "since": date(2026, 1, 2)}],
         "flags": (True, None, 2.5)},
        sections=("text", "history"),
        buttons=(Button("complaint.ack", "ack", "12", style="primary"),),
        inputs=(TextField("note", "note_label", multiline=True, required=False),),
        key="complaint:12:triage")
    stored = json.loads(json.dumps(encode(message)))
    back = decode(stored)
    assert back == Message(
        message.template, {**message.context, "flags": [True, None, 2.5]},
        sections=message.sections, buttons=message.buttons, inputs=message.inputs,
        key=message.key)
    assert back.context["opened"].tzinfo is not None


def test_an_image_round_trips_through_json_with_its_alt_text():
    chart = Image(bar_chart(), "CSAT by week: 4.1 to 4.7")
    message = Message("help", {}, image=chart, key="digest:2026-w49:leads")
    back = decode(json.loads(json.dumps(encode(message))))
    assert back.image == chart
    assert back.image.png == chart.png and back.image.alt_text == chart.alt_text


@pytest.mark.parametrize(("context", "problem"), [
    ({"who": object()}, "context.who: object cannot be kept"),
    ({"scores": {1: 2}}, "context.scores: key 1 is not a str"),
    ({"name": Formatted("*bold*")}, "context.name: markup (Formatted)"),
    ({"odd": {"$date": "2026-01-01"}}, "context.odd: a dict with the single key '$date'"),
    ({"deep": [{"x": {1, 2}}]}, "context.deep[0].x: set cannot be kept"),
])
def test_what_json_cannot_keep_is_refused_at_once(context, problem):
    with pytest.raises(TypeError, match=re.escape(problem)):
        encode(Message("help", context))
