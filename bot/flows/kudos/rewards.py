"""Kudos rewards: balances, the catalogue, redemptions and their approval.

``/kudos redeem KEY`` takes the points and one of the reward's stock in one transaction (the
person's row locked first, then the stock claimed with a conditional UPDATE), so neither
can go below zero however many requests arrive at once. The request then goes as a card with
Approve / Decline to the approvals channel (the triage channel unless app.yaml names
another): one card that any IT lead or admin can act on, updated in place once someone has,
so two people never decide the same request. A reward that needs no approval skips straight
to Fulfilled. Declining refunds the points and puts the item back in stock. Who may press
which button is checked here, on the server.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.chat.port import Origin
from bot.config import KudosReward, Role
from bot.flows.kudos.ids import APPROVE, DECLINE, FULFIL
from bot.flows.kudos.people import person_view, week_start, zone_of
from bot.services import Services
from storage import audit
from storage.kudos import (
    Entry,
    KudosRedemption,
    Status,
    add_entry,
    balance,
    claim_stock,
    claimed,
    given_since,
    lock_person,
    move_status,
    release_stock,
)
from storage.models import Person

log = logging.getLogger(__name__)


async def show_balance(session: AsyncSession, services: Services, person: Person,
                       origin: Origin) -> None:
    config = services.settings.app.kudos
    assert person.id is not None
    zone = zone_of(person)
    start = week_start(services.clock(), zone)
    points = await balance(session, person.id)
    used = await given_since(session, person.id, start)
    # Read only: no transaction is held across the answer's round trip.
    await session.commit()
    await services.chat.reply_privately(origin, Message("kudos/balance", {
        "balance": points, "left": max(config.weekly_allowance - used, 0),
        "allowance": config.weekly_allowance, "rewards": bool(config.rewards)}))


async def _catalogue(session: AsyncSession, rewards: list[KudosReward]) -> list[dict[str, Any]]:
    shown = []
    for reward in rewards:
        left = None if reward.stock is None else max(
            reward.stock - await claimed(session, reward.key), 0)
        shown.append({"key": reward.key, "name": reward.name, "cost": reward.cost,
                      "left": left, "needs_approval": reward.needs_approval})
    return shown


async def show_rewards(session: AsyncSession, services: Services, person: Person,
                       origin: Origin) -> None:
    assert person.id is not None
    rewards = await _catalogue(session, services.settings.app.kudos.rewards)
    points = await balance(session, person.id)
    # Read only: no transaction is held across the answer's round trip.
    await session.commit()
    await services.chat.reply_privately(origin, Message("kudos/rewards", {
        "rewards": rewards, "balance": points}))


async def redeem_reward(session: AsyncSession, services: Services, person: Person,
                        origin: Origin, key: str) -> None:
    config = services.settings.app.kudos
    assert person.id is not None
    reward = config.reward(key) if key else None
    if reward is None:
        await _refuse(services, origin, "unknown", key=key,
                      keys=[r.key for r in config.rewards])
        return
    await lock_person(session, person.id)
    points = await balance(session, person.id)
    # A refusal writes nothing: rolled back, which lets go of the person's row at once.
    if points < reward.cost:
        await session.rollback()
        await _refuse(services, origin, "short", reward=reward.name, cost=reward.cost,
                      balance=points)
        return
    if not await claim_stock(session, reward.key, reward.stock):
        await session.rollback()
        await _refuse(services, origin, "out_of_stock", reward=reward.name)
        return
    status = Status.PENDING if reward.needs_approval else Status.APPROVED
    redemption = KudosRedemption(person_id=person.id, reward_key=reward.key,
                                 reward_name=reward.name, cost=reward.cost,
                                 status=status.value, requested_at=services.clock())
    session.add(redemption)
    await session.flush()
    add_entry(session, person.id, Entry.REDEEM, -reward.cost, redemption_id=redemption.id)
    services.metrics.kudos_redemptions.labels("requested").inc()

    app = services.settings.app
    await services.outbox.post(session, app.kudos.approvals or app.channels.triage,
                               await _card(session, redemption, person),
                               key=card_key(redemption.id))
    # The redemption and its card are stored before the redeemer is answered: the outbox
    # posts the card meanwhile, and no transaction is held across the answer's round trip.
    await session.commit()
    await services.chat.reply_privately(origin, Message("kudos/redeemed", {
        "reward": reward.name, "cost": reward.cost, "balance": points - reward.cost,
        "needs_approval": reward.needs_approval}))


async def _refuse(services: Services, origin: Origin, reason: str, **context: Any) -> None:
    services.metrics.kudos_redemptions.labels("refused").inc()
    log.info("redemption by %s refused: %s", origin.user_id, reason)
    await services.chat.reply_privately(origin, Message("kudos/redeem_refused", {
        "reason": reason, **context}))


def card_key(redemption_id: int | None) -> str:
    """The outbox key of a redemption's approval card."""
    return f"kudos:redemption:{redemption_id}:card"


def decision_key(redemption_id: int | None, status: str) -> str:
    """The outbox key of the redeemer's DM about a decision (one per status reached)."""
    return f"kudos:redemption:{redemption_id}:{status}"


async def _card(session: AsyncSession, redemption: KudosRedemption,
                redeemer: Person | None = None) -> Message:
    """The approval card for a redemption in its current state."""
    redeemer = redeemer or await session.get(Person, redemption.person_id)
    decider = await session.get(Person, redemption.decided_by) if redemption.decided_by else None
    fulfiller = (await session.get(Person, redemption.fulfilled_by)
                 if redemption.fulfilled_by else None)
    assert redeemer is not None
    value = str(redemption.id)
    buttons: tuple[Button, ...] = ()
    if redemption.status == Status.PENDING:
        buttons = (Button(APPROVE, "approve", value, "primary"),
                   Button(DECLINE, "decline", value, "danger"))
    elif redemption.status == Status.APPROVED:
        buttons = (Button(FULFIL, "fulfil", value, "primary"),)
    return Message("kudos/approval", {
        "redeemer": person_view(redeemer), "reward": redemption.reward_name,
        "cost": redemption.cost, "status": redemption.status, "number": redemption.id,
        "decider": person_view(decider) if decider else None,
        "fulfiller": person_view(fulfiller) if fulfiller else None,
    }, buttons=buttons)


def _done_by(redemption: KudosRedemption, action: str, actor_id: int | None) -> bool:
    """Whether `action` is what the person `actor_id` already did to the redemption."""
    if action == FULFIL:
        return (redemption.status, redemption.fulfilled_by) == (Status.FULFILLED, actor_id)
    reached = Status.APPROVED if action == APPROVE else Status.DECLINED
    # An approval later fulfilled was still theirs to approve.
    return redemption.decided_by == actor_id and (
        redemption.status == reached
        or (reached == Status.APPROVED and redemption.status == Status.FULFILLED))


async def decide_redemption(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin, action: str, value: str) -> None:
    """Approve, decline or mark fulfilled, by an IT lead or admin who is not the redeemer."""
    redemption_id = int(value) if value.isdigit() and len(value) < 10 else None
    redemption = (await session.get(KudosRedemption, redemption_id)
                  if redemption_id is not None else None)
    refusal = None
    if redemption is None:
        refusal = "not_found"
    elif not Role(actor.role).at_least(Role.IT_LEAD):
        refusal = "not_allowed"
    elif redemption.person_id == actor.id:
        refusal = "own"
    if refusal is not None or redemption is None or redemption_id is None:
        # Read only: no transaction is held across the answer's round trip.
        await session.commit()
        await services.chat.reply_privately(origin, Message("kudos/decision_refused", {
            "reason": refusal}))
        return
    now = services.clock()
    if action == APPROVE:
        moved = await move_status(session, redemption_id, Status.PENDING, Status.APPROVED,
                                  decided_by=actor.id, decided_at=now)
    elif action == DECLINE:
        moved = await move_status(session, redemption_id, Status.PENDING, Status.DECLINED,
                                  decided_by=actor.id, decided_at=now)
        if moved:
            add_entry(session, redemption.person_id, Entry.REFUND, redemption.cost,
                      redemption_id=redemption_id)
            await release_stock(session, redemption.reward_key)
    else:
        moved = await move_status(session, redemption_id, Status.APPROVED, Status.FULFILLED,
                                  fulfilled_by=actor.id, fulfilled_at=now)
    if not moved:
        # Someone decided first: nothing of this is kept, and the status they left is read.
        actor_id = actor.id  # (the rollback expires what the session loaded, the actor too)
        await session.rollback()
        current = await session.get(KudosRedemption, redemption_id, populate_existing=True)
        await session.commit()
        if current is not None and _done_by(current, action, actor_id):
            # Their own press, clicked (or delivered) twice: the card shows it already.
            return
        await services.chat.reply_privately(origin, Message("kudos/decision_refused", {
            "reason": "already", "status": current.status if current else None}))
        return
    audit.record(session, actor_id=actor.id, action=action,
                 subject_type="kudos_redemption", subject_id=redemption_id)
    current = await session.get(KudosRedemption, redemption_id, populate_existing=True)
    assert current is not None
    services.metrics.kudos_redemptions.labels(current.status).inc()
    await services.outbox.edit(session, card_key(redemption_id), await _card(session, current))
    redeemer = await session.get(Person, current.person_id)
    assert redeemer is not None
    await services.outbox.send_dm(session, redeemer, Message("kudos/redemption", {
        "status": current.status, "reward": current.reward_name, "cost": current.cost,
        "balance": await balance(session, current.person_id), "decider": person_view(actor)}),
        key=decision_key(redemption_id, current.status))

