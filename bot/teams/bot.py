"""`TouchpointBot`, the ActivityHandler behind ``/api/messages``.

Each activity first refreshes its conversation's stored reference (`storage.conversations`; a
1:1 chat linked to its person), so employees can be messaged later. What Teams says about
people becomes an event for the dispatcher, handled as Slack's user events are
(`bot.handlers.directory`), with the profile from the Teams roster, whose email gives people
their roles from app.yaml: a sender the directory does not know yet, or a member added, is a
`ProfileChanged`; the members of a team or chat the bot is added to come page by page as
`PeopleListed`. A member removed from a team or chat stays in the directory: the bot sits in
the teams of the configured channels, and someone who leaves the IT team is still an employee
(Slack's sync, which sees the whole workspace, is what lets leavers go).

A message then becomes an intent for the dispatcher. The people a command mentions come as
Teams sends them, by their ``29:`` account id: the roster tells whose AAD id that is
(`bot.teams.members`, cached, refreshed as members come and go), and someone the directory
does not know yet is added first, so the flow finds them; someone no roster lists is looked
up by their own 1:1 chat with the bot, and else stays unresolved, for the flow to say it
cannot find them. When the bot is removed, the
conversation's reference is dropped, since it can no longer be used.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount

from bot.chat.message import Form
from bot.chat.port import Profile
from bot.chat.templates import templates_for
from bot.handlers.dispatcher import Dispatcher
from bot.intents import Command, FormSubmit, Mention, PeopleListed, ProfileChanged
from bot.teams.calls import call
from bot.teams.intents import (
    conversation_type,
    intent_of,
    profile_of,
    reactions_of,
    reference_of,
    teams_user_id,
)
from bot.teams.members import MemberRoster, is_account_id
from bot.teams.render import TeamsRenderer
from storage import conversations
from storage.directory import find_by_platform_id

log = logging.getLogger(__name__)

ROSTER_PAGE_SIZE = 200


def _includes_bot(members: list[ChannelAccount] | None, activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(member.id == bot_id for member in members or [])


class TouchpointBot(ActivityHandler):
    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher
        services = dispatcher.services
        self.sessions = services.sessions
        self.metrics = services.metrics
        self.renderer = TeamsRenderer(
            templates_for("teams", services.settings.app.organisation.locale))
        self.commands = frozenset(dispatcher.commands)
        self.members = MemberRoster(self.metrics)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        intent = intent_of(turn_context.activity, self.commands)
        if intent is None:
            log.info("teams message with nothing to act on (no sender or unknown card data)")
            return
        if isinstance(intent, Command) and intent.mentions:
            intent = replace(intent, mentions=await self._resolve(turn_context, intent.mentions))
        if isinstance(intent, FormSubmit):
            invalid = await self.dispatcher.check_form(intent)
            if invalid is not None and invalid.errors and intent.origin is not None:
                await self._show_errors(turn_context, intent, invalid)
                return
        await self.dispatcher.dispatch(intent)

    async def _show_errors(self, turn_context: TurnContext, intent: FormSubmit,
                           form: Form) -> None:
        """Teams has no errors-in-the-form answer: the submitted card is replaced, in place,
        by the same form as typed with each error under its field. Without the card's id (or
        when Teams will not update it) the form comes as a new card instead."""
        card_id = turn_context.activity.reply_to_id
        if card_id:
            card = self.renderer.form(form)
            card.id = card_id
            try:
                await turn_context.update_activity(card)
                return
            except Exception as error:
                log.warning("teams: the submitted card could not be updated (%s); sending the "
                            "form again", type(error).__name__)
        assert intent.origin is not None
        await self.dispatcher.services.chat.open_form(intent.origin, form)

    async def _resolve(self, turn_context: TurnContext,
                       mentions: tuple[Mention, ...]) -> tuple[Mention, ...]:
        """Mentions by AAD id where the roster knows the member; the others as they came."""
        resolved = []
        for mention in mentions:
            if not is_account_id(mention.user_id):
                resolved.append(mention)
                continue
            profile = await self.members.profile(turn_context, mention.user_id)
            if profile is not None:
                if not await self._knows(profile.user_id):
                    await self.dispatcher.dispatch(ProfileChanged(profile))
                resolved.append(Mention(user_id=profile.user_id, name=mention.name))
                continue
            async with self.sessions() as session:
                user_id = await conversations.teams_user_for_account(session, mention.user_id)
            resolved.append(Mention(user_id=user_id or mention.user_id, name=mention.name))
        return tuple(resolved)

    async def on_message_reaction_activity(self, turn_context: TurnContext) -> None:
        for event in reactions_of(turn_context.activity):
            await self.dispatcher.dispatch(event)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if _includes_bot(activity.members_removed, activity):
            await self._forget(turn_context)
            return
        await self._remember(turn_context)
        self.members.forget(activity.members_removed or [])
        await super().on_conversation_update_activity(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        if _includes_bot(members_added, turn_context.activity):
            await self._list_members(turn_context)
            return
        for member in members_added:
            profile = await self._member_profile(turn_context, member)
            if profile is not None:
                await self.dispatcher.dispatch(ProfileChanged(profile))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        await self._list_members(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        # "remove-upgrade" comes with an app upgrade, after which the reference still works.
        if turn_context.activity.action == "remove":
            await self._forget(turn_context)

    async def _remember(self, turn_context: TurnContext) -> None:
        """Store the conversation's reference, linking a 1:1 chat to its person; a sender
        the directory does not know yet is added first."""
        activity = turn_context.activity
        if not activity.conversation or not activity.conversation.id:
            return
        account = activity.from_property
        user_id = teams_user_id(account) if account and account.role != "bot" else None
        # The roster is asked before any write session opens: no lock is held across a
        # network call.
        if account and user_id and not await self._knows(user_id):
            profile = await self._member_profile(turn_context, account)
            if profile is not None:
                await self.dispatcher.dispatch(ProfileChanged(profile))
        if account and user_id:
            self.members.saw(account)
        personal = conversation_type(activity) == conversations.PERSONAL
        async with self.sessions() as session:
            await conversations.save(session, reference_of(activity),
                                     user_id if personal else None)
            await session.commit()

    async def _forget(self, turn_context: TurnContext) -> None:
        conversation = turn_context.activity.conversation
        if conversation and conversation.id:
            async with self.sessions() as session:
                await conversations.forget(session, conversation.id)
                await session.commit()

    async def _knows(self, user_id: str) -> bool:
        async with self.sessions() as session:
            person = await find_by_platform_id(session, "teams", user_id)
        # An inactive person is refreshed too, which spares the dispatcher a lookup of its own.
        return person is not None and person.active

    async def _member_profile(self, turn_context: TurnContext,
                              account: ChannelAccount) -> Profile | None:
        """The roster's profile of a member (it has the email), asked afresh since they are
        new or changed, else the activity's own."""
        member = await self.members.profile(turn_context, account.id or "", fresh=True)
        return member or profile_of(account)

    async def _list_members(self, turn_context: TurnContext) -> None:
        """Hand every member of the conversation (or team) to the directory, a page at a
        time: one turn, and one transaction, per page."""
        token = None
        while True:
            page = await call(self.metrics, "get_paged_members", partial(
                TeamsInfo.get_paged_members, turn_context, token, ROSTER_PAGE_SIZE))
            self.members.keep(page.members or [])
            profiles = tuple(profile for member in page.members or []
                             if (profile := profile_of(member)) is not None)
            if profiles:
                await self.dispatcher.dispatch(PeopleListed(profiles))
            token = page.continuation_token
            if not token:
                return
