"""``/kudos revoke K-42 reason``: an admin withdraws a voucher given in abuse.

The points come off each recipient's balance with an adjust entry, as far as they still have
them (spent points are not clawed back below zero); the wall post says so; the audit trail
keeps who did it and why.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.kudos import wall
from bot.flows.kudos.people import person_view
from bot.services import Services
from storage import audit
from storage.kudos import (
    Entry,
    KudosVoucher,
    add_entry,
    balance,
    lock_person,
    mark_revoked,
    recipients_of,
    voucher_code,
    voucher_id_of,
)
from storage.models import Person


async def revoke_voucher(session: AsyncSession, services: Services, admin: Person,
                         origin: Origin, code: str, reason: str) -> None:
    """Withdraw the voucher `code` (``K-42``) for `reason`, if `admin` is an admin."""
    voucher_id = voucher_id_of(code) if code else None
    outcome = None
    if Role(admin.role) != Role.ADMIN:
        outcome = "not_admin"
    elif voucher_id is None or not reason:
        outcome = "usage"
    if outcome is None:
        assert voucher_id is not None
        voucher = await session.get(KudosVoucher, voucher_id)
        if voucher is None:
            outcome = "not_found"
        elif voucher.revoked_at is not None:
            outcome = "already"
        elif not await mark_revoked(session, voucher_id, at=services.clock(), by=admin.id,
                                    reason=reason):
            outcome = "already"
    if outcome is not None:
        # Nothing was written: no transaction is held across the answer's round trip.
        await session.commit()
        await services.chat.reply_privately(origin, Message("kudos/revoked", {
            "outcome": outcome, "code": code, "reason": reason}))
        return
    assert voucher_id is not None
    voucher = await session.get(KudosVoucher, voucher_id, populate_existing=True)
    assert voucher is not None
    people = await recipients_of(session, voucher_id)
    taken: dict[str, int] = {}
    for person in people:
        assert person.id is not None
        await lock_person(session, person.id)
        points = min(voucher.points, max(await balance(session, person.id), 0))
        if points:
            add_entry(session, person.id, Entry.ADJUST, -points, voucher_id=voucher_id)
        taken[str(person.id)] = points
    audit.record(session, actor_id=admin.id, action="kudos.revoke",
                 subject_type="kudos_voucher", subject_id=voucher_id, reason=reason,
                 points_taken=taken)
    giver = await session.get(Person, voucher.giver_id)
    assert giver is not None
    await wall.mark_revoked(session, services, voucher, giver, people)
    # The revocation is stored, and the wall's update recorded, before the admin is answered:
    # no transaction is held across the answer's round trip.
    await session.commit()
    await services.chat.reply_privately(origin, Message("kudos/revoked", {
        "outcome": "done", "code": voucher_code(voucher_id), "reason": reason,
        "recipients": [person_view(p) for p in people],
        "taken": sum(taken.values())}))
