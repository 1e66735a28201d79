"""Images for Teams cards, served by Touchpoint from signed, expiring links:
``GET /images/{token}``.

Why a link and not a data URI in the card: Teams refuses a bot message over about 28 KB
(Teams' limits; the Bot Framework page now says 100 KB counted as UTF-16, 40 KB before), and
the card's text already has 24,000 bytes of it (`bot.teams.render`). A 600 x 300 bar chart as
matplotlib draws it (title, labels, anti-aliased text) is 20-21 KB of PNG, 27-28 KB as a
base64 data URI: alone it fills the whole message. Reduced to 64 colours it is still 6-6.5 KB
(8-8.7 KB as a data URI), a third of the card, and drawn for high-density screens (1200 x 600)
15.7 KB even in 64 colours (`bench/card_image.py`; the README has the figures). Data URIs are
also reported not to show in some Teams clients. A link costs the card about 200 bytes,
whatever the picture; its price is that Teams must reach Touchpoint (`TOUCHPOINT_PUBLIC_URL`,
https) and that the link expires (`LINK_DAYS`), after which an old message shows no image.

A token is ``{digest}.{expires}.{mac}``: the PNG's SHA-256 (hex), the Unix time the link
expires, and HMAC-SHA256 of both under ``TOUCHPOINT_IMAGE_KEY`` (base64url). The route checks
the MAC and the time before it touches the database and answers 404, with no detail, to
anything else; the PNG comes from `storage.images`, so any replica serves a link another
replica made. Without the key or the public address, cards go without their images and one
warning says which setting is missing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Image
from bot.config import Secrets
from bot.services import Clock
from storage import images

log = logging.getLogger(__name__)

ROUTE = "/images/{token}"
LINK_DAYS = 30
"""How long a link serves its image: a digest or a status update is read within days."""
MAX_TOKEN = 160
RETRY_AFTER_S = 5


class ImageLinks:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], secrets: Secrets,
                 clock: Clock):
        self.sessions = sessions
        self.clock = clock
        self._key = secrets.image_key.get_secret_value().encode() if secrets.image_key else None
        self._base = secrets.public_url
        self._warned = False

    async def url_for(self, image: Image) -> str | None:
        """A link to `image`, kept in the database until the link expires; None (and one
        warning per process) when Touchpoint is not set up to serve images."""
        if self._key is None or self._base is None:
            self._warn_once()
            return None
        now = self.clock()
        expires = (now + timedelta(days=LINK_DAYS)).replace(microsecond=0)
        async with self.sessions() as session:
            await images.publish(session, image.digest, image.png, now=now, expires_at=expires)
            await session.commit()
        return f"{self._base}/images/{self.token(image.digest, expires)}"

    def token(self, digest: str, expires: datetime) -> str:
        payload = f"{digest}.{int(expires.timestamp())}"
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: str, now: datetime) -> tuple[str, datetime] | None:
        """The digest a token was signed for and when it expires, while it is valid; None
        for anything else."""
        if self._key is None or len(token) > MAX_TOKEN:
            return None
        payload, _, mac = token.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return None
        digest, _, stamp = payload.partition(".")
        try:
            expires = datetime.fromtimestamp(int(stamp), UTC)
        except (ValueError, OverflowError, OSError):
            return None
        return (digest, expires) if expires > now else None

    def _mac(self, payload: str) -> str:
        mac = hmac.new(self._key or b"", payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def _warn_once(self) -> None:
        if self._warned:
            return
        self._warned = True
        missing = [name for name, value in (("TOUCHPOINT_IMAGE_KEY", self._key),
                                            ("TOUCHPOINT_PUBLIC_URL", self._base))
                   if value is None]
        log.warning("teams: cards go out without their images until %s %s set",
                    " and ".join(missing), "is" if len(missing) == 1 else "are")


def add_image_route(app: web.Application, links: ImageLinks) -> None:
    database_down = False

    async def serve(request: web.Request) -> web.Response:
        nonlocal database_down
        now = links.clock()
        signed = links.verify(request.match_info["token"], now)
        if signed is None:
            raise web.HTTPNotFound()
        digest, expires = signed
        try:
            async with links.sessions() as session:
                png = await images.image_png(session, digest, now)
        except (SQLAlchemyError, OSError) as exc:
            # Once per outage: a card shown to a whole channel asks many times.
            if not database_down:
                log.warning("image links: the database is unreachable (%s); answering 503",
                            type(exc).__name__)
            database_down = True
            return web.Response(status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
        database_down = False
        if png is None:
            raise web.HTTPNotFound()
        # A digest names one picture for good, so caches may keep it while the link lives.
        lifetime = int((expires - now).total_seconds())
        return web.Response(body=png, content_type="image/png", headers={
            "Cache-Control": f"public, max-age={lifetime}, immutable",
            "X-Content-Type-Options": "nosniff",
        })

    app.router.add_get(ROUTE, serve)

