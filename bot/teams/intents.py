"""Teams activities to intents: the only place that knows where Teams keeps each field.

Text typed to the bot arrives as HTML-ish text with ``<at>Name</at>`` for mentions. The bot's
own mention is dropped, other people's mentions keep their names, markup is stripped and
entities decoded; the first word then picks the command, as a slash command would in Slack
(``kudos ...``), when it is one of the commands the handlers answer (the routed commands, the
same the app manifests list); anything else goes to ``/touchpoint`` (so ``help`` is
``/touchpoint help``), whose fallback answers a word it does not know with help.
An Adaptive Card ``Action.Submit`` arrives as a message whose ``value`` carries the data the
renderer put on the action (``action_id`` for a button, ``callback_id`` for a form), and
the values of the card's inputs beside it.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Collection, Mapping
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.chat.catalogues import language_tag
from bot.chat.port import MessageRef, Origin, Profile
from bot.intents import ButtonPress, Command, FormSubmit, Intent, Mention, ReactionChanged

DEFAULT_COMMAND = "touchpoint"
FORM_KEYS = frozenset({"callback_id", "metadata"})
BUTTON_KEYS = frozenset({"action_id", "value"})
"""A button's own data; any other key in a button press is a card input's value."""

_MENTION = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_LINE_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\u00a0]+")


def teams_user_id(account: ChannelAccount | None) -> str | None:
    """The AAD object id Touchpoint knows a Teams person by (lower case)."""
    if account is None:
        return None
    user_id = account.aad_object_id or account.id
    return user_id.lower() if user_id else None


def tenant_of(activity: Activity) -> str | None:
    data = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, Mapping) else None
    return tenant.get("id") if isinstance(tenant, Mapping) else None


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return (conversation.conversation_type if conversation else None) or "personal"


def reference_of(activity: Activity) -> dict[str, Any]:
    """The activity's ConversationReference as JSON, with the tenant (botbuilder's model
    spells its key ``tenantID`` and so drops the ``tenantId`` Teams sends)."""
    reference = TurnContext.get_conversation_reference(activity).serialize()
    tenant = tenant_of(activity)
    if tenant:
        reference.setdefault("conversation", {})["tenantId"] = tenant
    return reference


def profile_of(account: ChannelAccount) -> Profile | None:
    """A Profile from a ChannelAccount or a TeamsChannelAccount (roster entries carry email)."""
    user_id = teams_user_id(account)
    if not user_id:
        return None
    extra = getattr(account, "additional_properties", None) or {}
    email = getattr(account, "email", None) or extra.get("email") or None
    return Profile(platform="teams", user_id=user_id, display_name=account.name or "",
                   email=email)


def _bot_mentions(activity: Activity) -> set[str]:
    """The inner text of every mention of the bot itself, from the activity's entities."""
    bot_id = activity.recipient.id if activity.recipient else None
    names = set()
    for entity in activity.entities or []:
        extra = entity.additional_properties or {}
        mentioned = extra.get("mentioned") or {}
        if entity.type == "mention" and bot_id and mentioned.get("id") == bot_id:
            match = _MENTION.search(str(extra.get("text") or ""))
            names.add(match.group(1) if match else str(mentioned.get("name") or ""))
    return names


def mentions_of(activity: Activity) -> tuple[Mention, ...]:
    """Who the text mentions, the bot itself left out, in the order the entities list them.

    Teams gives a mentioned member's Bot Framework id (``29:...``, case-sensitive) and name
    only; that id is kept as given, for the roster to tell whose it is
    (`bot.teams.members`). An AAD object id in the entity, which some clients add, is used
    as is (lower case, as the directory keeps it)."""
    bot_id = activity.recipient.id if activity.recipient else None
    found: list[Mention] = []
    for entity in activity.entities or []:
        extra = entity.additional_properties or {}
        mentioned = extra.get("mentioned") or {}
        account_id = str(mentioned.get("id") or "")
        if entity.type != "mention" or not account_id or account_id == bot_id:
            continue
        match = _MENTION.search(str(extra.get("text") or ""))
        name = html.unescape(match.group(1) if match else str(mentioned.get("name") or ""))
        aad_id = str(mentioned.get("aadObjectId") or "")
        user_id = aad_id.lower() if aad_id else account_id
        found.append(Mention(user_id=user_id, name=_TAG.sub("", name).strip()))
    return tuple(found)


def plain_text(activity: Activity) -> str:
    """What the person typed: no bot mention, no markup, entities decoded."""
    raw = activity.text or ""
    bot_names = _bot_mentions(activity)

    def mention(match: re.Match[str]) -> str:
        # Without entities a leading mention is taken to address the bot.
        addressed = match.group(1) in bot_names or (
            not bot_names and not raw[: match.start()].strip())
        return " " if addressed else match.group(1)

    text = _MENTION.sub(mention, raw)
    text = _TAG.sub("", _LINE_BREAK.sub("\n", text))
    text = html.unescape(text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def command_of(text: str, commands: Collection[str]) -> tuple[str, str]:
    """(command, text) for what was typed: ``kudos @ann thanks`` is ("kudos", "@ann thanks")
    when ``kudos`` is one of the routed `commands`; any other first word stays in the text of
    the general command."""
    parts = text.split(maxsplit=1)
    first = parts[0].lower().lstrip("/") if parts else ""
    rest = parts[1] if len(parts) > 1 else ""
    if first in commands or first == DEFAULT_COMMAND:
        return first, rest
    return DEFAULT_COMMAND, text


def origin_of(activity: Activity) -> Origin | None:
    user_id = teams_user_id(activity.from_property)
    if not user_id:
        return None
    return Origin(platform="teams", user_id=user_id,
                  channel=activity.conversation.id if activity.conversation else None,
                  reference=reference_of(activity), locale=language_tag(activity.locale))


def intent_of(activity: Activity, commands: Collection[str]) -> Intent | None:
    """The intent a message activity carries, or None when it carries none we know;
    `commands` are the commands the handlers answer (`Routes.commands`)."""
    origin = origin_of(activity)
    if origin is None:
        return None
    profile = profile_of(activity.from_property)
    if profile is not None and origin.locale:
        # The activity's locale is the language the person's Teams client is in.
        profile = dataclasses.replace(profile, locale=origin.locale)
    value = activity.value
    if isinstance(value, Mapping) and "action_id" in value:
        message = (MessageRef("teams", origin.channel, activity.reply_to_id)
                   if origin.channel and activity.reply_to_id else None)
        inputs = {str(key): "" if field is None else str(field).strip()
                  for key, field in value.items() if key not in BUTTON_KEYS}
        return ButtonPress(action_id=str(value["action_id"]), value=str(value.get("value") or ""),
                           origin=origin, message=message, profile=profile, inputs=inputs)
    if isinstance(value, Mapping) and "callback_id" in value:
        values = {str(key): "" if field is None else str(field).strip()
                  for key, field in value.items() if key not in FORM_KEYS}
        # The card's own id is the same however often it is submitted; a lone activity id
        # (no card to point at) is the best Teams offers otherwise.
        return FormSubmit(callback_id=str(value["callback_id"]), values=values,
                          metadata=str(value.get("metadata") or ""), origin=origin,
                          profile=profile,
                          submission_id=str(activity.reply_to_id or activity.id or ""))
    if value is not None and not activity.text:
        return None
    command, text = command_of(plain_text(activity), commands)
    return Command(command=command, text=text, origin=origin, profile=profile,
                   mentions=mentions_of(activity))


def reactions_of(activity: Activity) -> list[ReactionChanged]:
    """A messageReaction activity's reactions added and removed, on the message it names.

    A reaction to a channel post arrives in the post's thread (``19:...;messageid=ID``); the
    post itself was sent to the channel, so that is the conversation named here.
    """
    user_id = teams_user_id(activity.from_property)
    conversation = activity.conversation.id if activity.conversation else None
    if not user_id or not conversation or not activity.reply_to_id:
        return []
    channel = conversation.split(";messageid=")[0]
    changes = [(reaction, True) for reaction in activity.reactions_added or []]
    changes += [(reaction, False) for reaction in activity.reactions_removed or []]
    return [ReactionChanged(platform="teams", channel=channel, message_id=activity.reply_to_id,
                            user_id=user_id, reaction=str(reaction.type or ""), added=added)
            for reaction, added in changes]
