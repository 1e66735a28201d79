"""Shared steps of the board scenarios: the bot on a controlled clock with the board's key,
sign-in through a link asked for in Slack, and the pages read with an HTML parser."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

import aiohttp
from sqlmodel import select

from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from storage.complaints import Complaint
from storage.models import Person
from tests.conftest import RunningBot

BOARD_KEY = "k3y-for-the-board-links-in-tests-0123456789"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


PUBLIC = "http://127.0.0.1:9"
"""The board's public address in the settings; links are followed at the running bot."""
BOARD_ENV = {"TOUCHPOINT_BOARD_KEY": BOARD_KEY, "TOUCHPOINT_PUBLIC_URL": PUBLIC}


async def ask_link(sender: SlackSender, slack: SlackEmulator, user: str) -> str:
    """The sign-in link `user` gets for ``/touchpoint board``, pointed at the running bot."""
    slack.clear()
    reply = await sender.command("/touchpoint", "board", user_id=user)
    assert reply.status == 200
    [posted] = await slack.wait_for_response(1)
    body = posted.body
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    found = re.search(r"<(http[^|>]+/board/signin\?token=[^|>]+)\|open the board>", text)
    assert found, text
    return found.group(1)


def local(link: str, bot: RunningBot) -> str:
    """The link's path and query at the running bot (its public address is a placeholder)."""
    return bot.url + link[link.index("/board/signin"):]


def browser() -> aiohttp.ClientSession:
    """A client keeping cookies, as a browser does, for the loopback address too."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(http: aiohttp.ClientSession, link: str) -> aiohttp.ClientResponse:
    async with http.get(link, allow_redirects=False) as response:
        await response.read()
        return response


def home_opened(user: str, tab: str = "home") -> dict:
    """The `app_home_opened` event as Slack's Events API reference documents it."""
    return {"type": "app_home_opened", "user": user, "channel": "D0DM00001", "tab": tab,
            "event_ts": f"{time.time():.6f}"}


async def press_in_home(sender: SlackSender, user: str, action_id: str,
                        value: str = "") -> int:
    """A button pressed in the Home tab: a block_actions payload as Slack's reference
    documents it (the container is the view; there is neither a channel nor a
    response_url). The answer's HTTP status."""
    payload = {
        "type": "block_actions", "team": {"id": "T1", "domain": "example"},
        "user": {"id": user, "username": "someone", "team_id": "T1"},
        "api_app_id": "A0TOUCHPT", "container": {"type": "view", "view_id": "V0HOME001"},
        "view": {"id": "V0HOME001", "type": "home", "blocks": []},
        "trigger_id": "1.trigger",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "actions",
                     "value": value, "action_ts": f"{time.time():.6f}"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    reply = await sender.post_raw(
        body, sender.signed_headers(body, "application/x-www-form-urlencoded"))
    return reply.status


async def add_person(bot: RunningBot, name: str, role: str = "employee") -> Person:
    async with bot.services.sessions() as session:
        person = Person(display_name=name, email=f"{name}@example.com", role=role)
        session.add(person)
        await session.commit()
        await session.refresh(person)
        return person


async def person_of(bot: RunningBot, slack_id: str) -> Person:
    async with bot.services.sessions() as session:
        return (await session.exec(select(Person).where(
            Person.slack_user_id == slack_id))).one()


async def add_complaint(bot: RunningBot, person_id: int, number: str, description: str,
                        *, category: str = "communication") -> None:
    due = NOW + timedelta(days=2)
    async with bot.services.sessions() as session:
        session.add(Complaint(
            number=number, submission_key=f"test:{number}", complainant_id=person_id,
            description=description, service="Email", category=category, impact="low",
            created_at=NOW - timedelta(days=1), acknowledge_due_at=due, resolve_due_at=due,
            acknowledge_remind_at=due, resolve_remind_at=due, root_cause="training"))
        await session.commit()


class Page(HTMLParser):
    """What the accessibility checks need from a page: its language, headings, tables,
    charts with their titles, images without alt text, and its visible text."""

    def __init__(self, html: str):
        super().__init__()
        self.html = html
        self.lang: str | None = None
        self.headings: list[tuple[str, str]] = []
        self.tables = self.charts = self.chart_titles = 0
        self.images_without_alt = 0
        self.text: list[str] = []
        self._heading: str | None = None
        self._in_svg_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "html":
            self.lang = named.get("lang")
        elif tag in ("h1", "h2", "h3"):
            self._heading = tag
            self.headings.append((tag, ""))
        elif tag == "table":
            self.tables += 1
        elif tag == "svg":
            self.charts += 1
            assert named.get("role") == "img"
        elif tag == "title" and self.charts:
            self._in_svg_title = True
        elif tag == "img" and not named.get("alt"):
            self.images_without_alt += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = None
        if tag == "title" and self._in_svg_title:
            self._in_svg_title = False
            self.chart_titles += 1

    def handle_data(self, data: str) -> None:
        if self._heading:
            level, text = self.headings[-1]
            self.headings[-1] = (level, text + data.strip())
        self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())
