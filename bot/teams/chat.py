"""Teams' half of the chat port: cards sent through stored conversation references.

Every send continues a conversation (`CloudAdapter.continue_conversation`) from a reference
the bot stored when Teams last told it about that conversation, and makes the one Connector
call it needs (send, reply, update, create) through `bot.teams.calls`, which retries and
counts it. Teams has no private replies inside a shared conversation, so what is meant for
one person only (`reply_privately`, `open_form`) goes to their 1:1 chat with the bot.
A message's image is shown from a signed link Touchpoint serves (`bot.web.images`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form, Message
from bot.chat.pacer import Throttles
from bot.chat.port import MessageRef, Origin, Profile, Roster, Undeliverable
from bot.chat.templates import templates_for
from bot.config import Settings
from bot.metrics import Metrics
from bot.teams.calls import call, status_of
from bot.teams.render import TeamsRenderer
from bot.web.images import ImageLinks
from storage import conversations
from storage.people_cache import find_person

T = TypeVar("T")

CHANNEL_ID = "msteams"
UNREACHABLE_STATUS = frozenset({403, 404})
"""The bot was removed, the person blocked it, or the conversation is gone: nothing to retry."""


class TeamsChat:
    platform = "teams"

    def __init__(self, adapter: CloudAdapter, settings: Settings,
                 sessions: async_sessionmaker[AsyncSession], metrics: Metrics,
                 renderer: TeamsRenderer | None = None, links: ImageLinks | None = None,
                 throttles: Throttles | None = None):
        self.adapter = adapter
        self.throttles = throttles
        """Where a 429 pauses the outbox's Teams pacers (bot.teams.calls)."""
        self.app_id = settings.secrets.microsoft_app_id
        self.tenant_id = settings.secrets.microsoft_app_tenant_id
        self.service_url = settings.app.teams.service_url
        self.sessions = sessions
        self.metrics = metrics
        self.renderer = renderer or TeamsRenderer(
            templates_for("teams", settings.app.organisation.locale))
        self.links = links

    async def _call(self, reference: dict[str, Any], method: str,
                    operation: Callable[[ConnectorClient], Awaitable[T]]) -> T:
        """Make one Connector call in the reference's conversation, retried and counted.

        Its failure is raised here rather than handed to the adapter's on_turn_error; a
        conversation the bot can no longer reach raises Undeliverable.
        """
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        async def callback(context: TurnContext) -> None:
            client = context.turn_state[self.adapter.BOT_CONNECTOR_CLIENT_KEY]
            try:
                done.set_result(await call(self.metrics, method, lambda: operation(client),
                                           self.throttles))
            except Exception as error:
                done.set_exception(error)

        await self.adapter.continue_conversation(
            ConversationReference.deserialize(reference), callback, self.app_id)
        try:
            return done.result()
        except Exception as error:
            if status_of(error) in UNREACHABLE_STATUS:
                raise Undeliverable(f"teams {method}: {status_of(error)}") from error
            raise

    async def _send(self, reference: dict[str, Any], activity: Activity) -> MessageRef:
        conversation_id = reference["conversation"]["id"]
        sent = await self._call(reference, "send_to_conversation", lambda client: (
            client.conversations.send_to_conversation(conversation_id, activity)))
        return MessageRef("teams", conversation_id, sent.id)

    async def _render(self, message: Message) -> Activity:
        """The message's card with its image linked. The image is published in a short
        transaction of its own: messages are sent after the turn that made them committed
        (by the outbox sender), so no turn holds SQLite's write lock meanwhile."""
        image_url = None
        if message.image is not None and self.links is not None:
            image_url = await self.links.url_for(message.image)
        return self.renderer.message(message, image_url=image_url)

    async def _reference(self, conversation_id: str) -> dict[str, Any]:
        """The stored reference, else one built from app.yaml's service URL (channels)."""
        async with self.sessions() as session:
            stored = await conversations.find(session, conversation_id)
        if stored is not None:
            return stored
        conversation: dict[str, Any] = {"id": conversation_id}
        if self.tenant_id:
            conversation["tenantId"] = self.tenant_id
        return {"channelId": CHANNEL_ID, "serviceUrl": self.service_url,
                "conversation": conversation}

    async def send_dm(self, user_id: str, message: Message) -> MessageRef:
        async with self.sessions() as session:
            reference = await conversations.personal_for(session, user_id)
        if reference is None:
            raise Undeliverable("the Touchpoint app is not installed for this person in Teams")
        return await self._send(reference, await self._render(message))

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        return await self._send(await self._reference(channel_id), await self._render(message))

    async def reply_in_thread(self, parent: MessageRef, message: Message) -> MessageRef:
        activity = await self._render(message)
        sent = await self._call(await self._reference(parent.channel), "reply_to_activity",
                                lambda client: client.conversations.reply_to_activity(
                                    parent.channel, parent.message_id, activity))
        return MessageRef("teams", parent.channel, sent.id)

    async def edit(self, ref: MessageRef, message: Message) -> None:
        activity = await self._render(message)
        activity.id = ref.message_id
        await self._call(await self._reference(ref.channel), "update_activity",
                         lambda client: client.conversations.update_activity(
                             ref.channel, ref.message_id, activity))

    async def find_message(self, conversation: str, key: str, *,
                           thread: MessageRef | None = None) -> MessageRef | None:
        # A bot cannot read back a chat's history in Teams; a sender that crashed between
        # sending and recording may send once more there.
        return None

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        # Without its image: this answer is made inside the turn, whose transaction may hold
        # SQLite's write lock, so nothing may be published (Message.image says so).
        await self._send(await self._private(origin), self.renderer.message(message))

    async def open_form(self, origin: Origin, form: Form) -> None:
        await self._send(await self._private(origin), self.renderer.form(form))

    async def publish_home(self, user_id: str, message: Message) -> None:
        # Teams has no home view to publish: the summary is a card on `home` instead.
        raise Undeliverable("Teams has no home view; the summary is answered on `home`")

    async def _private(self, origin: Origin) -> dict[str, Any]:
        """The person's 1:1 chat: where they wrote from, else the one Teams answers for them."""
        reference = origin.reference
        if reference is None:
            raise Undeliverable("no Teams conversation to answer in")
        if conversations.kind_of(reference) == conversations.PERSONAL:
            return reference
        return await self._open_personal(reference)

    async def _open_personal(self, shared: dict[str, Any]) -> dict[str, Any]:
        """The bot's 1:1 chat with the person who wrote in a shared conversation.

        Teams answers the existing chat's id when there is one, so this needs no lookup (and
        no database session while the turn's own may hold SQLite's write lock).
        """
        tenant = (shared.get("conversation") or {}).get("tenantId") or self.tenant_id
        user = shared.get("user") or {}
        parameters = ConversationParameters(
            is_group=False, bot=ChannelAccount.deserialize(shared.get("bot") or {}),
            members=[ChannelAccount.deserialize(user)], tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None)

        created = await self._call(shared, "create_conversation", lambda client: (
            client.conversations.create_conversation(parameters)))
        conversation = {"id": created.id, "conversationType": conversations.PERSONAL}
        if tenant:
            conversation["tenantId"] = tenant
        return {"channelId": shared.get("channelId") or CHANNEL_ID,
                "serviceUrl": created.service_url or shared["serviceUrl"],
                "bot": shared.get("bot"), "user": user, "conversation": conversation}

    async def profile(self, user_id: str) -> Profile | None:
        async with self.sessions() as session:
            person = await find_person(session, "teams", user_id, alone=True)
        if person is None:
            return None
        return Profile(platform="teams", user_id=user_id.lower(),
                       display_name=person.display_name, email=person.email, tz=person.tz)

    async def profile_by_email(self, email: str) -> Profile | None:
        # The Bot Connector has no directory search; people arrive with their activities.
        return None

    async def roster(self, usergroups: Collection[str]) -> Roster | None:
        # Members arrive with installation and conversation updates (bot.teams.bot).
        return None
