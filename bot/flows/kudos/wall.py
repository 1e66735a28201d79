"""The kudos wall: each public voucher's post in the wall channel (on every platform the
channel names), marked in place when the voucher is revoked, and the reactions people leave
on it, counted for the stories people liked most."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import MessageRef
from bot.flows.kudos.people import person_view
from bot.services import Services
from storage.kudos import KudosVoucher, add_wall_posts, react, wall_post_at, wall_posts
from storage.models import Person

log = logging.getLogger(__name__)


def wall_message(voucher: KudosVoucher, giver: Person, people: Sequence[Person]) -> Message:
    return Message("kudos/wall", {
        "giver": person_view(giver), "recipients": [person_view(p) for p in people],
        "story": voucher.story, "value": voucher.value, "code": voucher.code,
        "revoked": voucher.revoked_at is not None})


async def post_voucher(session: AsyncSession, services: Services, voucher: KudosVoucher,
                       giver: Person, people: Sequence[Person]) -> None:
    """Post a public voucher on the wall; a channel that cannot be reached is logged."""
    try:
        refs = await services.chat.post(services.settings.app.channels.kudos_wall,
                                        wall_message(voucher, giver, people))
    except Exception:
        log.exception("could not post kudos %s on the wall", voucher.code)
        return
    assert voucher.id is not None
    add_wall_posts(session, voucher.id, refs)


async def mark_revoked(session: AsyncSession, services: Services, voucher: KudosVoucher,
                       giver: Person, people: Sequence[Person]) -> None:
    """Show on the voucher's wall posts that it was withdrawn."""
    assert voucher.id is not None
    posts = await wall_posts(session, voucher.id)
    # The revocation is stored before the platforms are asked to show it.
    await session.commit()
    for post in posts:
        ref = MessageRef(post.platform, post.channel, post.message_id)  # type: ignore[arg-type]
        try:
            await services.chat.update(ref, wall_message(voucher, giver, people))
        except Exception:
            log.exception("could not mark kudos %s revoked on the wall", voucher.code)


async def record_reaction(session: AsyncSession, services: Services, ref: MessageRef,
                          user_id: str, reaction: str, *, added: bool) -> None:
    """Count a reaction to a wall post (for the stories people liked most); reactions to
    anything else are none of kudos' business."""
    post = await wall_post_at(session, ref.platform, ref.channel, ref.message_id)
    if post is None or post.id is None:
        return
    await react(session, post.id, user_id, reaction, added)
