"""Handlers: one module per feature saying which intents (commands, buttons, forms) call which
flow. `build_dispatcher` registers them all, explicitly, in one place.
"""

from __future__ import annotations

from bot.handlers import help as help_handlers
from bot.handlers.dispatcher import Dispatcher, Turn
from bot.services import Services


def build_dispatcher(services: Services) -> Dispatcher:
    dispatcher = Dispatcher(services)
    help_handlers.register(dispatcher)
    return dispatcher


__all__ = ["Dispatcher", "Turn", "build_dispatcher"]
