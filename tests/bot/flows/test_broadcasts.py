"""The broadcast flows on their own, with a recording chat port and the outbox read back
instead of sent: the forms' checks, the reminder cadence per service, a broadcast opened once
per submission with its messages keyed per channel and subscriber, the role check, and a
change recorded with its audit event; and the two form fields broadcasts brought (a
multi-select and a checkbox) as each platform renders them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.chat.message import CHECKED, CheckboxField, ChoiceField, Form, Option
from bot.chat.port import Origin
from bot.config import parse_app_config
from bot.flows.broadcasts import forms, ids, states
from bot.flows.broadcasts.lifecycle import broadcast_change, broadcast_open
from bot.flows.broadcasts.notify import dm_key, informed_key, post_key, thread_key
from bot.flows.broadcasts.schedule import remind_after
from bot.slack.render import SlackRenderer
from bot.teams.render import TeamsRenderer
from storage import broadcasts as store
from storage.broadcasts import Broadcast
from storage.models import AuditEvent, Person
from storage.outbox import BULK, INTERACTIVE, OutboxMessage
from tests.bot.flows.test_complaints_flows import RecordingChat, _person, _turn
from tests.clock import Clock
from tests.conftest import app_config

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
APP = parse_app_config({**app_config(), "broadcasts": {
    "service_remind_after_minutes": {"email and calendar": {"outage": 10},
                                     "Other": {"outage": 20, "degraded": 60}}}})
VALID = {ids.KIND: "incident", ids.TITLE: " VPN down ", ids.SERVICES: "3,0,3",
         ids.IMPACT: "outage", ids.STATUS: "", ids.MESSAGE: "Working on it",
         ids.NOTIFY: CHECKED}


@pytest.fixture
def chat() -> RecordingChat:
    return RecordingChat()


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def test_an_opening_is_checked_and_read_in_the_organisations_time_zone():
    opening, errors = forms.check_opening(APP, VALID)
    assert errors == {}
    assert opening == forms.Opening("incident", "VPN down", ["Network and Wi-Fi",
                                                             "Service desk"],
                                    "outage", "investigating", "Working on it", None, None,
                                    True)

    summer = {**VALID, ids.KIND: "maintenance", ids.WINDOW_START: "2027-07-01 22:00",
              ids.WINDOW_END: "2027-07-02 01:00", ids.NOTIFY: ""}
    opening, _ = forms.check_opening(APP, summer)
    assert opening is not None and not opening.notify_channel
    assert (opening.status, opening.window_start) == ("scheduled",
                                                      datetime(2027, 7, 1, 21, 0, tzinfo=UTC))

    _, errors = forms.check_opening(APP, {**VALID, ids.KIND: "party",
                                          ids.SERVICES: "1,x", ids.IMPACT: "meh"})
    assert errors == {ids.KIND: "error_kind", ids.SERVICES: "error_services",
                      ids.IMPACT: "error_impact"}
    _, errors = forms.check_opening(APP, {**VALID, ids.STATUS: "resolved"})
    assert errors == {ids.STATUS: "error_status_incident"}
    _, errors = forms.check_opening(APP, {**VALID, ids.MESSAGE: "x" * 2001,
                                          ids.TITLE: "t" * 151})
    assert errors == {ids.MESSAGE: "error_message_long", ids.TITLE: "error_title_long"}


def test_the_change_forms_ask_what_their_action_needs():
    broadcast = Broadcast(id=7, submission_key="k", kind="maintenance", title="Upgrade",
                          services=["Other"], impact="degraded", status="scheduled",
                          message="m", owner_id=1)
    update = forms.change_form(APP, states.UPDATED, broadcast)
    assert [f.name for f in update.fields] == [ids.STATUS, ids.SERVICES, ids.IMPACT,
                                               ids.MESSAGE, ids.NOTIFY]
    assert [o.value for o in update.fields[0].options] == ["scheduled", "in_progress"]
    assert update.fields[1].initial == "5"  # Other's place in the catalogue
    assert update.metadata == "updated:7"
    resolve = forms.change_form(APP, states.RESOLVED, broadcast)
    assert [f.name for f in resolve.fields] == [ids.MESSAGE, ids.NOTIFY]
    assert forms.parse_metadata("resolved:7") == ("resolved", 7)
    assert forms.parse_metadata("opened:7") is None
    assert forms.parse_metadata("updated:x") is None
    _, errors = forms.check_change(APP, broadcast, states.UPDATED,
                                   {ids.STATUS: "investigating", ids.IMPACT: "outage",
                                    ids.SERVICES: "5", ids.MESSAGE: "go"})
    assert errors == {ids.STATUS: "error_status_maintenance"}


def test_a_service_may_tighten_the_reminder_cadence_by_name_or_alias():
    assert remind_after(APP, "outage", ["Service desk"]) == timedelta(minutes=30)
    assert remind_after(APP, "outage", ["Other", "Email and calendar"]) == timedelta(minutes=10)
    assert remind_after(APP, "degraded", ["Other", "Service desk"]) == timedelta(minutes=60)
    assert remind_after(APP, "informational", ["Other"]) == timedelta(minutes=480)


def _origin(user_id: str) -> Origin:
    return Origin("slack", user_id, channel="C1", response_url="http://127.0.0.1:9/r")


async def _rows(services) -> list[OutboxMessage]:
    async with services.sessions() as session:
        return list((await session.exec(
            select(OutboxMessage).order_by(col(OutboxMessage.id)))).all())


async def test_opening_stores_once_and_keys_every_message(services, chat):
    tom = await _person(services, "U0TOM", "it_staff")
    erin = await _person(services, "U0ERIN", "employee")
    async with services.sessions() as session:
        assert await store.subscribe(session, erin.id, "Network and Wi-Fi")
        await session.commit()
    opening, _ = forms.check_opening(services.settings.app, VALID)

    for _ in range(2):
        await _turn(services, broadcast_open, tom, _origin("U0TOM"), opening, "slack:V1")

    async with services.sessions() as session:
        [broadcast] = (await session.exec(select(Broadcast))).all()
    assert broadcast.channels == [{"slack": "C0STATUS1", "teams": None, "locale": None}]
    assert [(r.key, r.kind, r.channel, r.priority) for r in await _rows(services)] == [
        (post_key(broadcast.id, 0), "post", "C0STATUS1", INTERACTIVE),
        (dm_key(broadcast.id, 1, erin.id), "dm", "U0ERIN", BULK)]
    assert [kind for kind, _user, _message in chat.sent] == ["private"]

    # An employee cannot change it; IT staff can, and it is told in the post's thread.
    change = forms.Change(states.RESOLVED, broadcast.id, None, None, None, "Fixed", False)
    await _turn(services, broadcast_change, erin, _origin("U0ERIN"), change, "slack:V2")
    assert chat.sent[-1][2].context["reason"] == "not_allowed"
    await _turn(services, broadcast_change, tom, _origin("U0TOM"), change, "slack:V3")
    await _turn(services, broadcast_change, tom, _origin("U0TOM"), change, "slack:V4")
    assert chat.sent[-1][2].context["reason"] == "wrong_status"
    async with services.sessions() as session:
        row = await store.by_id(session, broadcast.id)
        events = (await session.exec(select(AuditEvent.action, AuditEvent.actor_id))).all()
    assert (row.status, row.is_open, row.update_count) == ("resolved", False, 2)
    assert events == [("opened", tom.id), ("resolved", tom.id)]
    keys = [r.key for r in await _rows(services)]
    assert thread_key(broadcast.id, 2, 0) in keys and dm_key(broadcast.id, 2, erin.id) in keys


def test_a_multi_select_and_a_checkbox_on_each_platform():
    form = Form("broadcasts/form", ids.OPEN_FORM, fields=(
        ChoiceField(ids.SERVICES, "services_label", (Option("0", "A & B"), Option("1", "C")),
                    multiple=True, initial="1,0"),
        CheckboxField(ids.NOTIFY, "notify_label", "notify_text", initial=True)),
        context={"mode": "open", "timezone": "UTC"})

    view = SlackRenderer().form(form)
    services, notify = (block["element"] for block in view["blocks"] if block["type"] == "input")
    assert services["type"] == "multi_static_select"
    assert [o["value"] for o in services["initial_options"]] == ["0", "1"]
    assert services["options"][0]["text"]["text"] == "A & B"
    assert (notify["type"], [o["value"] for o in notify["initial_options"]]) == (
        "checkboxes", [CHECKED])
    card = TeamsRenderer().form_card(form)
    inputs = {item["id"]: item for item in card["body"] if "id" in item}
    assert (inputs[ids.SERVICES]["isMultiSelect"], inputs[ids.SERVICES]["value"]) == (True, "1,0")
    assert inputs[ids.NOTIFY] | {"label": None, "title": None} == {
        "type": "Input.Toggle", "id": ids.NOTIFY, "label": None, "title": None,
        "valueOn": CHECKED, "valueOff": "no", "value": CHECKED}




async def test_a_broadcast_resolved_again_asks_nobody_twice_how_well_they_were_kept_informed(
        services, chat):
    tom = await _person(services, "U0TOM", "it_staff")
    async with services.sessions() as session:
        erin = Person(slack_user_id="U0ERIN", teams_user_id="29:erin", display_name="Erin",
                      last_platform="slack")
        session.add(erin)
        await session.flush()
        assert await store.subscribe(session, erin.id, "Network and Wi-Fi")
        await session.commit()
    opening, _ = forms.check_opening(services.settings.app, VALID)
    await _turn(services, broadcast_open, tom, _origin("U0TOM"), opening, "slack:V1")
    async with services.sessions() as session:
        [broadcast] = (await session.exec(select(Broadcast))).all()

    for n, action in enumerate((states.RESOLVED, states.REOPENED, states.RESOLVED)):
        if action == states.REOPENED:
            async with services.sessions() as session:  # she has used Teams since
                (await session.get(Person, erin.id)).last_platform = "teams"
                await session.commit()
        change = forms.Change(action, broadcast.id, None, None, None, "Fixed", False)
        await _turn(services, broadcast_change, tom, _origin("U0TOM"), change, f"slack:C{n}")

    asked = [(r.key, r.platform) for r in await _rows(services)
             if r.key == informed_key(broadcast.id, erin.id)]
    assert asked == [(informed_key(broadcast.id, erin.id), "slack")]
