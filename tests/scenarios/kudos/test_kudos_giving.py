"""Giving kudos end to end: signed ``/kudos`` commands and form submissions in, DMs, wall
posts (through the outbox) and private answers out through the Slack emulator, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.emulators.slack import SlackEmulator
from bot.flows.kudos.ids import GIVE_FORM, RECIPIENTS, STORY, VALUE, VISIBILITY
from storage import kudos_stats
from storage.kudos import (
    KudosLedger,
    KudosReaction,
    KudosRecipient,
    KudosVoucher,
)
from storage.models import AuditEvent, Person
from storage.outbox import sent_ref
from tests.outbox_kit import outbox_rows
from tests.waiting import eventually

from .conftest import (
    EMPLOYEE,
    EMPLOYEE2,
    LEAD,
    TECH,
    TECH2,
    WALL,
    mention,
    text_of,
)


async def vouchers(bot) -> list[KudosVoucher]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(KudosVoucher))).all())


async def ledger(bot) -> list[KudosLedger]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(KudosLedger))).all())


def dms_to(slack: SlackEmulator, user_id: str) -> list[str]:
    return [text_of(call.args) for call in slack.calls_to("chat.postMessage")
            if call.args["channel"] == user_id]


def wall_posts(slack: SlackEmulator) -> list[str]:
    return [text_of(call.args) for call in slack.calls_to("chat.postMessage")
            if call.args["channel"] == WALL]


async def test_kudos_dms_the_technician_posts_on_the_wall_and_tells_the_giver(bot, slack,
                                                                              kudos):
    answer = await kudos.command(f"{mention(TECH, 'tom.tech')} fixed my laptop before the "
                                 "board meeting")

    assert "Thank you! Your kudos `K-1` is on its way to <@U0TECH001>, and on the kudos " \
           "wall." in answer
    assert "You have 4 kudos left this week." in answer
    await kudos.sent()
    [dm] = dms_to(slack, TECH)
    assert "<@U0EMPL001> says thank you:" in dm
    assert "“fixed my laptop before the board meeting”" in dm
    assert "+10 points: your balance is 10." in dm
    [wall] = wall_posts(slack)
    assert "<@U0EMPL001> thanked <@U0TECH001>:" in wall
    assert "“fixed my laptop before the board meeting”" in wall
    [voucher] = await vouchers(bot)
    assert (voucher.story, voucher.public, voucher.points) == (
        "fixed my laptop before the board meeting", True, 10)
    async with bot.services.sessions() as session:
        post = await sent_ref(session, f"kudos:{voucher.id}:wall", "slack")
    assert post is not None and post.channel == WALL
    async with bot.services.sessions() as session:
        [recipient] = (await session.exec(select(KudosRecipient))).all()
    # The giver's day: Wednesday 4 March in Europe/London.
    assert str(recipient.given_on) == "2026-03-04"
    assert [(e.kind, e.points) for e in await ledger(bot)] == [("give", 10)]
    assert await kudos.balance(TECH) == 10


async def test_several_recipients_each_get_a_voucher_and_one_wall_post(bot, slack, kudos):
    answer = await kudos.command(f"{mention(TECH, 'tom.tech')} and {mention(TECH2, 'tina.tech')}"
                                 ", the office move went without a hitch")

    assert "on its way to <@U0TECH001>, <@U0TECH002>" in answer
    assert "You have 3 kudos left this week." in answer
    await kudos.sent()
    assert len(dms_to(slack, TECH)) == len(dms_to(slack, TECH2)) == 1
    [wall] = wall_posts(slack)
    assert "thanked <@U0TECH001>, <@U0TECH002>:" in wall
    assert "“the office move went without a hitch”" in wall
    assert await kudos.balance(TECH) == await kudos.balance(TECH2) == 10
    [voucher] = await vouchers(bot)
    assert voucher.story == "the office move went without a hitch"


async def test_mentions_inside_the_story_make_recipients_of_them_too(bot, slack, kudos):
    answer = await kudos.command(f"huge thanks to {mention(TECH, 'tom.tech')} for the VPN fix")

    assert "on its way to <@U0TECH001>" in answer
    [voucher] = await vouchers(bot)
    assert voucher.story == "huge thanks to @tom.tech for the VPN fix"


async def test_typed_markup_is_shown_as_text_on_the_wall(bot, slack, kudos):
    # Slack escapes &, < and > in the text of a command with should_escape.
    await kudos.command(f"{mention(TECH, 'tom.tech')} &lt;!channel&gt; &amp; "
                        "&lt;https://evil.example|click&gt; *bold*")
    await kudos.sent()

    [wall] = wall_posts(slack)
    assert "“&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; *bold*”" in wall
    assert "<!channel>" not in wall and "<https://evil" not in wall
    [voucher] = await vouchers(bot)
    assert voucher.story == "<!channel> & <https://evil.example|click> *bold*"


@pytest.mark.parametrize(("text", "user", "expected"), [
    ("great job everyone", EMPLOYEE, "Mention who you want to thank, like "
                                     "`/kudos @name what they did`."),
    (mention(TECH, "tom.tech"), EMPLOYEE, "Add a few words on what they did"),
    (f"{mention(TECH, 'tom.tech')} " + "x" * 1001, EMPLOYEE,
     "Please keep the story under 1000 characters."),
    (f"{mention(TECH, 'tom.tech')} for being me", TECH, "You can't give kudos to yourself"),
    (f"{mention('U0BOTUSER', 'somebot')} thanks", EMPLOYEE, "somebot is a bot"),
    (f"{mention(EMPLOYEE2, 'eve.employee')} thanks", EMPLOYEE,
     "eve.employee isn't on the IT team, so they can't receive kudos."),
    (f"{mention('U0GHOST01', 'ghost')} thanks", EMPLOYEE, "I can't find ghost in Touchpoint."),
    (" ".join(mention(f"U0GHOST{n:02d}", f"ghost{n}") for n in range(11)) + " all of you",
     EMPLOYEE, "Please thank at most 10 people at once."),
])
async def test_each_refusal_explains_itself_and_writes_nothing(bot, slack, kudos, text, user,
                                                               expected):
    answer = await kudos.command(text, user=user)

    assert "Your kudos wasn't sent yet:" in answer
    assert expected in answer
    assert await vouchers(bot) == []
    assert await ledger(bot) == []
    assert await outbox_rows(bot.services) == []
    assert slack.calls_to("chat.postMessage") == []


async def test_every_problem_is_named_at_once(bot, slack, kudos):
    answer = await kudos.command(f"{mention(TECH, 'tom.tech')} {mention(EMPLOYEE2, 'eve')} "
                                 f"{mention('U0BOTUSER', 'somebot')}")

    assert "eve.employee isn't on the IT team" in answer
    assert "somebot is a bot" in answer
    assert "Add a few words" in answer
    assert await vouchers(bot) == []


async def test_one_voucher_per_giver_and_recipient_a_day(bot, slack, kudos, clock):
    await kudos.command(f"{mention(TECH, 'tom.tech')} fixed the printer")

    answer = await kudos.command(f"{mention(TECH, 'tom.tech')} and the scanner")

    assert "You already thanked tom.tech today. Try again tomorrow." in answer
    assert len(await vouchers(bot)) == 1
    await kudos.at(clock.now + timedelta(days=1))
    answer = await kudos.command(f"{mention(TECH, 'tom.tech')} and the scanner")
    assert "on its way to <@U0TECH001>" in answer
    assert await kudos.balance(TECH) == 20


async def test_a_double_submit_is_stored_once(bot, slack, kudos, slack_sender):
    text = f"{mention(TECH, 'tom.tech')} rescued my presentation"

    replies = await asyncio.gather(*(slack_sender.command("/kudos", text, user_id=EMPLOYEE)
                                     for _ in range(3)))

    assert [reply.status for reply in replies] == [200] * 3
    answers = [text_of(post.body) for post in await slack.wait_for_response(3)]
    assert sum("on its way" in answer for answer in answers) == 1
    assert sum("already thanked tom.tech today" in answer for answer in answers) == 2
    assert len(await vouchers(bot)) == 1
    await kudos.sent()
    assert len(wall_posts(slack)) == 1
    assert await kudos.balance(TECH) == 10


async def test_the_weekly_allowance_runs_out_and_says_when_it_comes_back(bot, slack, kudos):
    people = [(TECH, "tom.tech"), (TECH2, "tina.tech"), (LEAD, "lee.lead")]
    for day, (user_id, name) in enumerate(people + people[:2]):
        await kudos.at(datetime(2026, 3, 2, 10, tzinfo=UTC) + timedelta(days=day))
        await kudos.command(f"{mention(user_id, name)} thanks for day {day}")

    await kudos.at(datetime(2026, 3, 7, 10, tzinfo=UTC))
    answer = await kudos.command(f"{mention(LEAD, 'lee.lead')} one more")

    assert "You've given all your kudos for this week." in answer
    # Erin is in Europe/London: Monday 9 March, midnight her time.
    assert "New ones arrive Monday 09 March at 00:00 GMT." in answer
    assert len(await vouchers(bot)) == 5


async def test_allowance_resets_at_midnight_in_the_givers_time_zone(bot, slack, kudos):
    # Lee is in America/New_York. With an allowance of 1, his Sunday kudos uses the week up.
    async def give(when: datetime, user_id: str, name: str) -> str:
        await kudos.at(when)
        return await kudos.command(f"{mention(user_id, name)} kept the lights on", user=LEAD)

    assert "That was your last kudos this week" in await give(
        datetime(2026, 1, 11, 17, tzinfo=UTC), TECH, "tom.tech")  # Sunday 12:00 in New York

    # Sunday 23:59 in New York is already Monday in UTC and in London: still Lee's week.
    refused = await give(datetime(2026, 1, 12, 4, 59, tzinfo=UTC), TECH2, "tina.tech")
    assert "You've given all your kudos for this week." in refused
    assert "New ones arrive Monday 12 January at 00:00 EST." in refused

    # Monday 00:00 in New York: a new week for Lee.
    assert "on its way to <@U0TECH002>" in await give(
        datetime(2026, 1, 12, 5, 0, tzinfo=UTC), TECH2, "tina.tech")
    assert len(await vouchers(bot)) == 2


@pytest.fixture
def config_change(request):
    if request.node.name.startswith("test_allowance_resets"):
        return lambda raw: raw["kudos"].update(weekly_allowance=1)
    return None


async def test_no_text_opens_the_form_and_its_submission_gives_kudos(bot, slack, kudos,
                                                                     slack_sender):
    await slack_sender.command("/kudos", "", user_id=EMPLOYEE)

    [opened] = await slack.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == GIVE_FORM
    blocks = {block["block_id"]: block for block in view["blocks"] if "block_id" in block}
    assert blocks[RECIPIENTS]["element"]["type"] == "multi_users_select"
    assert [o["value"] for o in blocks[VALUE]["element"]["options"]] == [
        "Above and beyond", "Fast fix"]
    assert blocks[VISIBILITY]["element"]["initial_option"]["value"] == "public"

    reply = await slack_sender.submit(
        GIVE_FORM, {RECIPIENTS: [TECH, TECH2], STORY: "Walked me through MFA, twice"},
        selects={VALUE: "Above and beyond", VISIBILITY: "private"}, user_id=EMPLOYEE,
        private_metadata=view["private_metadata"])

    assert reply.status == 200
    [answer] = await slack.wait_for("chat.postEphemeral")
    # Answered where /kudos was typed, visible to Erin only.
    assert (answer.args["channel"], answer.args["user"]) == ("C0GENERAL", EMPLOYEE)
    assert "on its way to <@U0TECH001>, <@U0TECH002>." in text_of(answer.args)
    assert "kudos wall" not in text_of(answer.args)
    await kudos.sent()
    [dm] = dms_to(slack, TECH)
    assert "says thank you for *Above and beyond*:" in dm
    assert "Only you can see this one." in dm
    assert wall_posts(slack) == []
    [voucher] = await vouchers(bot)
    assert (voucher.public, voucher.value) == (False, "Above and beyond")


async def test_an_incomplete_form_gets_a_kind_private_answer(bot, slack, kudos, slack_sender):
    await slack_sender.submit(GIVE_FORM, {RECIPIENTS: [], STORY: ""},
                              selects={VALUE: "Made <b>up</b>", VISIBILITY: "public"},
                              user_id=EMPLOYEE)

    [answer] = await slack.wait_for("chat.postEphemeral")
    assert answer.args["user"] == EMPLOYEE
    text = text_of(answer.args)
    assert "Mention who you want to thank" in text
    assert "Add a few words on what they did" in text
    assert "Made &lt;b&gt;up&lt;/b&gt; isn't one of the values to choose from." in text
    assert await vouchers(bot) == []


async def test_an_admin_revokes_a_voucher_with_a_reason(bot, slack, kudos):
    await kudos.command(f"{mention(TECH, 'tom.tech')} did nothing much really")

    refused = await kudos.command("revoke K-1 abuse", user=LEAD)
    assert "Only admins can revoke kudos." in refused
    assert await kudos.balance(TECH) == 10

    answer = await kudos.command("revoke K-1 given for a bet", user="U0ADMN001")

    assert "Kudos `K-1` to <@U0TECH001> is revoked: given for a bet" in answer
    assert "10 points were taken back" in answer
    assert await kudos.balance(TECH) == 0
    assert [(e.kind, e.points) for e in await ledger(bot)] == [("give", 10), ("adjust", -10)]
    [voucher] = await vouchers(bot)
    assert voucher.revoke_reason == "given for a bet"
    async with bot.services.sessions() as session:
        [event] = (await session.exec(select(AuditEvent))).all()
        admin = (await session.exec(select(Person).where(
            Person.slack_user_id == "U0ADMN001"))).one()
    assert (event.action, event.subject_type, event.subject_id, event.actor_id) == (
        "kudos.revoke", "kudos_voucher", "1", admin.id)
    assert event.detail["reason"] == "given for a bet"
    await kudos.sent()
    [wall] = slack.messages_in(WALL)
    assert "This kudos was withdrawn." in text_of(wall)
    # Updated in place: the DM and the wall post were each sent once.
    assert len(slack.calls_to("chat.update")) == 1
    assert len(slack.calls_to("chat.postMessage")) == 2

    again = await kudos.command("revoke K-1 twice", user="U0ADMN001")
    assert "Kudos `K-1` was already revoked." in again
    assert "There is no kudos `K-9`." in await kudos.command("revoke K-9 x", user="U0ADMN001")
    assert "Say which kudos and why" in await kudos.command("revoke K-1", user="U0ADMN001")


async def test_revoking_after_the_points_were_spent_takes_back_only_what_is_left(
        bot, slack, kudos):
    await kudos.command(f"{mention(TECH, 'tom.tech')} fixed it")
    await kudos.grant(TECH, 15)
    await kudos.command("redeem coffee", user=TECH)  # 25 - 20 = 5 left

    answer = await kudos.command("revoke K-1 duplicate", user="U0ADMN001")

    assert "5 points were taken back" in answer
    assert await kudos.balance(TECH) == 0


async def test_reactions_to_the_wall_post_are_counted_once_each(bot, slack, kudos,
                                                                 slack_sender):
    await kudos.command(f"{mention(TECH, 'tom.tech')} fixed it")
    await kudos.sent()
    [post] = slack.messages_in(WALL)

    def reaction(kind: str, user: str, emoji: str, ts: str = post["ts"]) -> dict:
        return {"type": kind, "user": user, "reaction": emoji, "item_user": "UBOT",
                "item": {"type": "message", "channel": WALL, "ts": ts},
                "event_ts": "1700000001.000100"}

    for event in (reaction("reaction_added", TECH2, "tada"),
                  reaction("reaction_added", LEAD, "tada"),
                  reaction("reaction_added", LEAD, "heart"),
                  reaction("reaction_added", TECH2, "tada"),  # reported twice: counted once
                  reaction("reaction_removed", LEAD, "heart"),
                  reaction("reaction_added", LEAD, "eyes", ts="1600000000.000001")):
        assert (await slack_sender.event(event)).status == 200

    async def reactions() -> list[tuple[str, str]]:
        async with bot.services.sessions() as session:
            return sorted((r.user_id, r.reaction)
                          for r in (await session.exec(select(KudosReaction))).all())

    async def both_counted() -> bool:
        return await reactions() == [(LEAD, "tada"), (TECH2, "tada")]

    await eventually(both_counted)
    async with bot.services.sessions() as session:
        [story] = await kudos_stats.most_reacted_stories(
            session, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert (story.code, story.reactions) == ("K-1", 2)
