"""Which language a person reads: their choice in settings, else what their platform gives,
else the organisation's (the renderer's own); stamped by the chat port on what it sends them,
on forms and private answers by the origin, and on channel posts by the channel's language."""

from __future__ import annotations

import pytest

from bot.chat import catalogues
from bot.chat.message import Form, Message
from bot.chat.port import MessageRef, Origin
from bot.chat.router import Chat, in_reader_language, reader_locale
from bot.config import ChannelTarget
from storage.models import Person


@pytest.mark.parametrize(("chosen", "platform", "expected"), [
    ("en", "de-DE", "en"),      # settings beat the platform
    (None, "de-DE", "de-DE"),   # then the platform's locale
    (None, None, None),         # then the organisation's: left to the renderer
    ("de", None, "de"),
])
def test_settings_then_platform_then_organisation(chosen, platform, expected):
    person = Person(id=1, slack_user_id="U1", locale=chosen, platform_locale=platform)

    assert reader_locale(person) == expected
    assert in_reader_language(Message("help"), person).locale == expected


def test_a_language_a_flow_chose_is_kept():
    person = Person(id=1, slack_user_id="U1", locale="de")
    assert in_reader_language(Message("help", locale="en"), person).locale == "en"


class Recorder:
    """One platform that keeps what it was asked to show."""

    platform = "slack"

    def __init__(self) -> None:
        self.shown: list[Message | Form] = []

    async def send_dm(self, user_id: str, message: Message) -> MessageRef:
        self.shown.append(message)
        return MessageRef("slack", user_id, "1")

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        self.shown.append(message)
        return MessageRef("slack", channel_id, "1")

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        self.shown.append(message)

    async def open_form(self, origin: Origin, form: Form) -> None:
        self.shown.append(form)

    async def publish_home(self, user_id: str, message: Message) -> None:
        self.shown.append(message)


async def test_the_port_stamps_every_kind_of_message_in_one_place():
    slack = Recorder()
    chat = Chat(slack)
    german = Person(id=1, slack_user_id="U1", platform_locale="de-DE")
    origin = Origin("slack", "U1", locale="de-DE")

    await chat.send_dm(german, Message("help"))
    await chat.publish_home("slack", german, Message("help"))
    await chat.reply_privately(origin, Message("help"))
    await chat.open_form(origin, Form("complaints/form", "c", ()))
    await chat.post(ChannelTarget(slack="C0DIGEST1", locale="en"), Message("help"))
    await chat.post(ChannelTarget(slack="C0DIGEST1"), Message("help"))

    assert [shown.locale for shown in slack.shown] == ["de-DE"] * 4 + ["en", None]


@pytest.mark.parametrize(("wording", "tag", "default", "expected"), [
    ("Wie war es?", "en", None, "Wie war es?"),
    ({"en": "How was it?", "de": "Wie war es?"}, "de-AT", "en", "Wie war es?"),
    ({"en": "How was it?", "de": "Wie war es?"}, "pt-BR", "de", "Wie war es?"),
    ({"de": "Wie war es?", "en": "How was it?"}, None, None, "Wie war es?"),
])
def test_app_yaml_words_in_the_readers_language(wording, tag, default, expected):
    assert catalogues.pick(wording, tag, default) == expected


def test_unshipped_languages_are_told_apart():
    assert catalogues.shipped("de-CH") == "de"
    assert catalogues.shipped("fr") is None
    with pytest.raises(ValueError, match="the languages shipped are en, de"):
        catalogues.refuse_unshipped("fr")


@pytest.mark.parametrize(("value", "kept"), [
    ("de-DE", "de-DE"), ("en_GB", "en_GB"), ("fr", "fr"), ("zh-Hant-TW", "zh-Hant-TW"),
    ("", None), (None, None), (42, None), ("de\x00", None), ("<script>", None), ("x" * 40, None)])
def test_only_a_language_tag_is_kept_from_what_a_platform_sends(value, kept):
    assert catalogues.language_tag(value) == kept
