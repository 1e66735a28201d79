"""The buttons of a redemption's approval card pressed twice by the same IT lead, as Slack
delivers a double click (both at once, or the second after the first was handled), on SQLite
and PostgreSQL: one decision, one audit event, one update of the card, one DM to the
redeemer, one refund on a decline, and no "someone got there first" for their own click."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.flows.kudos.ids import APPROVE, DECLINE, FULFIL
from storage.models import AuditEvent
from tests.waiting import eventually

from .conftest import LEAD, TECH
from .test_kudos_rewards import cards, dms_to, half_day_requested, redemptions, stock_claimed

TOGETHER = pytest.mark.parametrize("together", [True, False],
                                   ids=["at-once", "one-after-the-other"])


async def decisions(bot) -> list[str]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(AuditEvent.action)
                                        .order_by(AuditEvent.id))).all())


async def pressed_twice(bot, slack, kudos, action: str, redemption_id: int, ts: str, *,
                        together: bool) -> None:
    """The lead presses `action` twice; once its decision is recorded, and all it sent is
    out, waits a little longer for a second one that should not come."""
    before = len(await decisions(bot))

    async def decided() -> bool:
        return len(await decisions(bot)) > before

    async def press() -> None:
        await kudos.click(action, str(redemption_id), user=LEAD, ts=ts)

    if together:
        await asyncio.gather(press(), press())
    else:
        await press()
        await eventually(decided)
        await kudos.sent()
        await press()
    await eventually(decided)
    await asyncio.sleep(0.3)
    await bot.dispatcher.drain(5)
    await kudos.sent()


async def acted_once(bot, slack, answers: int, decided: list[str]) -> None:
    """The lead's decisions so far are `decided`: each updated the card once and was told to
    the redeemer once, and the lead had no private answer after the first `answers`."""
    assert await decisions(bot) == decided
    assert len(slack.calls_to("chat.update")) == len(decided)
    assert len(dms_to(slack, TECH)) == len(decided)
    assert slack.responses[answers:] == []


@TOGETHER
@pytest.mark.parametrize(("path", "status", "balance", "stock"), [
    ([APPROVE, FULFIL], "fulfilled", 20, 1),
    ([DECLINE], "declined", 50, 0),  # refunded, and the stock given back, once
], ids=["approve-fulfil", "decline"])
async def test_each_decision_pressed_twice_acts_once(bot, slack, kudos, together, path,
                                                     status, balance, stock):
    card, redemption = await half_day_requested(bot, slack, kudos, TECH)
    answers = len(slack.responses)

    for done, action in enumerate(path, 1):
        await pressed_twice(bot, slack, kudos, action, redemption.id, card["ts"],
                            together=together)
        await acted_once(bot, slack, answers, path[:done])

    [redemption] = await redemptions(bot)
    assert redemption.status == status
    assert await kudos.balance(TECH) == balance
    assert await stock_claimed(bot, "half-day") == stock
    assert len(cards(slack)) == 1
