"""Messages in the reader's language: the closest shipped catalogue wins, words and numbers
come out in it, and a person's text inside a translated sentence is still escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jinja2 import DictLoader

from bot.chat import catalogues
from bot.chat.message import Message
from bot.chat.templates import Templates, templates_for
from bot.chat.text import SLACK, TEAMS
from bot.slack.render import SlackRenderer
from bot.teams.render import TeamsRenderer


@pytest.mark.parametrize(("tag", "expected"), [
    ("de", "de"), ("de-DE", "de"), ("de_AT", "de"), ("DE-ch", "de"), ("en-GB", "en"),
    ("pt-BR", "en"), ("", "en"), (None, "en"), ("not a locale!", "en")])
def test_the_closest_shipped_language_is_chosen(tag, expected):
    assert catalogues.negotiate(tag) == expected


def test_an_unknown_tag_falls_back_to_the_default_given():
    assert catalogues.negotiate("pt-BR", default="de-DE") == "de"


def test_german_is_shipped_beside_english():
    assert catalogues.available()[:1] == ("en",)
    assert "de" in catalogues.available()


def test_a_message_in_german_on_both_platforms():
    message = Message("errors/try_again", locale="de-DE")
    slack = SlackRenderer().message(message)
    teams = TeamsRenderer().message(message)
    assert slack["text"].startswith("Entschuldigung, ich komme gerade nicht")
    assert teams.summary.startswith("Entschuldigung, ich komme gerade nicht")
    assert "Entschuldigung" in teams.attachments[0].content["body"][0]["text"]
    english = SlackRenderer().message(Message("errors/try_again"))
    assert english["text"].startswith("Sorry, I cannot reach my records")


def test_the_renderers_own_language_is_used_when_the_message_has_none():
    german = SlackRenderer(templates_for("slack", "de"))
    assert german.message(Message("errors/unexpected"))["text"].startswith("Entschuldigung")
    english_message = Message("errors/unexpected", locale="en")
    assert german.message(english_message)["text"].startswith("Sorry")


SOURCE = {
    "t.j2": "{% block text %}{% trans name=name %}Thanks, {{ name }}!{% endtrans %} "
            "{% trans who=who | bold %}From {{ who }}.{% endtrans %} "
            "{% trans count=n %}{{ count }} answer{% pluralize %}{{ count }} answers{% endtrans %}"
            "{% endblock %}",
    "n.j2": "{% block text %}{{ share | percent(1) }} {{ big | number }} {{ nps | signed }} "
            "{{ when | local_time('Europe/Berlin') }}{% endblock %}",
}


def _render(dialect, locale, template, **context):
    return Templates(dialect, locale, loader=DictLoader(SOURCE)).render_block(template, "text",
                                                                              context)


@pytest.mark.parametrize("dialect", [SLACK, TEAMS])
def test_typed_text_in_a_translated_sentence_is_escaped_and_markup_kept(dialect):
    text = _render(dialect, "en", "t", name="<!channel> *Ann*", who="Bob", n=2)
    assert dialect.escape("<!channel> *Ann*") in text
    assert dialect.bold("Bob") in text
    assert "2 answers" in text
    assert "1 answer" in _render(dialect, "en", "t", name="x", who="y", n=1)


def test_numbers_percentages_and_times_follow_the_language():
    when = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    english = _render(SLACK, "en", "n", share=85.25, big=12345, nps=7, when=when)
    german = _render(SLACK, "de", "n", share=85.25, big=12345, nps=7, when=when)
    assert english.split()[:3] == ["85.2%", "12,345", "+7"]
    assert german == "85,2\xa0% 12.345 +7 Mi. 01 Juli 2026, 14:00 MESZ"


def test_app_yaml_words_not_given_in_the_readers_language_are_read_in_the_organisations():
    # A third language as app.yaml could give it once its catalogue ships: the English reader
    # of a German organisation reads the German words, not the first ones given.
    loader = DictLoader({"w.j2": "{% block text %}{{ question | wording }}{% endblock %}"})
    organisation = Templates(SLACK, "de", loader=loader)
    question = {"fr": "Êtes-vous satisfait ?", "de": "Sind Sie zufrieden?"}
    assert organisation.localized("en").render_block("w", "text", {"question": question}) \
        == "Sind Sie zufrieden?"
    english_organisation = Templates(SLACK, "en", loader=loader)
    assert english_organisation.localized("de").render_block(
        "w", "text", {"question": {"fr": "Êtes-vous satisfait ?", "en": "Satisfied?"}}) \
        == "Satisfied?"
