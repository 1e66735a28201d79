"""Complaints over Slack, end to end: /complain opens the form, a valid submission is stored
once with a tracking number, the complainant gets a receipt, triage gets a card (on Slack and
Teams), and the card's buttons move the complaint through its life."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlmodel import select

from bot.flows.complaints import ids
from bot.flows.complaints.notify import triage_key
from storage.complaints import Complaint
from storage.models import Person
from tests.scenarios import complaints_kit as kit
from tests.scenarios.complaints_kit import ERIN, LEE, TEAMS_TRIAGE, TOM, TRIAGE
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings


async def test_complain_opens_the_form_with_the_typed_text(bot, slack, slack_sender):
    # What Slack sends for a typed "the VPN drops <!channel>".
    reply = await slack_sender.command("/complain", "the VPN drops &lt;!channel&gt;",
                                       user_id=ERIN)

    assert reply.status == 200
    view = await kit.opened_view(slack)
    assert view["callback_id"] == ids.FILE_FORM
    inputs = kit.inputs_of(view)
    assert list(inputs) == ["description", "service", "category", "impact", "ticket",
                            "anonymous"]
    # Shown as typed in a plain-text input, where Slack does not read markup.
    assert inputs["description"]["initial_value"] == "the VPN drops <!channel>"
    assert [o["value"] for o in inputs["service"]["options"]][:2] == [
        "Service desk", "Laptops and devices"]
    assert [o["text"]["text"] for o in inputs["impact"]["options"]] == [
        "Low: an annoyance", "Medium: it slowed my work", "High: it stopped my work"]
    assert await kit.complaints(bot) == []


async def test_a_complaint_is_stored_receipted_and_carded(bot, slack, slack_sender,
                                                          connector):
    complaint = await kit.file_and_wait(bot, slack_sender, slack, ticket="inc0012345",
                                        description="Nobody answered <!channel> for *days*")

    assert complaint.number == "CMP-2026-0001"
    assert (complaint.status, complaint.impact, complaint.ticket, complaint.anonymous) == (
        "new", "high", "INC0012345", False)
    # High impact: 1 business hour to acknowledge, 8 to resolve (09:00-17:00 weekdays).
    assert complaint.acknowledge_due_at == kit.MONDAY_9AM + timedelta(hours=1)
    assert complaint.resolve_due_at == kit.MONDAY_9AM + timedelta(hours=8)
    receipt = kit.receipt(slack, ERIN, complaint)
    assert "We have your complaint: CMP-2026-0001" in kit.blocks_text(receipt)
    assert "within 1 business hour," in kit.blocks_text(receipt)
    card = kit.triage_message(slack, complaint)
    text = kit.blocks_text(card)
    assert "Complaint CMP-2026-0001" in text and "erin.employee" in text
    assert "Nobody answered &lt;!channel&gt; for *days*" in text  # the mention made inert
    assert "<!channel>" not in text
    assert kit.button_ids(card) == [ids.ASSIGN_ME, ids.ASSIGN_START,
                                    ids.ACKNOWLEDGE, ids.RESOLVE_START,
                                    ids.ESCALATE, ids.REPLY_START]
    [teams_card] = connector.activities_in(TEAMS_TRIAGE)
    assert "CMP-2026-0001" in json.dumps(teams_card)
    assert await kit.sent_on(bot, triage_key(complaint.id)) == {"slack", "teams"}
    [filed] = await kit.audit_trail(bot, complaint.number)
    assert (filed.action, filed.detail["to"]) == ("filed", "new")
    assert filed.actor_id is not None


async def test_an_invalid_form_gets_its_errors_in_the_modal_and_nothing_is_stored(
        bot, slack, slack_sender):
    reply = await kit.submit_complaint(slack_sender, description="   ", service="Canteen",
                                       ticket="not a ticket!", impact="huge")

    assert reply.status == 200
    assert reply.json() == {"response_action": "errors", "errors": {
        ids.DESCRIPTION: "Please tell us what happened.",
        ids.SERVICE: "Please choose a service from the list.",
        ids.IMPACT: "Please choose low, medium or high.",
        ids.TICKET: "That does not look like a ticket number (like INC0012345 or SD-42). "
                  "Leave it empty if you are not sure.",
    }}
    await asyncio.sleep(0.2)
    assert await kit.complaints(bot) == []
    assert slack.calls_to("chat.postMessage") == []


async def test_an_over_long_description_is_refused_in_the_form(bot, slack_sender):
    reply = await kit.submit_complaint(slack_sender, description="x" * 3001)

    assert set(reply.json()["errors"]) == {"description"}
    assert await kit.complaints(bot) == []


async def test_a_double_submit_stores_one_complaint(bot, slack, slack_sender):
    view = kit.new_view_id()
    replies = await asyncio.gather(*(kit.submit_complaint(slack_sender, view_id=view)
                                     for _ in range(3)))

    assert [r.status for r in replies] == [200] * 3
    await slack.wait_for("chat.postMessage", 2)  # receipt + triage card
    await asyncio.sleep(0.3)
    rows = await kit.complaints(bot)
    assert [c.number for c in rows] == ["CMP-2026-0001"]
    receipts = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == ERIN]
    assert len(receipts) == 1
    # The next complaint gets the next number: the duplicates gave theirs back.
    second = await kit.file_and_wait(bot, slack_sender, slack)
    assert second.number == "CMP-2026-0002"


async def test_full_lifecycle_with_notifications(bot, slack, slack_sender, connector, clock):
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    number = complaint.number

    # IT takes it on: the card updates in place, the complainant hears in their thread.
    await kit.drained(bot)
    clock.now += timedelta(minutes=20)
    await slack_sender.click(ids.ASSIGN_ME, number, user_id=TOM, channel_id=TRIAGE)
    await eventually(lambda: _status_is(bot, "in_progress"))
    await kit.drained(bot)
    card = kit.triage_message(slack, complaint)
    assert "*Status*: in progress · *Owner*: tom.tech" in kit.blocks_text(card)
    assert ids.ACKNOWLEDGE not in kit.button_ids(card)
    [taken] = kit.dm_thread(slack, ERIN, complaint)
    assert "tom.tech has taken on your complaint" in kit.blocks_text(taken)
    teams_updates = connector.calls_of("update")
    assert teams_updates and "in progress" in json.dumps(teams_updates[-1].body)

    # Resolving asks for a note and a root cause in a form.
    await kit.drained(bot)
    clock.now += timedelta(hours=2)
    await slack_sender.click(ids.RESOLVE_START, number, user_id=TOM,
                             channel_id=TRIAGE)
    view = await kit.opened_view(slack)
    assert (view["callback_id"], view["private_metadata"]) == (ids.RESOLVE_FORM, number)
    empty = await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: ""}, user_id=TOM,
                                      private_metadata=number, view_id="V0RESOLVE1",
                                      selects={ids.ROOT_CAUSE: "Process"})
    assert empty.json()["errors"] == {
        ids.NOTE: "Please say how it was resolved: the complainant will read it."}
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Replaced the <fuser> unit"},
                              user_id=TOM, private_metadata=number, view_id="V0RESOLVE1",
                              selects={ids.ROOT_CAUSE: "Tooling"})
    await eventually(lambda: _thread_has(slack, complaint, 2))
    resolved = kit.dm_thread(slack, ERIN, complaint)[-1]
    assert "Replaced the &lt;fuser&gt; unit" in kit.blocks_text(resolved)
    assert kit.button_ids(resolved) == [ids.SATISFIED, ids.UNSATISFIED]
    [row] = await kit.complaints(bot)
    assert (row.status, row.root_cause, row.owner_id is not None) == ("resolved", "Tooling",
                                                                      True)
    assert row.acknowledge_business_s == 20 * 60
    assert row.resolve_business_s == (2 * 60 + 20) * 60

    # "No" reopens it and tells the owner; resolving again and "Yes" closes it.
    await kit.answer(slack_sender, slack, ids.UNSATISFIED, number)
    await eventually(lambda: _status_is(bot, "reopened"))
    await eventually(lambda: _dm_to(slack, TOM, "not satisfied with the resolution"))
    await eventually(lambda: _answered(slack, complaint, 1))
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Swapped the printer"},
                              user_id=TOM, private_metadata=number, view_id="V0RESOLVE2",
                              selects={ids.ROOT_CAUSE: "Tooling"})
    await eventually(lambda: _status_is(bot, "resolved"))
    await kit.answer(slack_sender, slack, ids.SATISFIED, number)
    await eventually(lambda: _status_is(bot, "closed"))
    # Each question now shows its answer instead of the buttons.
    await eventually(lambda: _answered(slack, complaint, 2))
    answered = [kit.blocks_text(m) for m in kit.dm_thread(slack, ERIN, complaint)
                if "You told us" in kit.blocks_text(m)]
    assert ["not satisfied" in text for text in answered] == [True, False]
    await kit.drained(bot)
    card = kit.triage_message(slack, complaint)
    assert kit.button_ids(card) == []
    await eventually(lambda: _thread_has(slack, complaint, 5))
    assert "is closed" in kit.blocks_text(kit.dm_thread(slack, ERIN, complaint)[-1])

    trail = [(e.action, e.detail.get("from"), e.detail.get("to"))
             for e in await kit.audit_trail(bot, number)]
    assert trail == [("filed", None, "new"), ("assigned", "new", "in_progress"),
                     ("resolved", "in_progress", "resolved"),
                     ("reopened", "resolved", "reopened"),
                     ("resolved", "reopened", "resolved"), ("closed", "resolved", "closed")]
    [row] = await kit.complaints(bot)
    assert (row.satisfied, row.reopen_count, row.closed_at) == (True, 1, clock.now)
    registry = bot.services.metrics.registry
    assert {event: registry.get_sample_value("touchpoint_complaints_total", {"event": event})
            for event in ("filed", "assigned", "resolved", "reopened", "closed")} == {
        "filed": 1, "assigned": 1, "resolved": 2, "reopened": 1, "closed": 1}


async def test_employees_cannot_act_on_complaints(bot, slack, slack_sender):
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    number = complaint.number
    slack.clear()

    for action in (ids.ACKNOWLEDGE, ids.ASSIGN_ME, ids.ESCALATE,
                   ids.RESOLVE_START, ids.ASSIGN_START, ids.REPLY_START):
        await slack_sender.click(action, number, user_id=ERIN, channel_id=TRIAGE)
    answers = await slack.wait_for_response(6)
    assert all("Only IT staff can do that" in kit.blocks_text(a.body) for a in answers)
    # A crafted form submission is refused on the server too.
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "I fixed it myself"},
                              user_id=ERIN, private_metadata=number,
                              selects={ids.ROOT_CAUSE: "Process"})
    [refused] = await slack.wait_for("chat.postEphemeral")
    assert "Only IT staff can do that" in kit.blocks_text(refused.args)
    await asyncio.sleep(0.2)
    [row] = await kit.complaints(bot)
    assert (row.status, row.owner_id, row.escalated) == ("new", None, False)
    assert [e.action for e in await kit.audit_trail(bot, number)] == ["filed"]
    assert slack.calls_to("chat.update") == []
    assert slack.calls_to("views.open") == []


async def test_someone_else_cannot_answer_for_the_complainant(bot, slack, slack_sender):
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Done"}, user_id=TOM,
                              private_metadata=complaint.number,
                              selects={ids.ROOT_CAUSE: "Process"})
    await eventually(lambda: _status_is(bot, "resolved"))

    await kit.answer(slack_sender, slack, ids.UNSATISFIED, complaint.number, TOM)

    [answer] = await slack.wait_for_response(1)
    assert "could not find a complaint" in kit.blocks_text(answer.body)
    [row] = await kit.complaints(bot)
    assert row.status == "resolved"


async def test_status_shows_own_complaints_and_list_is_for_it_staff(bot, slack,
                                                                    slack_sender):
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    slack.clear()

    await slack_sender.command("/complain", "status", user_id=ERIN)
    [mine] = await slack.wait_for_response(1)
    assert f"`{complaint.number}` Service desk: new" in kit.blocks_text(mine.body)

    await slack_sender.command("/complain", f"status {complaint.number.lower()}", user_id=ERIN)
    await slack_sender.command("/complain", f"status {complaint.number}", user_id=LEE)
    await slack_sender.command("/complain", "list", user_id=ERIN)
    await slack_sender.command("/complain", "list", user_id=TOM)
    answers = [a.body for a in await slack.wait_for_response(5)]
    texts = {kit.blocks_text(a) for a in answers}
    assert any("Complaint CMP-2026-0001" in t and "filed" in t for t in texts)
    assert any("The list of open complaints is for IT staff" in t for t in texts)
    assert any("Open complaints" in t and "unowned" in t for t in texts)
    # The lead is IT, so may read it; an employee who is not the complainant may not.
    async with bot.services.sessions() as session:
        session.add(Person(slack_user_id="U0OTHER01", display_name="otto", role="employee"))
        await session.commit()
    await slack_sender.command("/complain", f"status {complaint.number}", user_id="U0OTHER01")
    answer = (await slack.wait_for_response(6))[-1]
    assert "could not find a complaint" in kit.blocks_text(answer.body)


async def test_a_person_is_limited_to_five_complaints_an_hour(bot, slack, slack_sender,
                                                             clock):
    for _ in range(5):
        await kit.file_and_wait(bot, slack_sender, slack)
        clock.now += timedelta(minutes=5)

    refused = await kit.submit_complaint(slack_sender)
    assert "paused new ones" in refused.json()["errors"]["description"]
    await slack_sender.command("/complain", "once more", user_id=ERIN)
    [answer] = await slack.wait_for_response(1)
    assert "You have sent 5 complaints in the last 60 minutes" in kit.blocks_text(answer.body)
    assert len(await kit.complaints(bot)) == 5

    clock.now += timedelta(minutes=40)  # the first one is now over an hour old
    await kit.file_and_wait(bot, slack_sender, slack)
    assert len(await kit.complaints(bot)) == 6


async def _status_is(bot, status: str) -> bool:
    async with bot.services.sessions() as session:
        row = (await session.exec(select(Complaint))).first()
    return row is not None and row.status == status


async def _thread_has(slack, complaint, count: int) -> bool:
    return len(kit.dm_thread(slack, ERIN, complaint)) >= count


async def _answered(slack, complaint, count: int) -> bool:
    questions = [m for m in kit.dm_thread(slack, ERIN, complaint)
                 if "has been resolved" in kit.blocks_text(m)]
    return len(questions) == count and all(kit.button_ids(m) == [] for m in questions)


async def _dm_to(slack, user: str, text: str) -> bool:
    return any(text in kit.blocks_text(m) for m in slack.messages_in(slack.dm_channel(user)))



async def test_assign_to_someone_else_from_the_staff_list(bot, slack, slack_sender):
    await slack_sender.command("/complain", "status", user_id=TOM)  # Tom is in the directory
    await slack.wait_for_response(1)
    complaint = await kit.file_and_wait(bot, slack_sender, slack)

    await slack_sender.click(ids.ASSIGN_START, complaint.number, user_id=LEE,
                             channel_id=TRIAGE)
    view = await kit.opened_view(slack)
    [owner_input] = [b for b in view["blocks"] if b.get("block_id") == "owner"]
    choices = {o["text"]["text"]: o["value"] for o in owner_input["element"]["options"]}
    assert sorted(choices) == ["lee.lead", "tom.tech"]  # IT staff only: not the complainant
    async with bot.services.sessions() as session:
        erin = (await session.exec(select(Person).where(Person.slack_user_id == ERIN))).one()
    # A crafted submission naming an employee is refused; the offered choice is taken.
    await slack_sender.submit(ids.ASSIGN_FORM, {}, user_id=LEE, view_id="V0ASSIGN1",
                              private_metadata=complaint.number,
                              selects={ids.OWNER: str(erin.id)})
    [refused] = await slack.wait_for("chat.postEphemeral")
    assert "only active IT staff can" in kit.blocks_text(refused.args)
    await slack_sender.submit(ids.ASSIGN_FORM, {}, user_id=LEE, view_id="V0ASSIGN2",
                              private_metadata=complaint.number,
                              selects={ids.OWNER: choices["tom.tech"]})

    await eventually(lambda: _dm_to(slack, TOM, "lee.lead assigned complaint"))
    [row] = await kit.complaints(bot)
    assert (row.status, row.owner_id) == ("in_progress", int(choices["tom.tech"]))
    [_, assigned] = await kit.audit_trail(bot, complaint.number)
    assert (assigned.action, assigned.detail["owner_id"]) == ("assigned", row.owner_id)


async def test_a_platform_failing_after_the_change_does_not_undo_or_hide_it(
        bot, slack, slack_sender, connector):
    # Teams refuses the triage card: the complaint is filed, receipted and carded on Slack.
    connector.fail_next("send", 403)
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    assert await kit.sent_on(bot, triage_key(complaint.id)) == {"slack"}
    assert kit.receipt(slack, ERIN, complaint) is not None

    # Slack cannot update the card: the assignment stands, the complainant is still told,
    # and Tom gets no "nothing was saved" apology.
    slack.fail_next("chat.update", 200, error="message_not_found")
    slack.clear()
    await slack_sender.click(ids.ASSIGN_ME, complaint.number, user_id=TOM,
                             channel_id=TRIAGE)
    await eventually(lambda: _status_is(bot, "in_progress"))
    await eventually(lambda: _thread_has(slack, complaint, 1))
    await asyncio.sleep(0.2)
    assert slack.responses == []


async def test_the_slack_triage_card_is_kept_when_the_teams_one_fails(bot, slack, slack_sender,
                                                                      connector):
    connector.fail_next("send", status=403)

    complaint = await kit.file_and_wait(bot, slack_sender, slack)

    assert await kit.sent_on(bot, triage_key(complaint.id)) == {"slack"}
    assert kit.triage_message(slack, complaint) is not None
    assert connector.activities_in(TEAMS_TRIAGE) == []
    [send] = connector.calls_of("send")
    assert send.faulted
