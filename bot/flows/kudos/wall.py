"""The kudos wall: each public voucher's post in the wall channel (on every platform the
channel names), sent through the outbox under `wall_key` and marked in place when the voucher
is revoked, and the reactions people leave on it, counted for the stories people liked most.

A reaction names the platform's message; the outbox knows which key it sent there
(`storage.outbox.key_for_ref`), and the key names the voucher, so kudos keeps no message
references of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import MessageRef, Platform
from bot.flows.kudos.people import person_view
from bot.services import Services
from storage import outbox
from storage.kudos import KudosVoucher, react
from storage.models import Person

_PREFIX, _SUFFIX = "kudos:", ":wall"


def wall_key(voucher_id: int) -> str:
    """The outbox key of a voucher's wall post."""
    return f"{_PREFIX}{voucher_id}{_SUFFIX}"


def voucher_on_wall(key: str | None) -> int | None:
    """The voucher whose wall post was sent under `key`; None for any other key."""
    if not key or not key.startswith(_PREFIX) or not key.endswith(_SUFFIX):
        return None
    digits = key[len(_PREFIX):-len(_SUFFIX)]
    return int(digits) if digits.isdigit() else None


def wall_message(voucher: KudosVoucher, giver: Person, people: Sequence[Person]) -> Message:
    return Message("kudos/wall", {
        "giver": person_view(giver), "recipients": [person_view(p) for p in people],
        "story": voucher.story, "value": voucher.value, "code": voucher.code,
        "revoked": voucher.revoked_at is not None})


def wall_shown_on(services: Services, platform: Platform) -> bool:
    """Whether the kudos wall has a channel on `platform`: only there is a giver told their
    kudos is on the wall."""
    return getattr(services.settings.app.channels.kudos_wall, platform) is not None


async def post_voucher(session: AsyncSession, services: Services, voucher: KudosVoucher,
                       giver: Person, people: Sequence[Person]) -> None:
    """Post a public voucher on the wall."""
    assert voucher.id is not None
    await services.outbox.post(session, services.settings.app.channels.kudos_wall,
                               wall_message(voucher, giver, people), key=wall_key(voucher.id))


async def mark_revoked(session: AsyncSession, services: Services, voucher: KudosVoucher,
                       giver: Person, people: Sequence[Person]) -> None:
    """Show on a public voucher's wall post that it was withdrawn (or post it so, if it is
    still waiting to go out)."""
    assert voucher.id is not None
    if voucher.public:
        await services.outbox.edit(session, wall_key(voucher.id),
                                     wall_message(voucher, giver, people))


async def record_reaction(session: AsyncSession, services: Services, ref: MessageRef,
                          user_id: str, reaction: str, *, added: bool) -> None:
    """Count a reaction to a wall post (for the stories people liked most); reactions to
    anything else are none of kudos' business."""
    voucher_id = voucher_on_wall(await outbox.key_for_ref(session, ref))
    if voucher_id is not None:
        await react(session, voucher_id, user_id, reaction, added)
