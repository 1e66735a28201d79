"""What Slack sends the bot, built and signed like Slack does, for tests, the demo and benches.

`SlackSender` posts slash commands, button clicks, modal submissions and events to the bot's
``/slack/events`` with a real ``X-Slack-Signature``, so they pass the same verification as
Slack's own requests. Payload shapes follow Slack's documentation for each kind.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from .sender import Reply, Sender

_ids = itertools.count(1)


class SlackSender(Sender):
    def __init__(self, bot_url: str, signing_secret: str, *, team_id: str = "T1",
                 response_base: str | None = None):
        super().__init__()
        self.events_url = bot_url.rstrip("/") + "/slack/events"
        self.verifier = SignatureVerifier(signing_secret)
        self.team_id = team_id
        self.response_base = response_base

    def signed_headers(self, body: bytes, content_type: str, *,
                       timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body),
        }

    async def post_raw(self, body: bytes, headers: dict[str, str]) -> Reply:
        return await self._post(self.events_url, body, headers)

    async def _post_form(self, fields: dict[str, str], **extra_headers: str) -> Reply:
        body = urlencode(fields).encode()
        headers = self.signed_headers(body, "application/x-www-form-urlencoded")
        headers.update(extra_headers)
        return await self.post_raw(body, headers)

    def _response_url(self, name: str) -> str:
        base = self.response_base or "http://127.0.0.1:9/response/"
        return f"{base.rstrip('/')}/{name}"

    async def command(self, command: str, text: str = "", *, user_id: str = "U0EMPL001",
                      channel_id: str = "C0GENERAL", user_name: str = "someone") -> Reply:
        """A slash command as Slack posts it (form-encoded)."""
        n = next(_ids)
        return await self._post_form({
            "token": "legacy-verification-token-unused",
            "team_id": self.team_id,
            "team_domain": "example",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A0TOUCHPT",
            "is_enterprise_install": "false",
            "response_url": self._response_url(f"cmd-{n}"),
            "trigger_id": f"{n}.trigger",
        })

    async def click(self, action_id: str, value: str, *, user_id: str = "U0EMPL001",
                    channel_id: str = "D0DM00001", message_ts: str = "1700000000.000100",
                    block_id: str = "actions") -> Reply:
        """A block_actions payload for a button in a message."""
        n = next(_ids)
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "example"},
            "user": {"id": user_id, "username": "someone", "team_id": self.team_id},
            "api_app_id": "A0TOUCHPT",
            "container": {"type": "message", "message_ts": message_ts,
                          "channel_id": channel_id, "is_ephemeral": False},
            "channel": {"id": channel_id, "name": "directmessage"},
            "message": {"type": "message", "ts": message_ts, "text": ""},
            "trigger_id": f"{n}.trigger",
            "response_url": self._response_url(f"action-{n}"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": block_id,
                         "value": value, "action_ts": f"{time.time():.6f}"}],
        }
        return await self._post_form({"payload": json.dumps(payload)})

    async def submit(self, callback_id: str, values: dict[str, str | list[str]], *,
                     user_id: str = "U0EMPL001", private_metadata: str = "",
                     view_id: str = "V0VIEW001", selects: dict[str, str] | None = None,
                     multi_selects: dict[str, list[str]] | None = None,
                     checkboxes: dict[str, list[str]] | None = None,
                     radios: dict[str, str | None] | None = None) -> Reply:
        """A view_submission payload; each value sits in a block named after its field.

        A text is a plain_text_input's value, a list the users picked in a
        multi_users_select; `selects` are the option values picked in static_selects,
        `multi_selects` those picked in multi_static_selects, `checkboxes` the values of the
        boxes ticked, `radios` those picked in radio_buttons (None: none picked, which Slack
        sends as a null option).
        """
        state: dict[str, Any] = {
            name: {name: {"type": "multi_users_select", "selected_users": value}
                   if isinstance(value, list) else {"type": "plain_text_input", "value": value}}
            for name, value in values.items()}
        for name, value in (selects or {}).items():
            state[name] = {name: {"type": "static_select", "selected_option": {
                "text": {"type": "plain_text", "text": value}, "value": value}
                if value else None}}
        for kind, picked in (("multi_static_select", multi_selects),
                             ("checkboxes", checkboxes)):
            for name, chosen in (picked or {}).items():
                state[name] = {name: {"type": kind, "selected_options": [
                    {"text": {"type": "plain_text", "text": value}, "value": value}
                    for value in chosen]}}
        for name, value in (radios or {}).items():
            state[name] = {name: {"type": "radio_buttons", "selected_option": {
                "text": {"type": "plain_text", "text": value}, "value": value}
                if value else None}}
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "example"},
            "user": {"id": user_id, "username": "someone", "team_id": self.team_id},
            "api_app_id": "A0TOUCHPT",
            "trigger_id": f"{next(_ids)}.trigger",
            "view": {"id": view_id, "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "state": {"values": state}},
        }
        return await self._post_form({"payload": json.dumps(payload)})

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry_num: int | None = None) -> Reply:
        """An Events API delivery (JSON); `retry_num` adds Slack's retry headers."""
        body = json.dumps({
            "token": "legacy-verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": "A0TOUCHPT",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "event": event,
        }).encode()
        headers = self.signed_headers(body, "application/json")
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return await self.post_raw(body, headers)
