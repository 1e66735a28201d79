"""Adaptive Card rendering: structure, escaping of typed Markdown, Teams' size limit, JSON,
and a message's image."""

from __future__ import annotations

import json

import pytest
from jinja2 import DictLoader

from bot.chat.message import Button, ChoiceField, Form, Image, Message, Option, TextField
from bot.chat.templates import Templates
from bot.chat.text import TEAMS
from bot.teams.render import CARD_CONTENT_TYPE, MAX_CARD_BYTES, TeamsRenderer, card_size
from tests.pngs import bar_chart

TEMPLATES = {
    "echo.j2": (
        "{% block header %}Report from {{ name }}{% endblock %}"
        "{% block text %}{{ typed }}{% endblock %}"
        "{% block second %}Line one\nLine two{% endblock %}"
        "{% block footer %}Sent by {{ name }}{% endblock %}"
        "{% block yes %}Yes_please{% endblock %}"
        "{% block no %}No *thanks*{% endblock %}"
        "{% block n %}{{ n }}{% endblock %}"
    ),
    "ask.j2": (
        "{% block title %}Tell us [more]{% endblock %}"
        "{% block text %}About {{ topic }}{% endblock %}"
        "{% block submit %}Send_it{% endblock %}"
        "{% block summary %}Summary (*required*){% endblock %}"
        "{% block category %}Category{% endblock %}"
    ),
}


@pytest.fixture
def renderer() -> TeamsRenderer:
    templates = Templates(TEAMS)
    templates.env.loader = DictLoader(TEMPLATES)
    return TeamsRenderer(templates)


def texts(card: dict) -> list[str]:
    return [block["text"] for block in card["body"] if block["type"] == "TextBlock"]


def test_the_help_message_is_an_adaptive_card_with_header_sections_and_footer():
    activity = TeamsRenderer().message(Message("help", {"usages": ["touchpoint help"],
                                                        "unknown": None}))

    [attachment] = activity.attachments
    assert attachment.content_type == CARD_CONTENT_TYPE
    card = attachment.content
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
    header, text, footer = card["body"]
    assert header == {"type": "TextBlock", "text": "Touchpoint: how can IT help?",
                      "wrap": True, "weight": "Bolder", "size": "Medium"}
    assert text["wrap"] is True
    # The usage is marked up as the Teams dialect marks typed commands.
    assert f"{TEAMS.code('help')}: Show this list of what I can do." in text["text"]
    assert (footer["isSubtle"], footer["size"]) == (True, "Small")
    assert activity.summary == "Touchpoint: how can IT help?"


def test_typed_markdown_is_escaped(renderer):
    typed = "**bold** [click](https://evil.example) _it_ <at>all</at> # big\n- item"

    card = renderer.message_card(Message("echo", {"typed": typed, "name": "Ann"}))

    text = texts(card)[1]
    assert "**bold**" not in text and "[click](" not in text
    assert r"\*\*bold\*\* \[click\](https://evil.example) \_it\_ \<at\>all\</at\> \# big" in text
    assert text.endswith(r"\- item")


def test_each_line_is_its_own_paragraph(renderer):
    card = renderer.message_card(Message("echo", {"typed": "x", "name": "Ann"},
                                         sections=("text", "second")))

    assert texts(card)[2] == "Line one\n\nLine two"


def test_buttons_are_submit_actions_with_plain_titles_six_to_a_row(renderer):
    buttons = (Button("csat.rate", "yes", "1", style="primary"),
               Button("csat.rate", "no", "2", style="danger"),
               *(Button("nps.score", "n", str(n)) for n in range(6)))

    card = renderer.message_card(Message("echo", {"typed": "x", "name": "Ann", "n": 7},
                                         buttons=buttons))

    rows = [block["actions"] for block in card["body"] if block["type"] == "ActionSet"]
    assert [len(row) for row in rows] == [6, 2]
    first, second = rows[0][:2]
    assert first == {"type": "Action.Submit", "title": "Yes_please", "style": "positive",
                     "data": {"action_id": "csat.rate", "value": "1"}}
    assert (second["title"], second["style"]) == (r"No *thanks*", "destructive")
    assert card["body"][-1]["text"] == "Sent by Ann"  # the footer stays last


def test_message_inputs_sit_on_the_card_above_its_buttons(renderer):
    message = Message("echo", {"typed": "x", "name": "Ann", "n": 7},
                      buttons=(Button("csat.score", "n", "3:5"),),
                      inputs=(TextField("comment", "no", multiline=True, required=False,
                                        initial="so far so good", max_length=500),))

    body = renderer.message_card(message)["body"]

    [field] = [block for block in body if block["type"] == "Input.Text"]
    assert field == {"type": "Input.Text", "id": "comment", "label": "No *thanks*",
                     "isMultiline": True, "isRequired": False, "maxLength": 500,
                     "value": "so far so good"}
    kinds = [block["type"] for block in body]
    assert kinds.index("Input.Text") < kinds.index("ActionSet")


@pytest.mark.parametrize("unit", ["a", "é", "😀", '"', "\\", "x\n", "\x00", "*"])
def test_a_huge_text_is_cut_to_fit_teams_limit(renderer, unit):
    typed = unit * 200_000

    card = renderer.message_card(Message("echo", {"typed": typed, "name": "Ann"}))

    assert card_size(card) <= MAX_CARD_BYTES
    header, text, footer = texts(card)
    assert (header, footer) == ("Report from Ann", "Sent by Ann")
    assert text.endswith("…")
    assert len(text) > MAX_CARD_BYTES // 20  # cut to fit, not emptied


def test_a_long_name_in_every_block_still_fits(renderer):
    name = "N" * 20_000

    card = renderer.message_card(Message("echo", {"typed": "t" * 20_000, "name": name}))

    assert card_size(card) <= MAX_CARD_BYTES
    assert all(text for text in texts(card))


@pytest.mark.parametrize("typed", [
    '"}], "actions": [{"type": "Action.OpenUrl", "url": "https://evil"}]}',
    "back\\slash \\\" quote",
    "</script><script>alert(1)</script>",
    "tab\tnull\x00bell\x07 line\u2028separator",
    "lone surrogate \ud800 here",
])
def test_the_activity_is_always_valid_json_carrying_the_text(renderer, typed):
    activity = renderer.message(Message("echo", {"typed": typed, "name": "Ann"}))

    payload = json.dumps(activity.serialize())
    parsed = json.loads(payload)
    [attachment] = parsed["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    body = attachment["content"]["body"]
    assert TEAMS.escape(typed) == body[1]["text"]
    assert "actions" not in attachment["content"]


def test_a_form_is_a_card_with_inputs_and_a_submit_carrying_callback_and_metadata(renderer):
    form = Form("ask", "complaint.new", fields=(
        TextField("summary", "summary", multiline=True, initial="draft", max_length=500),
        ChoiceField("category", "category", options=(
            Option("network", "Network *and* Wi-Fi"), Option("laptop", "Laptop\\Desktop")),
            required=False, initial="laptop"),
    ), context={"topic": "*your* issue"}, metadata='{"ticket": "INC-1"}')

    activity = renderer.form(form)

    card = activity.attachments[0].content
    title, text, summary, category = card["body"]
    assert (title["text"], title["weight"]) == ("Tell us [more]", "Bolder")
    assert text["text"] == r"About \*your\* issue"
    assert summary == {"type": "Input.Text", "id": "summary", "label": "Summary (*required*)",
                       "isMultiline": True, "isRequired": True, "maxLength": 500,
                       "value": "draft"}
    assert category == {"type": "Input.ChoiceSet", "id": "category", "label": "Category",
                        "style": "compact", "isRequired": False, "value": "laptop",
                        "choices": [{"title": "Network *and* Wi-Fi", "value": "network"},
                                    {"title": "Laptop\\Desktop", "value": "laptop"}]}
    assert card["actions"] == [{"type": "Action.Submit", "title": "Send_it",
                                "data": {"callback_id": "complaint.new",
                                         "metadata": '{"ticket": "INC-1"}'}}]
    assert activity.summary == "Tell us [more]"


def test_form_metadata_over_the_limit_is_refused(renderer):
    form = Form("ask", "complaint.new", fields=(), context={"topic": "x"},
                metadata="m" * 3001)

    with pytest.raises(ValueError, match="3,000"):
        renderer.form(form)


CHART = Image(bar_chart(), "CSAT by week: 4.1 rising to 4.6")
LINK = "https://touchpoint.example.com/images/abc.1767225600.sig"


def test_the_image_follows_the_sections_and_comes_before_the_buttons(renderer):
    message = Message("echo", {"name": "Ann", "typed": "hi", "n": 1},
                      buttons=(Button("a", "yes"),), image=CHART)

    card = renderer.message_card(message, image_url=LINK)

    kinds = [element["type"] for element in card["body"]]
    assert kinds == ["TextBlock", "TextBlock", "Image", "ActionSet", "TextBlock"]
    assert card["body"][2] == {"type": "Image", "url": LINK,
                               "altText": "CSAT by week: 4.1 rising to 4.6"}
    without = renderer.message_card(Message("echo", message.context, buttons=message.buttons))
    assert [e for e in card["body"] if e["type"] != "Image"] == without["body"]


def test_without_a_link_the_card_goes_without_its_image(renderer):
    message = Message("echo", {"name": "Ann", "typed": "hi", "n": 1}, image=CHART)

    assert "Image" not in [e["type"] for e in renderer.message_card(message)["body"]]
    activity = renderer.message(message, image_url=LINK)
    assert "Image" in [e["type"] for e in activity.attachments[0].content["body"]]


def test_a_card_with_its_image_link_still_fits_teams_limit(renderer):
    message = Message("echo", {"name": "Ann", "typed": "x" * 60_000, "n": 1}, image=CHART)

    card = renderer.message_card(message, image_url=LINK)

    assert card_size(card) <= MAX_CARD_BYTES
    assert card["body"][-2]["url"] == LINK


def test_the_notification_summary_is_plain_text_never_markdown():
    """Teams shows a summary in notifications and the activity feed as it is: bold, code and
    escapes would show as asterisks and backslashes."""
    answered = Message("csat/notice", {"score": 5}, sections=("answered",))
    typed = Message("kudos/received", {
        "giver": {"name": "Ann *the* [boss]", "slack_id": None}, "story": "fixed *VPN* #1",
        "value": None, "points": 10, "balance": 10, "public": True})

    summary = TeamsRenderer().message(answered).summary

    assert summary == "You already answered this survey (you gave 5/5). Thank you!"
    assert "\\" not in TeamsRenderer().message(typed).summary
    assert "Ann *the* [boss]" in TeamsRenderer().message(typed).summary
