"""Teams activities for tests, from the recordings of what Microsoft documents.

Each file in tests/fixtures/teams/ holds one activity as a Microsoft page shows it, and names
that page (``source``). A test takes a fresh copy and fills in what must differ per test
(the emulator's serviceUrl, its people and conversations); the shape stays Teams' own: a
mention carries the member's ``29:`` id and name, never an AAD object id.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "teams"

# The language of the Teams client an activity comes from, in place of the recorded one
# ("en-US") when set: the `teams_client_locale` fixture sets it from `people_locale`.
CLIENT_LOCALE: str | None = None


@cache
def _recorded(name: str) -> dict[str, Any]:
    recorded = json.loads((FIXTURES / f"{name}.json").read_text())
    assert recorded["source"].startswith("https://learn.microsoft.com/"), name
    return recorded["activity"]


def recorded(name: str, /, **fields: Any) -> dict[str, Any]:
    """A copy of the recorded activity `name` in the language of `CLIENT_LOCALE`, `fields`
    replacing its top-level fields (``locale`` too); a field given as None is removed."""
    activity = copy.deepcopy(_recorded(name))
    if CLIENT_LOCALE is not None and "locale" in activity:
        activity["locale"] = CLIENT_LOCALE
    for key, value in fields.items():
        if value is None:
            activity.pop(key, None)
        else:
            activity[key] = value
    return activity


def account(member: dict[str, Any]) -> dict[str, Any]:
    """How Teams names a person in ``from``: the 29: id, the name, the AAD object id."""
    return {key: member[key] for key in ("id", "name", "aadObjectId") if key in member}


def mention(member: dict[str, Any]) -> dict[str, Any]:
    """A mention entity as Teams sends it: the member's 29: id and name only."""
    [shape] = [entity for entity in _recorded("message_mention_personal")["entities"]
               if entity["type"] == "mention"]
    entity = copy.deepcopy(shape)
    entity["mentioned"] = {"id": member["id"], "name": member["name"]}
    entity["text"] = f"<at>{member['name']}</at>"
    return entity


def personal_message(service_url: str, sender: dict[str, Any], chat: str,
                     text: str | None, *, tenant: str, mentions: tuple[dict, ...] = (),
                     **fields: Any) -> dict[str, Any]:
    """A message in the sender's 1:1 chat with the bot (the recorded personal message, its
    mentions those given), or a card's Action.Submit when `value` is given; `fields` replace
    top-level fields (``from``, ``conversation``, ``channelData`` included)."""
    name = "card_submit" if "value" in fields else "message_mention_personal"
    activity = recorded(name, serviceUrl=service_url, **fields)
    if "from" not in fields:
        activity["from"] = account(sender)
    if "conversation" not in fields:
        activity["conversation"].update(id=chat, tenantId=tenant)
    if "channelData" not in fields:
        activity["channelData"]["tenant"] = {"id": tenant}
    entities = [e for e in activity.get("entities") or [] if e["type"] != "mention"]
    activity["entities"] = [mention(member) for member in mentions] + entities
    if text is None:
        activity.pop("text", None)
    else:
        activity["text"] = text
    if "value" not in fields:
        activity.pop("replyToId", None)
    return activity


def channel_message(service_url: str, sender: dict[str, Any], bot: dict[str, Any],
                    text: str, *, team: str, channel: str, tenant: str,
                    mentions: tuple[dict, ...] = (), **fields: Any) -> dict[str, Any]:
    """A message in a team's channel, as Teams sends it (recorded): the bot's own mention
    first, then the people's, in the thread of the channel's post."""
    activity = recorded("message_mention_channel", serviceUrl=service_url, **fields)
    activity["from"] = account(sender)
    activity["recipient"] = dict(bot)
    activity["conversation"].update(id=f"{channel};messageid={activity['id']}",
                                    tenantId=tenant)
    data = activity["channelData"]
    data.update(teamsChannelId=channel, teamsTeamId=team, channel={"id": channel},
                team={"id": team}, tenant={"id": tenant})
    others = [e for e in activity["entities"] if e["type"] != "mention"]
    activity["entities"] = [mention(bot)] + [mention(member) for member in mentions] + others
    activity["text"] = f"<at>{bot['name']}</at> {text}"
    return activity
