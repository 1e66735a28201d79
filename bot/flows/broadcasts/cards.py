"""What the broadcast flows show: the channel post (kept current in place), an update in its
thread, a subscriber's DM, the list of open broadcasts and the short private answers.

A broadcast's template context is built in one place, `broadcast_context`; everything typed
in it (title, messages) is escaped by the templates for the platform it is shown on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.chat.message import Button, Message
from bot.flows.broadcasts import ids
from storage.broadcasts import Broadcast, BroadcastUpdate
from storage.models import Person


def update_context(update: BroadcastUpdate, by: Person | None) -> dict[str, Any]:
    return {"number": update.number, "action": update.action, "status": update.status,
            "impact": update.impact, "message": update.message,
            "by": by.display_name if by is not None else None, "at": update.created_at,
            "notify": update.notify_channel}


def broadcast_context(broadcast: Broadcast, owner: Person,
                      timeline: Sequence[tuple[BroadcastUpdate, Person | None]], *, tz: str
                      ) -> dict[str, Any]:
    """The template context of a broadcast; `tz` is the reader's time zone."""
    return {
        "id": broadcast.id, "kind": broadcast.kind, "title": broadcast.title,
        "services": list(broadcast.services), "impact": broadcast.impact,
        "status": broadcast.status, "is_open": broadcast.is_open,
        "message": broadcast.message, "owner": owner.display_name,
        "window_start": broadcast.window_start, "window_end": broadcast.window_end,
        "created_at": broadcast.created_at, "updated_at": broadcast.updated_at,
        "resolved_at": broadcast.resolved_at, "updates": broadcast.update_count,
        "reopen_count": broadcast.reopen_count, "related_tickets": broadcast.related_tickets,
        "timeline": [update_context(update, by) for update, by in timeline], "tz": tz,
    }


def post(context: dict[str, Any], *, mention: bool = False) -> Message:
    """The post in a channel; its buttons follow the status: Update and Resolve while open,
    Reopen once closed. Each press is checked on the server, whoever sees the buttons."""
    value = str(context["id"])
    if context["is_open"]:
        buttons = (Button(ids.UPDATE, "update", value, style="primary"),
                   Button(ids.RESOLVE, "resolve", value))
    else:
        buttons = (Button(ids.REOPEN, "reopen", value),)
    return Message("broadcasts/post", {**context, "mention": mention},
                   sections=("text", "timeline"), buttons=buttons)


def thread_update(context: dict[str, Any], update: dict[str, Any]) -> Message:
    """One update in the thread under a channel post, so the history reads top to bottom."""
    return Message("broadcasts/update", {**context, "update": update})


def subscriber_dm(context: dict[str, Any], update: dict[str, Any]) -> Message:
    return Message("broadcasts/dm", {**context, "update": update})


def offer(context: dict[str, Any]) -> Message:
    """To someone whose ticket is about an affected service: follow the updates?"""
    return Message("broadcasts/offer", context,
                   buttons=(Button(ids.FOLLOW, "follow", str(context["id"]), style="primary"),))


SCORES = range(1, 6)


def informed_question(context: dict[str, Any], *, score: int | None = None) -> Message:
    """To a subscriber once the broadcast is resolved: "how well were you kept informed?",
    with a button per score; once answered (`score`), the answer instead of the buttons."""
    buttons = () if score is not None else tuple(
        Button(ids.INFORMED, f"score_{n}", f"{context['id']}:{n}") for n in SCORES)
    return Message("broadcasts/informed", {**context, "score": score}, buttons=buttons)


def listing(broadcasts: list[dict[str, Any]]) -> Message:
    return Message("broadcasts/list", {"broadcasts": broadcasts})


def answer(reason: str, **context: Any) -> Message:
    """A short private answer to the person who acted: why nothing happened, or what did."""
    return Message("broadcasts/answer", {"reason": reason, **context})

