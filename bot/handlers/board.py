"""Board: ``/touchpoint board`` (``board`` in Teams) and the home button answer with a sign-in
link; ``/touchpoint home`` (``home`` in Teams) answers with the person's summary, and Slack's
App Home shows it when opened. The home's Follow and Stop following buttons go to the
broadcasts' subscription flow, and the Home tab is published again after."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.flows.board.home import (
    REFRESH_EVERY_SECONDS,
    publish_home,
    refresh_due_homes,
    refresh_home,
    show_home,
)
from bot.flows.board.ids import BOARD_LINK, HOME_FOLLOW, HOME_UNFOLLOW
from bot.flows.board.signin import send_board_link
from bot.flows.broadcasts.subscriptions import subscription_change
from bot.flows.directory.people import upsert_profile
from bot.handlers.routes import EventTurn, Routes, ScheduledTurn, Turn
from bot.intents import ButtonPress, Command, HomeOpened
from storage.directory import find_by_platform_id


def register(dispatcher: Routes) -> None:
    async def board_link(turn: Turn) -> None:
        assert isinstance(turn.intent, Command | ButtonPress)
        await send_board_link(turn.session, turn.services, turn.intent.origin, turn.actor)

    async def home_command(turn: Turn) -> None:
        assert isinstance(turn.intent, Command)
        await show_home(turn.session, turn.services, turn.actor, turn.intent.origin)

    async def home_opened(turn: EventTurn) -> None:
        event = turn.event
        assert isinstance(event, HomeOpened)
        session, services = turn.session, turn.services
        person = await find_by_platform_id(session, event.platform, event.user_id)
        if person is None or not person.active:
            # Someone who never wrote to Touchpoint: join the directory as a command would.
            # The read ends first: the profile call may need the database (SQLite has one
            # connection) while it waits on Slack.
            await session.commit()
            profile = await services.chat.profile(event.platform, event.user_id)
            if profile is None:
                return
            try:
                person = await upsert_profile(session, services.settings.app, profile)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                person = await find_by_platform_id(session, event.platform, event.user_id)
                if person is None:
                    raise
        await publish_home(session, services, person)

    def toggle(follow: bool):
        async def handler(turn: Turn) -> None:
            press = turn.intent
            assert isinstance(press, ButtonPress)
            await subscription_change(turn.session, turn.services, turn.actor, press.origin,
                                      press.value, follow=follow)
            await refresh_home(turn.session, turn.services, turn.actor)
        return handler

    dispatcher.on_command("touchpoint", "board", board_link)
    dispatcher.on_command("touchpoint", "home", home_command)
    dispatcher.on_button(BOARD_LINK, board_link)
    dispatcher.on_button(HOME_FOLLOW, toggle(follow=True))
    dispatcher.on_button(HOME_UNFOLLOW, toggle(follow=False))
    dispatcher.on_event(HomeOpened, home_opened)

    async def home_refresh(turn: ScheduledTurn) -> None:
        await refresh_due_homes(turn.services)

    dispatcher.on_schedule("board.home_refresh", home_refresh, "interval",
                           seconds=REFRESH_EVERY_SECONDS)
