"""What the complaint flows show: the triage card, the notices to the complainant and to IT,
and the short private answers to the person who acted.

A complaint's template context is built in one place, `complaint_context`, which leaves the
complainant's name out of an anonymous complaint, so no message to IT can carry it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.chat.message import Button, Message
from bot.flows.complaints import ids
from storage.complaints import Complaint, Status
from storage.models import Person

# SLA states, as the templates name them.
ON_TRACK, DUE_SOON, BREACHED, MET, MISSED = "on_track", "due_soon", "breached", "met", "missed"


def sla_state(complaint: Complaint, now: datetime) -> str:
    """Where the complaint stands against the SLA stage it is in (acknowledge, then resolve)."""
    if complaint.acknowledged_at is None:
        due, remind = complaint.acknowledge_due_at, complaint.acknowledge_remind_at
    elif complaint.resolved_at is None:
        due, remind = complaint.resolve_due_at, complaint.resolve_remind_at
    else:
        return MET if complaint.resolved_at <= complaint.resolve_due_at else MISSED
    if now >= due:
        return BREACHED
    return DUE_SOON if now >= remind else ON_TRACK


def complaint_context(complaint: Complaint, complainant: Person | None, owner: Person | None,
                      *, now: datetime, tz: str) -> dict[str, Any]:
    """The template context of a complaint; `tz` is the reader's time zone."""
    return {
        "number": complaint.number,
        "status": complaint.status,
        "description": complaint.description,
        "service": complaint.service,
        "category": complaint.category,
        "impact": complaint.impact,
        "ticket": complaint.ticket,
        "anonymous": complaint.anonymous,
        # The one place a complainant's name enters a message; never for an anonymous one.
        "complainant": None if complaint.anonymous or complainant is None
        else complainant.display_name,
        "owner": owner.display_name if owner is not None else None,
        "escalated": complaint.escalated,
        "created_at": complaint.created_at,
        "acknowledge_due_at": complaint.acknowledge_due_at,
        "resolve_due_at": complaint.resolve_due_at,
        "resolved_at": complaint.resolved_at,
        "resolution_note": complaint.resolution_note,
        "root_cause": complaint.root_cause,
        "reopen_count": complaint.reopen_count,
        "sla_state": sla_state(complaint, now),
        "tz": tz,
    }


def triage_card(context: dict[str, Any]) -> Message:
    """The card in the triage channel; its buttons follow the complaint's status."""
    number, status = context["number"], context["status"]
    buttons: list[Button] = []
    if status in Status.OPEN:
        buttons.append(Button(ids.ASSIGN_ME, "assign_me", number, style="primary"))
        buttons.append(Button(ids.ASSIGN_START, "assign", number))
        if status == Status.NEW:
            buttons.append(Button(ids.ACKNOWLEDGE, "acknowledge", number))
        buttons.append(Button(ids.RESOLVE_START, "resolve", number))
        if not context["escalated"]:
            buttons.append(Button(ids.ESCALATE, "escalate", number, style="danger"))
    if status != Status.CLOSED:
        buttons.append(Button(ids.REPLY_START, "reply", number))
    return Message("complaints/triage", context, sections=("text", "state"),
                   buttons=tuple(buttons))


def filed_notice(context: dict[str, Any], acknowledge_hours: float) -> Message:
    """The complainant's receipt: the first message of their complaint's DM thread."""
    return Message("complaints/filed", {**context, "acknowledge_hours": acknowledge_hours},
                   sections=("text", "next"))


def complainant_notice(context: dict[str, Any], event: str, **extra: Any) -> Message:
    """A change told to the complainant in their DM thread (`event` picks the words). The
    resolution asks "are you satisfied?" until it is `answered` (True or False)."""
    buttons: tuple[Button, ...] = ()
    if event == "resolved" and extra.get("answered") is None:
        buttons = (Button(ids.SATISFIED, "satisfied", context["number"], style="primary"),
                   Button(ids.UNSATISFIED, "unsatisfied", context["number"]))
    return Message("complaints/notice", {**context, "event": event, **extra}, buttons=buttons)


def staff_notice(context: dict[str, Any], event: str, **extra: Any) -> Message:
    """A note to IT (owner, leads, or the triage thread): assigned, reopened, SLA alerts."""
    return Message("complaints/staff", {**context, "event": event, **extra})


def answer(reason: str, **context: Any) -> Message:
    """A short private answer to the person who acted: why nothing happened (not allowed,
    not found, wrong status, rate limited) or that something did (a reply was sent)."""
    return Message("complaints/answer", {"reason": reason, **context})
