"""Help, end to end: a signed slash command in, the answer out through the Slack emulator."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import select

from bot.chat.text import ECHO_LIMIT
from storage.models import Person


async def test_slash_help_answers_privately_with_the_commands(bot, slack, slack_sender):
    reply = await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")

    assert reply.status == 200
    [posted] = await slack.wait_for_response(1)
    assert posted.body["response_type"] == "ephemeral"
    blocks = posted.body["blocks"]
    assert blocks[0] == {"type": "header", "text": {
        "type": "plain_text", "text": "Touchpoint: how can IT help?", "emoji": True}}
    assert "`/touchpoint help`: Show this list of what I can do." in blocks[1]["text"]["text"]
    assert posted.body["text"] == "Touchpoint: how can IT help?"


async def test_help_shows_how_to_use_each_command_with_its_words(bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")

    [posted] = await slack.wait_for_response(1)
    text = posted.body["blocks"][1]["text"]["text"]
    assert "• `/complain what went wrong`: Tell IT about a problem" in text
    assert "• `/kudos @name what they did`: Thank someone in IT" in text
    assert "• `/complain status [NUMBER]`:" in text
    assert "• `/kudos leaderboard [week|month|quarter|year]`:" in text
    assert "• `/touchpoint pulses off|on`:" in text


async def test_first_contact_adds_the_person_to_the_directory(bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")
    await slack.wait_for_response(1)

    [lookup] = slack.calls_to("users.info")
    assert lookup.args["user"] == "U0EMPL001"
    async with bot.services.sessions() as session:
        person = (await session.exec(select(Person))).one()
    assert (person.slack_user_id, person.email, person.tz, person.role) == (
        "U0EMPL001", "erin@example.com", "Europe/London", "employee")
    assert person.segments == {"department": "Finance"}


async def unknown_word_answer(slack, slack_sender) -> tuple[str, dict[str, Any]]:
    """Erin types "<!channel>&more" after /touchpoint; the text of the answer's second block,
    and the whole answer."""
    # What Slack sends for a typed "<!channel>&more": the template escapes it again, once.
    await slack_sender.command("/touchpoint", "&lt;!channel&gt;&amp;more", user_id="U0EMPL001")
    [posted] = await slack.wait_for_response(1)
    return posted.body["blocks"][1]["text"]["text"], posted.body


async def test_unknown_word_is_named_back_escaped(bot, slack, slack_sender):
    text, body = await unknown_word_answer(slack, slack_sender)

    assert "Sorry, I don't know `&lt;!channel&gt;&amp;more`." in text
    assert "<!channel>" not in str(body)


async def test_simultaneous_first_requests_add_the_person_once(bot, slack, slack_sender):
    replies = await asyncio.gather(*(
        slack_sender.command("/touchpoint", "help", user_id="U0EMPL001") for _ in range(8)))

    assert [reply.status for reply in replies] == [200] * 8
    posted = await slack.wait_for_response(8)
    assert all(p.body["text"] == "Touchpoint: how can IT help?" for p in posted)
    async with bot.services.sessions() as session:
        people = (await session.exec(select(Person))).all()
    assert [person.slack_user_id for person in people] == ["U0EMPL001"]


async def test_a_long_unknown_word_is_named_back_cut_short(bot, slack, slack_sender):
    word = "x" * 4000
    await slack_sender.command("/touchpoint", word, user_id="U0EMPL001")

    [posted] = await slack.wait_for_response(1)
    text = posted.body["blocks"][1]["text"]["text"]
    shown = f"Sorry, I don't know `{'x' * (ECHO_LIMIT - 1)}…`. Here is what I can do:"
    assert shown in text
    assert "x" * ECHO_LIMIT not in str(posted.body)


async def test_markup_in_an_unknown_word_shows_as_typed(bot, slack, slack_sender):
    # Slack has no escape for * _ ~ `: the word goes in a code span, where they show as typed,
    # with a backtick (which would close it) swapped for a look-alike.
    await slack_sender.command("/touchpoint", "*b*_i_~s~`c`", user_id="U0EMPL001")

    [posted] = await slack.wait_for_response(1)
    text = posted.body["blocks"][1]["text"]["text"]
    assert "Sorry, I don't know `*b*_i_~s~ʼcʼ`. Here" in text  # noqa: RUF001
