"""Handlers: one module per feature saying which intents (commands, buttons, forms), events
and scheduled jobs call which flow. `register_handlers` registers them all, explicitly, in one
place: into the running application's `Dispatcher` (`build_dispatcher`), or into bare `Routes`
(`handler_routes`) for tools that list what the bot answers without running it, such as the
app manifests.
"""

from __future__ import annotations

from bot.handlers import ambassadors as ambassador_handlers
from bot.handlers import board as board_handlers
from bot.handlers import broadcasts as broadcast_handlers
from bot.handlers import complaints as complaint_handlers
from bot.handlers import csat as csat_handlers
from bot.handlers import digests as digest_handlers
from bot.handlers import directory as directory_handlers
from bot.handlers import help as help_handlers
from bot.handlers import kudos as kudos_handlers
from bot.handlers import milestones as milestone_handlers
from bot.handlers import newsletter as newsletter_handlers
from bot.handlers import plans as plan_handlers
from bot.handlers import projects as project_handlers
from bot.handlers import pulses as pulses_handlers
from bot.handlers import retention as retention_handlers
from bot.handlers import scheduler as scheduler_handlers
from bot.handlers import settings as settings_handlers
from bot.handlers import tickets as ticket_handlers
from bot.handlers.dispatcher import Dispatcher
from bot.handlers.routes import Routes, Turn
from bot.services import Services


def register_handlers(dispatcher: Routes) -> None:
    help_handlers.register(dispatcher)
    directory_handlers.register(dispatcher)
    csat_handlers.register(dispatcher)
    complaint_handlers.register(dispatcher)
    kudos_handlers.register(dispatcher)
    broadcast_handlers.register(dispatcher)
    pulses_handlers.register(dispatcher)
    project_handlers.register(dispatcher)
    plan_handlers.register(dispatcher)
    milestone_handlers.register(dispatcher)
    newsletter_handlers.register(dispatcher)
    board_handlers.register(dispatcher)
    settings_handlers.register(dispatcher)
    digest_handlers.register(dispatcher)
    ticket_handlers.register(dispatcher)
    scheduler_handlers.register(dispatcher)
    retention_handlers.register(dispatcher)
    ambassador_handlers.register(dispatcher)


def build_dispatcher(services: Services) -> Dispatcher:
    dispatcher = Dispatcher(services)
    register_handlers(dispatcher)
    return dispatcher


def handler_routes() -> Routes:
    """Every route, with nothing running behind it."""
    routes = Routes()
    register_handlers(routes)
    return routes


__all__ = ["Dispatcher", "Routes", "Turn", "build_dispatcher", "handler_routes",
           "register_handlers"]
