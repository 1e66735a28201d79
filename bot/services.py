"""The long-lived objects a handler may use, built once per application by `create_app`."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.background import Background
from bot.chat.outbox import Outbox
from bot.chat.pacer import Throttles
from bot.chat.port import ChatPort
from bot.config import Settings
from bot.metrics import Metrics
from storage.outage import Outage

Clock = Callable[[], datetime]


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    chat: ChatPort
    metrics: Metrics
    clock: Clock
    background: Background = field(default_factory=Background)
    """Work a request starts and need not wait for (see `bot.background`)."""
    outage: Outage = field(default_factory=Outage)
    """Whether the database was last found unreachable, so an outage is logged once."""
    throttles: Throttles = field(default_factory=Throttles)
    """Where a platform client reports a 429, so every sender's pacer pauses."""
    tokens: Callable[[], str] = field(default=lambda: secrets.token_urlsafe(16))
    """A fresh unguessable token, such as the one in a pulse's buttons (the demo gives a
    seeded one, so its transcript is the same at every run)."""
    outbox: Outbox = field(init=False)
    """Where flows record the messages they send (see `bot.chat.outbox`)."""

    def __post_init__(self) -> None:
        # The clock looked up at each use: a test may give the services another.
        self.outbox = Outbox(self.chat, lambda: self.clock())
