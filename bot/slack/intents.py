"""Slack payloads to intents: the only place that knows where Slack keeps each field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.chat.port import MessageRef, Origin
from bot.intents import (
    ButtonPress,
    Command,
    FormSubmit,
    HomeOpened,
    Mention,
    ProfileChanged,
    ReactionChanged,
    SlackAccessLost,
)
from bot.slack.directory import is_person, profile_from_user
from bot.slack.render import routed_action_id

ESCAPED_COMMANDS = frozenset({"kudos"})
"""Commands whose manifest entry sets "should_escape": Slack sends their mentions, channels
and links as <@U1|name>, <#C1|name>, <!here> and <url|label>. Every command's text comes with
&, < and > HTML-escaped, whether it sets the flag or not."""
_ESCAPED = re.compile(r"<([@#!]?)([^<>|]+)(?:\|([^<>]*))?>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def _unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and >, the only three characters it escapes; in one pass,
    so a typed ``&lt;`` (sent as ``&amp;lt;``) stays ``&lt;``."""
    return _ENTITY.sub(lambda match: _ENTITIES[match.group(1)], text)


def _typed(text: str) -> tuple[str, tuple[Mention, ...]]:
    """The text as the person saw it while typing (``@ann``), and the people it mentions."""
    mentions: list[Mention] = []

    def plain(match: re.Match[str]) -> str:
        # Still escaped: the whole text is unescaped once at the end.
        sigil, target, label = match.groups()
        if sigil == "@":
            name = label or target
            mentions.append(Mention(user_id=target, name=_unescape(name)))
            return f"@{name}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            # <!here>, <!subteam^S1|@helpdesk>: as typed, with one @.
            return "@" + (label or target.split("^")[0]).lstrip("@")
        # A link: its address, which is what a reader of the text should see.
        return target

    return _unescape(_ESCAPED.sub(plain, text)), tuple(mentions)


def command_intent(body: Mapping[str, Any]) -> Command:
    command = str(body.get("command", "")).lstrip("/")
    text = str(body.get("text") or "").strip()
    if command in ESCAPED_COMMANDS:
        text, mentions = _typed(text)
    else:
        text, mentions = _unescape(text), ()
    return Command(
        command=command,
        text=text,
        origin=Origin(platform="slack", user_id=body["user_id"],
                      channel=body.get("channel_id"), response_url=body.get("response_url"),
                      trigger_id=body.get("trigger_id")),
        mentions=mentions,
    )


def button_intent(body: Mapping[str, Any]) -> ButtonPress:
    action = body["actions"][0]
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return ButtonPress(
        action_id=routed_action_id(action["action_id"]),
        value=str(action.get("value") or (action.get("selected_option") or {}).get("value")
                  or ""),
        origin=Origin(platform="slack", user_id=body["user"]["id"], channel=channel,
                      response_url=body.get("response_url"),
                      trigger_id=body.get("trigger_id")),
        message=MessageRef("slack", channel, ts) if channel and ts else None,
    )


def _input_value(element: Mapping[str, Any]) -> str:
    if "selected_option" in element:
        return str((element.get("selected_option") or {}).get("value") or "")
    if "selected_options" in element:
        return ",".join(str(o.get("value")) for o in element.get("selected_options") or [])
    if "selected_user" in element:
        return str(element.get("selected_user") or "")
    if "selected_users" in element:
        return ",".join(element.get("selected_users") or [])
    return str(element.get("value") or "")


def form_intent(body: Mapping[str, Any]) -> FormSubmit:
    view = body["view"]
    values: dict[str, str] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            values[block_id] = _input_value(element).strip()
    return FormSubmit(
        callback_id=view["callback_id"],
        values=values,
        metadata=view.get("private_metadata") or "",
        origin=Origin(platform="slack", user_id=body["user"]["id"],
                      trigger_id=body.get("trigger_id")),
        submission_id=str(view.get("id") or ""),
    )


def profile_changed(body: Mapping[str, Any]) -> ProfileChanged | None:
    """A ``team_join`` or ``user_change`` delivery; None for bots, apps and Slackbot."""
    user = body["event"].get("user")
    if not isinstance(user, Mapping) or not is_person(user):
        return None
    return ProfileChanged(profile_from_user(user), active=not user.get("deleted"))


def reaction_changed(body: Mapping[str, Any]) -> ReactionChanged | None:
    """A ``reaction_added`` or ``reaction_removed`` delivery; None unless on a message."""
    event = body["event"]
    item = event.get("item") or {}
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return None
    return ReactionChanged(platform="slack", channel=str(item["channel"]),
                           message_id=str(item["ts"]), user_id=str(event.get("user") or ""),
                           reaction=str(event.get("reaction") or ""),
                           added=event.get("type") == "reaction_added")


def home_opened(body: Mapping[str, Any]) -> HomeOpened | None:
    """An ``app_home_opened`` delivery for the Home tab (not the Messages tab)."""
    event = body["event"]
    if event.get("tab") != "home" or not event.get("user"):
        return None
    return HomeOpened(platform="slack", user_id=str(event["user"]))


def access_lost(body: Mapping[str, Any]) -> SlackAccessLost | None:
    """An ``app_uninstalled`` or ``tokens_revoked`` delivery (Slack lists user ids under
    ``tokens.bot`` and ``tokens.oauth``, never the tokens); None when it names nothing."""
    event = body["event"]
    team_id = str(body.get("team_id") or "")
    if event["type"] == "app_uninstalled":
        return SlackAccessLost(team_id, uninstalled=True)
    tokens = event.get("tokens")
    tokens = tokens if isinstance(tokens, Mapping) else {}

    def ids(kind: str) -> tuple[str, ...]:
        listed = tokens.get(kind)
        return tuple(str(user) for user in listed if isinstance(user, str | int)) if (
            isinstance(listed, list)) else ()

    lost = SlackAccessLost(team_id, bot_users=ids("bot"), token_users=ids("oauth"))
    return lost if lost.bot_users or lost.token_users else None
