"""Slack's half of the chat port: Web API calls that send, update and open what flows ask,
and that look people up for the directory. A message's image is uploaded and shown through
`bot.slack.images`.
"""

from __future__ import annotations

from collections.abc import Collection

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.chat.message import Form, Message
from bot.chat.port import MessageRef, Origin, Profile, Roster, Undeliverable
from bot.metrics import Metrics
from bot.slack.client import MeteredWebClient, slack_error
from bot.slack.directory import is_person, profile_from_user, read_roster
from bot.slack.images import SlackImages
from bot.slack.render import SlackRenderer
from bot.slack.response_url import ResponseUrlPoster

# Errors that mean "this person or place cannot be reached", as opposed to a fault to retry.
UNREACHABLE = frozenset({
    "channel_not_found", "user_not_found", "users_not_found", "account_inactive",
    "cannot_dm_bot", "not_in_channel", "is_archived", "user_disabled", "user_is_bot",
    "messages_tab_disabled",
})


DELIVERY_EVENT = "touchpoint_delivery"
"""The message metadata type that carries a `Message.key`."""
HISTORY_PAGE = 100


class SlackChat:
    platform = "slack"

    def __init__(self, client: MeteredWebClient, metrics: Metrics,
                 renderer: SlackRenderer | None = None):
        self.client = client
        self.metrics = metrics
        self.renderer = renderer or SlackRenderer()
        self.images = SlackImages(client)
        self._answers = ResponseUrlPoster()

    async def open(self) -> None:
        """Share one connection pool between every Web API call and response_url post.

        Without it slack_sdk opens a new HTTP session, and connection, per call. Created
        here, inside the running loop the pool belongs to.
        """
        self.client.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    async def _post(self, channel: str, message: Message, **extra) -> MessageRef:
        if message.key is not None:
            extra["metadata"] = {"event_type": DELIVERY_EVENT,
                                 "event_payload": {"key": message.key}}

        async def post(image_file: str | None):
            return await self.client.chat_postMessage(
                channel=channel, **self.renderer.message(message, image_file=image_file),
                **extra)

        try:
            response = await self.images.send(message.image, post)
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in UNREACHABLE:
                raise Undeliverable(error) from exc
            raise
        return MessageRef("slack", response["channel"], response["ts"])

    async def send_dm(self, user_id: str, message: Message) -> MessageRef:
        # Posting to a user id opens (or reuses) the app's DM with them in one call.
        return await self._post(user_id, message)

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        return await self._post(channel_id, message)

    async def reply_in_thread(self, parent: MessageRef, message: Message) -> MessageRef:
        return await self._post(parent.channel, message, thread_ts=parent.message_id)

    async def edit(self, ref: MessageRef, message: Message) -> None:
        async def update(image_file: str | None):
            return await self.client.chat_update(
                channel=ref.channel, ts=ref.message_id,
                **self.renderer.message(message, image_file=image_file))

        await self.images.send(message.image, update)

    async def find_message(self, conversation: str, key: str, *,
                           thread: MessageRef | None = None) -> MessageRef | None:
        # One page: a message sent before a crash is at most a lease old, so among the newest
        # in a DM or channel (a channel busier than a page per lease may hide it). A thread's
        # page is its oldest replies, where a card's few notes are.
        try:
            if thread is not None:
                channel = thread.channel
                page = await self.client.conversations_replies(
                    channel=channel, ts=thread.message_id, limit=HISTORY_PAGE,
                    include_all_metadata=True)
            else:
                channel = conversation
                if conversation[:1] in ("U", "W"):
                    opened = await self.client.conversations_open(users=conversation)
                    channel = opened["channel"]["id"]
                page = await self.client.conversations_history(
                    channel=channel, limit=HISTORY_PAGE,
                    include_all_metadata=True)
        except SlackApiError as exc:
            if slack_error(exc) in UNREACHABLE:
                return None
            raise
        for sent in page.get("messages") or []:
            metadata = sent.get("metadata") or {}
            if (metadata.get("event_type") == DELIVERY_EVENT
                    and (metadata.get("event_payload") or {}).get("key") == key):
                return MessageRef("slack", channel, sent["ts"])
        return None

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        rendered = self.renderer.message(message)
        if origin.response_url:
            status = await self._answers.post(
                self.client.session, origin.response_url,
                {"response_type": "ephemeral", "replace_original": False, **rendered})
            result = "ok" if status == 200 else str(status)
            self.metrics.outbound.labels("slack", "response_url", result).inc()
            return
        channel = origin.channel
        if channel is None:
            # A modal's submission comes from no channel: answer in the app's DM with the
            # person (an ephemeral message needs a conversation, not a user id).
            opened = await self.client.conversations_open(users=origin.user_id)
            channel = opened["channel"]["id"]
        await self.client.chat_postEphemeral(channel=channel, user=origin.user_id, **rendered)

    async def open_form(self, origin: Origin, form: Form) -> None:
        if not origin.trigger_id:
            raise ValueError("Slack can only open a form in answer to a command or a click")
        await self.client.views_open(trigger_id=origin.trigger_id,
                                      view=self.renderer.form(form))

    async def publish_home(self, user_id: str, message: Message) -> None:
        rendered = self.renderer.message(message)
        await self.client.views_publish(user_id=user_id,
                                        view={"type": "home", "blocks": rendered["blocks"]})

    async def profile(self, user_id: str) -> Profile | None:
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            if slack_error(exc) in UNREACHABLE:
                return None
            raise
        return profile_from_user(response["user"])

    async def profile_by_email(self, email: str) -> Profile | None:
        try:
            response = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if slack_error(exc) in UNREACHABLE:
                return None
            raise
        user = response["user"]
        if not is_person(user) or user.get("deleted"):
            return None
        return profile_from_user(user)

    async def roster(self, usergroups: Collection[str]) -> Roster:
        return await read_roster(self.client, usergroups)
