"""Teams members by their Bot Framework id: the conversation's roster, asked and cached.

Teams names people in an activity by their Bot Framework account id (``29:...``); a mention
entity carries that id and the display name only, never the AAD object id Touchpoint knows
Teams people by. The roster answers for one member
(``GET /v3/conversations/{id}/members/{memberId}``, documented in "Get Teams specific
context for your bot"), with the AAD object id, email and user principal name. In a team's
channel the roster asked is the team's (``channelData.team.id``); elsewhere the
conversation's, without a channel thread's ``;messageid=`` suffix.

The call goes through the turn's async connector client (`bot.teams.calls`, retried and
counted), not `TeamsInfo`, whose team calls build a synchronous client. A ``29:`` id is the
same person in every conversation with the bot, so answers are kept by that id alone, in
the process, for `TTL_S`, at most `MAX_ENTRIES` of them; roster pages and each activity's
sender (whose ``from`` has both ids) fill the cache too, and conversation updates refresh
it: a member added is asked again, a member removed is forgotten (`forget`). Someone
mentioned in a 1:1 chat is on no roster that chat can ask; the bot looks them up by their
own 1:1 chat's stored reference instead (`storage.conversations.teams_user_for_account`).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.chat.failures import unreachable
from bot.chat.port import Profile
from bot.metrics import Metrics
from bot.teams.calls import call, status_of
from bot.teams.intents import profile_of

log = logging.getLogger(__name__)

TTL_S = 3600.0
MAX_ENTRIES = 10_000
NOT_A_MEMBER = 404


def is_account_id(user_id: str) -> bool:
    """Whether an id is a Bot Framework account id (``29:...``, ``8:orgid:...``) rather than
    an AAD object id (a GUID, which has no colon)."""
    return ":" in user_id


def roster_of(activity: Activity) -> str | None:
    """The conversation whose roster names the activity's members: the team in a channel."""
    data = activity.channel_data
    team = data.get("team") if isinstance(data, Mapping) else None
    if isinstance(team, Mapping) and isinstance(team.get("id"), str) and team["id"]:
        return team["id"]
    conversation = activity.conversation.id if activity.conversation else None
    return conversation.split(";messageid=")[0] if conversation else None


def _account(member: ChannelAccount) -> ChannelAccount:
    """The roster's answer with its AAD id where botbuilder looks for it: the REST page
    spells it ``objectId`` in its samples, the Connector ``aadObjectId``."""
    extra = getattr(member, "additional_properties", None) or {}
    if not member.aad_object_id and isinstance(extra.get("objectId"), str):
        member.aad_object_id = extra["objectId"]
    return member


def _profile(member: ChannelAccount | None) -> Profile | None:
    """The member's profile when it names their AAD id (a guest's does not)."""
    if member is None or not _account(member).aad_object_id:
        return None
    return profile_of(member)


class MemberRoster:
    """Profiles of conversation members by account id, from the roster, cached."""

    def __init__(self, metrics: Metrics, *, clock: Callable[[], float] = time.monotonic):
        self.metrics = metrics
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, Profile]] = OrderedDict()

    def _cached(self, key: str) -> Profile | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        expires, profile = entry
        if expires <= self.clock():
            del self._cache[key]
            return None
        return profile

    def _keep(self, key: str, profile: Profile) -> None:
        self._cache[key] = (self.clock() + TTL_S, profile)
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)

    async def profile(self, turn_context: TurnContext, account_id: str, *,
                      fresh: bool = False) -> Profile | None:
        """The member's roster profile (it has their AAD id and email), or None when the
        roster does not list them or cannot be asked; `fresh` skips the cache."""
        if not account_id:
            return None
        cached = None if fresh else self._cached(account_id)
        if cached is not None:
            return cached
        roster = roster_of(turn_context.activity)
        client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
        if client is None or not roster:
            return None
        try:
            member = await call(self.metrics, "get_member", lambda: (
                client.conversations.get_conversation_member(roster, account_id)))
        except Exception as error:
            if unreachable(error) is not None:
                # Said once, by the turn that then cannot answer either.
                log.info("teams roster lookup failed: cannot reach %s", unreachable(error))
            elif status_of(error) != NOT_A_MEMBER:
                log.warning("teams roster lookup failed (%s)", type(error).__name__)
            return None
        profile = _profile(member)
        if profile is None:
            return None
        self._keep(account_id, profile)
        return profile

    def keep(self, members: Iterable[ChannelAccount]) -> None:
        """Remember accounts that carry their AAD id: a roster page's, a sender's."""
        for member in members:
            profile = _profile(member)
            if member.id and profile:
                self._keep(member.id, profile)

    def saw(self, account: ChannelAccount) -> None:
        """Remember a sender's ids, unless the roster's fuller answer is kept already."""
        if account.id and self._cached(account.id) is None:
            self.keep([account])

    def forget(self, members: Iterable[ChannelAccount]) -> None:
        """Members removed from a conversation (or team) are asked again next time."""
        for member in members:
            self._cache.pop(member.id or "", None)
