"""Slack users as directory entries: which users are people, what their profile says, and the
whole roster (the workspace's members and the members of user groups) read for a directory sync.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.catalogues import language_tag
from bot.chat.port import Profile, Roster
from bot.slack.client import slack_error

log = logging.getLogger(__name__)

USERS_PAGE_SIZE = 200
"""Slack's recommended page size for users.list."""
SLACKBOT = "USLACKBOT"
MISSING_USERGROUP = "no_such_subteam"


def is_person(user: Mapping[str, Any]) -> bool:
    """True for a human account (even a deleted one); False for bots, apps and Slackbot."""
    return (isinstance(user.get("id"), str) and user["id"] != SLACKBOT
            and not user.get("is_bot") and not user.get("is_app_user"))


def profile_from_user(user: Mapping[str, Any]) -> Profile:
    """A Profile from a Slack user object (users.info, users.list, user events); its
    ``locale`` is there when asked for with include_locale."""
    profile = user.get("profile") or {}
    name = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
            or user.get("name") or "")
    return Profile(platform="slack", user_id=user["id"], display_name=name,
                   email=(profile.get("email") or None), tz=user.get("tz") or None,
                   locale=language_tag(user.get("locale")),
                   is_bot=not is_person(user))


async def read_roster(client: AsyncWebClient, usergroups: Collection[str]) -> Roster:
    """Every person in the workspace, page by page, and the members of each named user group.

    A group that does not exist (a typo in app.yaml, a deleted group) is logged and skipped;
    any other failure raises, so a sync never works from a partial list.
    """
    members: list[Profile] = []
    # A plain cursor loop: the SDK's page iterator bypasses api_call, and with it the metrics.
    cursor = None
    while True:
        # include_locale: the language each person reads Slack in (`Profile.locale`).
        page = await client.users_list(limit=USERS_PAGE_SIZE, cursor=cursor,
                                       include_locale=True)
        # Deleted accounts are listed too; leaving them out is what lets the sync let go of them.
        members.extend(profile_from_user(user) for user in page.get("members") or []
                       if is_person(user) and not user.get("deleted"))
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    groups: dict[str, frozenset[str]] = {}
    for group in sorted(usergroups):
        try:
            response = await client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            if slack_error(exc) != MISSING_USERGROUP:
                raise
            log.warning("Slack user group %s, named in app.yaml, does not exist; skipped", group)
            continue
        groups[group] = frozenset(response.get("users") or ())
    return Roster(platform="slack", members=tuple(members), usergroups=groups)
