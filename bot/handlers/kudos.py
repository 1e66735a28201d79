"""Kudos: ``/kudos @person story`` (a form with no text), ``balance``, ``rewards``,
``redeem``, ``leaderboard`` and an admin's ``revoke``; the giving form; the Approve, Decline
and Fulfilled buttons of a redemption's card; reactions to the wall's posts."""

from __future__ import annotations

from bot.chat.port import MessageRef
from bot.flows.kudos.board import show_leaderboard
from bot.flows.kudos.gifts import form_origin, gift_from_command, gift_from_form
from bot.flows.kudos.giving import give_kudos, open_give_form
from bot.flows.kudos.ids import APPROVE, DECLINE, FULFIL, GIVE_FORM
from bot.flows.kudos.revoking import revoke_voucher
from bot.flows.kudos.rewards import decide_redemption, redeem_reward, show_balance, show_rewards
from bot.flows.kudos.wall import record_reaction
from bot.handlers.routes import EventTurn, Routes, Turn
from bot.intents import ReactionChanged


def register(dispatcher: Routes) -> None:
    async def give(turn: Turn) -> None:
        intent = turn.command
        if not intent.text.strip():
            await open_give_form(turn.session, turn.services, intent.origin)
            return
        await give_kudos(turn.session, turn.services, turn.actor, intent.origin,
                         gift_from_command(intent.text, intent.mentions))

    async def give_from_form(turn: Turn) -> None:
        intent, origin = turn.submission
        await give_kudos(turn.session, turn.services, turn.actor,
                         form_origin(origin, intent.metadata),
                         gift_from_form(intent.values, turn.services.settings.app.kudos))

    async def balance(turn: Turn) -> None:
        intent = turn.command
        await show_balance(turn.session, turn.services, turn.actor, intent.origin)

    async def rewards(turn: Turn) -> None:
        intent = turn.command
        await show_rewards(turn.session, turn.services, turn.actor, intent.origin)

    async def redeem(turn: Turn) -> None:
        intent = turn.command
        await redeem_reward(turn.session, turn.services, turn.actor, intent.origin,
                            intent.rest.strip())

    async def leaderboard(turn: Turn) -> None:
        intent = turn.command
        await show_leaderboard(turn.session, turn.services, turn.actor, intent.origin,
                               intent.rest)

    async def revoke(turn: Turn) -> None:
        intent = turn.command
        code, _, reason = intent.rest.strip().partition(" ")
        await revoke_voucher(turn.session, turn.services, turn.actor, intent.origin,
                             code, reason.strip())

    async def decide(turn: Turn) -> None:
        intent = turn.press
        await decide_redemption(turn.session, turn.services, turn.actor, intent.origin,
                                intent.action_id, intent.value)

    async def reaction(turn: EventTurn) -> None:
        event = turn.event
        assert isinstance(event, ReactionChanged)
        await record_reaction(turn.session, turn.services,
                              MessageRef(event.platform, event.channel, event.message_id),
                              event.user_id, event.reaction, added=event.added)

    dispatcher.on_command("kudos", None, give)
    dispatcher.on_command("kudos", "balance", balance, reads_only=True)
    dispatcher.on_command("kudos", "rewards", rewards, reads_only=True)
    dispatcher.on_command("kudos", "redeem", redeem)
    dispatcher.on_command("kudos", "leaderboard", leaderboard, reads_only=True)
    dispatcher.on_command("kudos", "revoke", revoke)
    dispatcher.on_form(GIVE_FORM, give_from_form)
    for action in (APPROVE, DECLINE, FULFIL):
        dispatcher.on_button(action, decide)
    dispatcher.on_event(ReactionChanged, reaction)
