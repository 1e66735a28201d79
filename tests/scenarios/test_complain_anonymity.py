"""An anonymous complaint stays anonymous: through its whole life (assigned, replied to,
escalated, breached, resolved, reopened, listed, exported), nothing the bot sent to anyone
but the complainant, nothing it logged and nothing it exported carries their id, name or
email; yet IT's reply still reaches them."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

from sqlmodel import select

from bot.flows.complaints import ids
from bot.flows.complaints.export import export_complaints
from bot.flows.complaints.notify import receipt_key
from bot.flows.complaints.sla import complaints_check
from storage.models import AuditEvent, Person
from storage.outbox import OutboxMessage
from tests.scenarios import complaints_kit as kit
from tests.scenarios.complaints_kit import ERIN, LEE, TOM, TRIAGE
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings


async def test_nothing_names_an_anonymous_complainant(bot, slack, slack_sender, connector,
                                                      clock, caplog):
    # What `touchpoint run` logs by default, and everything Touchpoint's own code logs.
    # (Libraries' DEBUG output echoes whole API responses, the directory's included.)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    await slack_sender.command("/complain", "status", user_id=LEE)
    await slack.wait_for_response(1)
    complaint = await kit.file_and_wait(bot, slack_sender, slack, anonymous="yes",
                                        description="The service desk was rude to me")
    number = complaint.number
    card = kit.blocks_text(kit.triage_message(slack, complaint))
    assert "*From*: _anonymous_" in card

    await slack_sender.click(ids.ASSIGN_ME, number, user_id=TOM, channel_id=TRIAGE)
    await eventually(lambda: _thread_has(slack, complaint, 1))
    await slack_sender.submit(ids.REPLY_FORM, {ids.TEXT: "Sorry. Can you tell me when?"},
                              user_id=TOM, private_metadata=number, view_id="V0REPLY01")
    await eventually(lambda: _thread_has(slack, complaint, 2))
    assert "Sorry. Can you tell me when?" in kit.blocks_text(
        kit.dm_thread(slack, ERIN, complaint)[-1])
    await slack_sender.click(ids.ESCALATE, number, user_id=LEE, channel_id=TRIAGE)
    await eventually(lambda: _thread_has(slack, complaint, 3))
    await kit.drained(bot)
    clock.now = kit.MONDAY_9AM + timedelta(hours=9)
    await complaints_check(bot.services, clock.now)
    await kit.drained(bot)
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Spoke to the team"},
                              user_id=TOM, private_metadata=number, view_id="V0RESOLVE1",
                              selects={ids.ROOT_CAUSE: "People"})
    await eventually(lambda: _thread_has(slack, complaint, 4))
    await kit.answer(slack_sender, slack, ids.UNSATISFIED, number)
    await eventually(lambda: _dm_count(slack, TOM, 2))
    await slack_sender.command("/complain", "list", user_id=TOM)
    await slack_sender.command("/complain", f"status {number}", user_id=LEE)
    await slack.wait_for_response(3)
    export = io.StringIO()
    async with bot.services.sessions() as session:
        await export_complaints(session, export, kit.MONDAY_9AM - timedelta(days=1))

    async with bot.services.sessions() as session:
        erin = (await session.exec(select(Person).where(Person.slack_user_id == ERIN))).one()
        trail = (await session.exec(select(AuditEvent))).all()
        outbox = (await session.exec(select(OutboxMessage))).all()
    secrets = {ERIN, erin.display_name, erin.email, "Erin"}
    assert erin.display_name and erin.email  # the directory does know who she is
    seen_by_others = [json.dumps(call.args) for call in slack.calls
                      if not _private_to_erin(slack, call)]
    seen_by_others += [json.dumps(post.body) for post in slack.responses]
    seen_by_others += [json.dumps(call.body) for call in connector.calls]
    assert len(seen_by_others) > 20  # cards, updates, threads, DMs, answers, Teams cards
    # What waits to be sent, or was: the messages to others, whole; and every message's
    # words, even those to her (only her receipt may name her).
    stored = [row.model_dump_json() for row in outbox
              if row.person_id != erin.id and row.channel != ERIN]
    stored += [json.dumps(row.payload) for row in outbox
               if row.key != receipt_key(complaint.id)]
    assert len(stored) > 15 and len({row.key for row in outbox}) > 10
    for secret in secrets:
        assert not [text for text in seen_by_others if secret in text], secret
        assert not [text for text in stored if secret in text], secret
        assert secret not in export.getvalue()
        assert secret not in caplog.text
    assert f"{number},reopened," in export.getvalue()
    assert ",anonymous," in export.getvalue()
    # The audit trail records IT's steps by name and the complainant's by nobody.
    assert {e.action: e.actor_id for e in trail if e.action in ("filed", "reopened")} == {
        "filed": None, "reopened": None}


async def test_a_named_complaint_shows_its_complainant_to_it(bot, slack, slack_sender):
    complaint = await kit.file_and_wait(bot, slack_sender, slack, anonymous="no")

    assert "*From*: erin.employee" in kit.blocks_text(kit.triage_message(slack, complaint))


def _private_to_erin(slack, call) -> bool:
    """A call only Erin sees (her own DMs and Home tab) or that only looks her up."""
    channel = call.args.get("channel")
    return (channel in (ERIN, slack.dm_channel(ERIN))
            or (call.method in ("users.info", "views.publish")
                and ERIN in (call.args.get("user"), call.args.get("user_id"))))


async def _thread_has(slack, complaint, count: int) -> bool:
    return len(kit.dm_thread(slack, ERIN, complaint)) >= count


async def _dm_count(slack, user: str, count: int) -> bool:
    return len(slack.messages_in(slack.dm_channel(user))) >= count
