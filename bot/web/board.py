"""The performance bulletin board: ``GET /board``, ``GET /board/signin``,
``POST /board/logout``, Sign in with Slack (``/board/signin/slack`` and its callback, see
`bot.web.slack_signin`) and the style sheet, rendered on the server from messages/board/.

Sign-in: a link from ``/touchpoint board`` (`bot.flows.board.links`) is checked, recorded as
used (once only), and exchanged for a session: a random secret in an HttpOnly, SameSite=Lax
cookie (Secure when the public address is https), whose SHA-256 names a `storage.board`
row. The answer is a redirect to ``/board``, so the token leaves the address bar, and no page
sends a Referer. Every request loads the person again: someone who left, or whose role
changed since they signed in, is signed out. Logging out is a form with a CSRF token (an HMAC
of the session under the board key). Pages carry a strict Content-Security-Policy (no
script at all; styles from the board's own sheet) and are never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from importlib.resources import files
from typing import Any

from aiohttp import web
from babel.core import negotiate_locale
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from multidict import MultiDict
from sqlalchemy.exc import SQLAlchemyError

from bot.chat import catalogues
from bot.chat.templates import day, number, percent
from bot.flows.board.figures import FiguresCache, board_view, headlines
from bot.flows.board.links import SIGNIN_PATH, SigninLinks
from bot.services import Services
from bot.web.slack_signin import (
    CALLBACK_PATH,
    START_PATH,
    STATE_COOKIE,
    STATE_MINUTES,
    SigninRefused,
    SlackSignin,
    SlackUnreachable,
)
from storage import board
from storage.complaints import person_by_id
from storage.directory import find_by_platform_id
from storage.models import Person
from storage.outage import RETRY_AFTER_S

log = logging.getLogger(__name__)

SESSION_HOURS = 8
SIGNIN_PER_MINUTE = 30
"""Sign-in attempts one address may make per minute on one replica, before 429."""
_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self'; "
                                "form-action 'self'; base-uri 'none'; "
                                "frame-ancestors 'self' https://teams.microsoft.com "
                                "https://*.teams.microsoft.com https://*.cloud.microsoft"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Door:
    """One way into the board: where its pages live and how its session cookie is set."""

    base: str
    cookie: str
    samesite: str
    partitioned: bool
    always_secure: bool


BROWSER = Door("/board", "touchpoint_board", "Lax", partitioned=False, always_secure=False)
"""The board in a browser tab: a first-party cookie, SameSite=Lax (Secure on https)."""

TAB = Door("/board/tab", "touchpoint_board_tab", "None", partitioned=True, always_secure=True)
"""The board inside Teams' personal tab. Teams shows the tab in an iframe on
teams.microsoft.com, a cross-site frame, so the browser door's SameSite=Lax cookie is never
sent there. Microsoft's tab documentation (the SameSite cookie attribute page) says cookies
that must work in a tab's iframe are set SameSite=None; Secure, and browsers that block
third-party cookies still keep a Partitioned one (CHIPS): one jar for the board embedded
in Teams, separate from the board opened directly, so nothing can follow a person across
sites. We chose that over Teams' own tab sign-in (SSO or the authentication pop-up),
because both need the TeamsJS script and the board runs no script at all (its CSP forbids
it). The cookie is confined to this route (Path=/board/tab), and since a cross-site cookie
rides along on requests other sites start, the tab's only form (sign out) keeps its CSRF
token. The person signs in inside the tab by pasting the link `board` sends them: opening
it there, not in a browser, puts the session in Teams' partition."""


def _pages(language: str) -> Environment:
    """The board's pages in `language` (a shipped catalogue's, or English): HTML
    autoescaping, and Jinja's newstyle gettext, so a variable in a translated sentence is
    escaped like any other and the sentence's own markup (``<kbd>``) is kept."""
    pages = Environment(loader=PackageLoader("messages", "board"),
                        autoescape=select_autoescape(["html.j2"]),
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                        extensions=["jinja2.ext.i18n"])
    pages.filters.update(day=partial(day, locale=language),
                         number=partial(number, locale=language),
                         percent=partial(percent, locale=language))
    pages.install_gettext_translations(  # type: ignore[attr-defined]
        catalogues.translations(language), newstyle=True)
    pages.globals["locale"] = language
    return pages


def reader_language(accept_language: str, default: str) -> str:
    """The shipped language the browser asks for first (Accept-Language, in its order of
    preference), else the organisation's (`organisation.locale`)."""
    wanted = []
    for part in accept_language.split(","):
        tag, _, weight = part.strip().partition(";q=")
        try:
            preference = float(weight) if weight else 1.0
        except ValueError:
            continue
        if tag and tag != "*" and preference > 0:
            wanted.append((-preference, len(wanted), tag.replace("-", "_")))
    found = negotiate_locale([tag for *_, tag in sorted(wanted)], catalogues.available(),
                             sep="_")
    return catalogues.negotiate(found or default)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class _RateLimit:
    """At most `limit` attempts per address in any minute (one replica's count)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._seen: dict[str, deque[float]] = {}

    def allow(self, address: str) -> bool:
        now = time.monotonic()
        times = self._seen.setdefault(address, deque())
        while times and now - times[0] > 60:
            times.popleft()
        if len(self._seen) > 10_000:  # a flood of addresses must not grow memory for ever
            self._seen = {address: times}
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


class BoardPages:
    def __init__(self, services: Services):
        self.services = services
        self.links = SigninLinks(services.settings.secrets)
        key = services.settings.secrets.board_key
        self._key = key.get_secret_value().encode() if key else b""
        self._envs: dict[str, Environment] = {}
        self.limit = _RateLimit(SIGNIN_PER_MINUTE)
        self.cache = FiguresCache(services.settings.app.board.cache_seconds)
        self.slack = (SlackSignin(services.settings, services.metrics)
                      if SlackSignin.configured(services.settings) else None)

    def env(self, language: str) -> Environment:
        if language not in self._envs:
            self._envs[language] = _pages(language)
        return self._envs[language]

    def page(self, request: web.Request, template: str, status: int = 200,
             door: Door = BROWSER, **context: Any) -> web.Response:
        language = reader_language(request.headers.get("Accept-Language", ""),
                                   self.services.settings.app.organisation.locale)
        html = self.env(language).get_template(template).render(
            organisation=self.services.settings.app.organisation.name,
            slack_signin=self.slack is not None and door is BROWSER, base=door.base,
            in_tab=door is TAB, **context)
        return web.Response(text=html, status=status, content_type="text/html",
                            charset="utf-8", headers=_HEADERS)

    def csrf(self, secret_hash: str) -> str:
        return hmac.new(self._key, f"csrf:{secret_hash}".encode(), hashlib.sha256).hexdigest()

    def _clear(self, response: web.StreamResponse, door: Door) -> web.StreamResponse:
        self._set_cookie(response, door, "", max_age=0)
        return response

    def _set_cookie(self, response: web.StreamResponse, door: Door, value: str,
                    max_age: int) -> None:
        response.set_cookie(door.cookie, value, path=door.base, httponly=True,
                            secure=door.always_secure or self.links.secure,
                            samesite=door.samesite, max_age=max_age)
        if door.partitioned:
            # Python's cookie Morsel learns `Partitioned` only in 3.14 (aiohttp passes it
            # on to the Morsel), so the attribute is added to the header by hand; a
            # partitioned cookie is also only replaced or deleted by a partitioned one.
            morsel = response.cookies.pop(door.cookie)
            response.headers.add("Set-Cookie", f"{morsel.OutputString()}; Partitioned")

    async def signin(self, request: web.Request, door: Door = BROWSER) -> web.StreamResponse:
        if not self.limit.allow(request.remote or ""):
            return self.page(request, "signed_out.html.j2", status=429, door=door, reason="busy")
        now = self.services.clock()
        token = self.links.verify(_token_in(request.query.get("token", "")), now)
        if token is None:
            return self.page(request, "signed_out.html.j2", status=403, door=door, reason="invalid")
        async with self.services.sessions() as session:
            person = await person_by_id(session, token.person_id)
            return await self._open(request, session, person, token.nonce, token.expires,
                                    now, door)

    async def _open(self, request: web.Request, session: Any, person: Person | None,
                    used: str,
                    used_until: datetime, now: datetime,
                    door: Door = BROWSER) -> web.StreamResponse:
        """Sign `person` in, once for the sign-in `used` (a link's or Slack's nonce): a
        server-side session, its secret in the door's cookie, and a redirect to its board."""
        if person is None or not person.active or person.id is None or not (
                await board.use_signin(session, used, person.id, now=now,
                                       expires_at=used_until)):
            await session.rollback()
            return self.page(request, "signed_out.html.j2", status=403, door=door, reason="invalid")
        secret = secrets.token_urlsafe(32)
        await board.open_session(session, _hash(secret), person.id, person.role,
                                 now=now, expires_at=now + timedelta(hours=SESSION_HOURS))
        await session.commit()
        response = web.Response(status=303, headers={**_HEADERS, "Location": door.base})
        self._set_cookie(response, door, secret, max_age=SESSION_HOURS * 3600)
        return response

    async def slack_start(self, request: web.Request) -> web.StreamResponse:
        if self.slack is None:
            raise web.HTTPNotFound()
        if not self.limit.allow(request.remote or ""):
            return self.page(request, "signed_out.html.j2", status=429, reason="busy")
        started = self.slack.start(self.services.clock())
        response = web.Response(status=303,
                                headers={**_HEADERS, "Location": started.authorize_url})
        response.set_cookie(STATE_COOKIE, started.cookie, path=START_PATH, httponly=True,
                            secure=self.links.secure, samesite="Lax",
                            max_age=STATE_MINUTES * 60)
        return response

    async def slack_callback(self, request: web.Request) -> web.StreamResponse:
        if self.slack is None:
            raise web.HTTPNotFound()
        if not self.limit.allow(request.remote or ""):
            return self.page(request, "signed_out.html.j2", status=429, reason="busy")
        now = self.services.clock()
        try:
            who = await self.slack.finish(dict(request.query), _cookie(request, STATE_COOKIE),
                                          now)
        except SigninRefused as exc:
            log.info("board: Sign in with Slack refused: %s", exc)
            return self._forget_state(self.page(request, "signed_out.html.j2", status=403,
                                                reason="slack_refused"))
        except SlackUnreachable as exc:
            log.warning("board: Sign in with Slack could not reach Slack (%s)", exc)
            return self.page(request, "signed_out.html.j2", status=502, reason="slack_unreachable")
        async with self.services.sessions() as session:
            person = await find_by_platform_id(session, "slack", who.user_id)
            if person is None:
                log.info("board: Sign in with Slack by %s, who is not in the directory",
                         who.user_id)
            response = await self._open(request, session, person, f"slack:{who.nonce}",
                                        who.expires, now)
        return self._forget_state(response)

    @staticmethod
    def _forget_state(response: web.StreamResponse) -> web.StreamResponse:
        response.del_cookie(STATE_COOKIE, path=START_PATH)
        return response

    async def show(self, request: web.Request, door: Door = BROWSER) -> web.StreamResponse:
        now = self.services.clock()
        secret = _cookie(request, door.cookie)
        async with self.services.sessions() as session:
            signed_in = secret and await board.find_session(session, _hash(secret), now)
            person = signed_in and await person_by_id(session, signed_in.person_id)
            if signed_in and (not person or not person.active or person.role != signed_in.role):
                # Left, or their role changed: what they may see changed, so sign in again.
                await board.end_session(session, signed_in.secret_hash)
                await session.commit()
                return self._clear(self.page(request, "signed_out.html.j2", door=door,
                                             reason="changed"), door)
            if not signed_in or not person:
                if self.services.settings.app.board.public:
                    return self.page(request, "public.html.j2", door=door,
                                     **await headlines(session, now),
                                     **await self.cache.right_now(session, self.services,
                                                                  now, public=True))
                return self.page(request, "signed_out.html.j2", door=door, reason="none")
            view = await board_view(session, self.services, person, now, self.cache)
        return self.page(request, "board.html.j2", door=door, csrf=self.csrf(signed_in.secret_hash),
                         **view)

    async def logout(self, request: web.Request, door: Door = BROWSER) -> web.StreamResponse:
        secret = _cookie(request, door.cookie)
        try:
            form = await request.post()
        except (ValueError, LookupError):
            # A body that is no readable form (a multipart boundary missing or wrong, bytes
            # not in its charset, a charset nobody knows) carries no CSRF token either.
            form = MultiDict()
        if not secret or not hmac.compare_digest(str(form.get("csrf", "")),
                                                 self.csrf(_hash(secret))):
            return self.page(request, "signed_out.html.j2", status=403, door=door, reason="csrf")
        async with self.services.sessions() as session:
            await board.end_session(session, _hash(secret))
            await session.commit()
        return self._clear(self.page(request, "signed_out.html.j2", door=door, reason="logged_out"),
                           door)


def _cookie(request: web.Request, name: str) -> str | None:
    """One of our cookies, or None. Ours are ASCII: anything else (bytes a browser sends back
    as they were set) is not one, and could not be hashed or compared."""
    value = request.cookies.get(name)
    return value if value and value.isascii() else None


def _token_in(pasted: str) -> str:
    """The token itself, whether given alone or inside the whole link (pasted in the tab)."""
    pasted = pasted.strip()
    return pasted.split("token=", 1)[1] if "token=" in pasted else pasted


def _guarded(pages: BoardPages, handler):
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("board: the database is unreachable (%s); answering 503",
                        type(exc).__name__)
            return web.Response(status=503, text="Try again in a moment.",
                                headers={"Retry-After": str(RETRY_AFTER_S)})
    return guarded


def add_board_routes(app: web.Application, services: Services) -> None:
    pages = BoardPages(services)
    css = files("messages").joinpath("board/board.css").read_text()

    async def style(_request: web.Request) -> web.Response:
        return web.Response(text=css, content_type="text/css",
                            headers={"Cache-Control": "public, max-age=3600",
                                     "X-Content-Type-Options": "nosniff"})

    app.router.add_get("/board", _guarded(pages, pages.show))
    app.router.add_get(SIGNIN_PATH, _guarded(pages, pages.signin))
    app.router.add_post("/board/logout", _guarded(pages, pages.logout))
    app.router.add_get(TAB.base, _guarded(pages, partial(pages.show, door=TAB)))
    app.router.add_get(f"{TAB.base}/signin", _guarded(pages, partial(pages.signin, door=TAB)))
    app.router.add_post(f"{TAB.base}/logout", _guarded(pages, partial(pages.logout, door=TAB)))
    app.router.add_get(START_PATH, _guarded(pages, pages.slack_start))
    app.router.add_get(CALLBACK_PATH, _guarded(pages, pages.slack_callback))
    app.router.add_get("/board/board.css", style)
