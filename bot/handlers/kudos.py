"""Kudos: ``/kudos @person story`` (a form with no text), ``balance``, ``rewards``,
``redeem``, ``leaderboard`` and an admin's ``revoke``; the giving form; the Approve, Decline
and Fulfilled buttons of a redemption's card; reactions to the wall's posts."""

from __future__ import annotations

from bot.flows.kudos import board as kudos_board
from bot.flows.kudos import giving as kudos
from bot.flows.kudos import rewards as kudos_rewards
from bot.handlers.routes import EventTurn, Routes, Turn
from bot.intents import ButtonPress, Command, FormSubmit, ReactionChanged


def register(dispatcher: Routes) -> None:
    async def give(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        if not intent.text.strip():
            await kudos.open_give_form(turn.services, intent.origin)
            return
        await kudos.give(turn.services, turn.session, turn.actor, intent.origin,
                         kudos.gift_from_command(intent.text, intent.mentions))

    async def give_from_form(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, FormSubmit) and intent.origin is not None
        await kudos.give(turn.services, turn.session, turn.actor,
                         kudos.form_origin(intent.origin, intent.metadata),
                         kudos.gift_from_form(dict(intent.values),
                                              turn.services.settings.app.kudos))

    async def balance(turn: Turn) -> None:
        assert isinstance(turn.intent, Command)
        await kudos_rewards.show_balance(turn.services, turn.session, turn.actor,
                                         turn.intent.origin)

    async def rewards(turn: Turn) -> None:
        assert isinstance(turn.intent, Command)
        await kudos_rewards.show_rewards(turn.services, turn.session, turn.actor,
                                         turn.intent.origin)

    async def redeem(turn: Turn) -> None:
        assert isinstance(turn.intent, Command)
        await kudos_rewards.redeem(turn.services, turn.session, turn.actor, turn.intent.origin,
                                   turn.intent.rest.strip())

    async def leaderboard(turn: Turn) -> None:
        assert isinstance(turn.intent, Command)
        await kudos_board.leaderboard(turn.services, turn.session, turn.actor,
                                      turn.intent.origin, turn.intent.rest)

    async def revoke(turn: Turn) -> None:
        assert isinstance(turn.intent, Command)
        await kudos.revoke(turn.services, turn.session, turn.actor, turn.intent.origin,
                           turn.intent.rest)

    async def decide(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, ButtonPress)
        await kudos_rewards.decide(turn.services, turn.session, turn.actor, intent.origin,
                                   intent.action_id, intent.value)

    async def reaction(turn: EventTurn) -> None:
        assert isinstance(turn.event, ReactionChanged)
        await kudos.record_reaction(turn.session, turn.event)

    dispatcher.on_command("kudos", None, give)
    dispatcher.on_command("kudos", "balance", balance)
    dispatcher.on_command("kudos", "rewards", rewards)
    dispatcher.on_command("kudos", "redeem", redeem)
    dispatcher.on_command("kudos", "leaderboard", leaderboard)
    dispatcher.on_command("kudos", "revoke", revoke)
    dispatcher.on_form(kudos.FORM, give_from_form)
    for action in (kudos.APPROVE, kudos.DECLINE, kudos.FULFIL):
        dispatcher.on_button(action, decide)
    dispatcher.on_event(ReactionChanged, reaction)
