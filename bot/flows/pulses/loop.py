"""Closing the loop on pulse comments: an IT lead replies to a comment (``/touchpoint pulse
reply ID words``), the bot delivers it to whoever wrote it, and they may answer back, which
reaches the lead; for an anonymous pulse nobody learns who the respondent is.

The way back to an anonymous respondent is their person id sealed with TOUCHPOINT_SEAL_KEY
(Fernet: AES with an HMAC, so it can be neither read nor forged without the key); it is
opened only in memory, to send, and to check that whoever answers back is that respondent.
Replies go through the outbox, except to an anonymous respondent: see `lead_reply`.
"""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Form, Message, TextField
from bot.chat.port import Origin, Undeliverable
from bot.flows.pulses.ids import ANSWER_BACK, ANSWER_BACK_FIELD
from bot.services import Services
from storage.models import Person
from storage.pulses import PulseAnswer, PulseCampaign, PulseReply, answer_ref, answers_by_ref

log = logging.getLogger(__name__)

MAX_REPLY = 2000
REPLY_KEY = "pulse-reply:"
"""Outbox keys of replies, followed by the reply's id (not under a campaign's ``pulse:{id}:``,
so closing the campaign cancels none)."""


def _fernet(key: SecretStr) -> Fernet:
    # Any passphrase works: Fernet wants 32 url-safe base64 bytes, so derive them.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.get_secret_value().encode())
                                           .digest()))


def seal(services: Services, person_id: int) -> str | None:
    """The sealed way back to `person_id`; None when no seal key is configured."""
    key = services.settings.secrets.seal_key
    return None if key is None else _fernet(key).encrypt(str(person_id).encode()).decode()


def _unseal(services: Services, route: str) -> int | None:
    key = services.settings.secrets.seal_key
    if key is None:
        return None
    try:
        return int(_fernet(key).decrypt(route.encode()))
    except (InvalidToken, ValueError):
        log.warning("a pulse reply route could not be opened (was the seal key changed?)")
        return None


def respondent_id(services: Services, answer: PulseAnswer) -> int | None:
    if answer.person_id is not None:
        return answer.person_id
    return _unseal(services, answer.reply_route) if answer.reply_route else None


async def lead_reply(session: AsyncSession, services: Services, actor: Person,
                     ref: str, text: str) -> dict:
    """Deliver a lead's reply to the writer of the comment named `ref` (as the results name
    it); the context for the lead's answer (pulses/lead)."""
    text = text.strip()[:MAX_REPLY]
    found = await answers_by_ref(session, ref)
    answer = found[0] if len(found) == 1 else None
    if answer is None or not answer.comment or not text:
        return {"problem": "unknown comment" if text else "usage", "name": ref}
    assert answer.id is not None
    answer_id = answer.id
    person_id = respondent_id(services, answer)
    respondent = await session.get(Person, person_id) if person_id is not None else None
    if respondent is None or not respondent.active:
        return {"problem": "no way back", "name": ref}
    assert actor.id is not None
    campaign = await session.get(PulseCampaign, answer.campaign_id)
    assert campaign is not None
    reply = PulseReply(answer_id=answer_id, lead_id=actor.id, text=text,
                       sent_at=services.clock())
    session.add(reply)
    await session.flush()
    message = Message("pulses/reply", {
        "organisation": services.settings.app.organisation.name, "lead": actor.display_name,
        "text": text, "comment": answer.comment, "from_respondent": False,
        "named": campaign.anonymity == "identified"},
        buttons=(Button(ANSWER_BACK, "answer_back", str(reply.id)),))
    if campaign.anonymity != "anonymous":
        await services.outbox.send_dm(session, respondent, message,
                                      key=f"{REPLY_KEY}{reply.id}")
        return {"replied": ref}
    # Not through the outbox: its row would keep, next to the respondent, the comment and the
    # reply that leads to their anonymous answer. Sent directly, once the reply is committed
    # (no transaction waits on the chat platform).
    await session.commit()
    try:
        await services.chat.send_dm(respondent, message)
    except Undeliverable:
        return {"problem": "no way back", "name": ref}
    return {"replied": ref}


async def _reply_to_me(session: AsyncSession, services: Services, actor: Person, value: str
                       ) -> tuple[PulseReply, PulseAnswer] | None:
    """The reply behind an answer-back button or form, if `actor` wrote its comment."""
    if not value.isdigit():
        return None
    reply = await session.get(PulseReply, int(value))
    answer = await session.get(PulseAnswer, reply.answer_id) if reply else None
    if reply is None or answer is None or respondent_id(services, answer) != actor.id:
        return None
    return reply, answer


async def ask_answer_back(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, value: str) -> None:
    found = await _reply_to_me(session, services, actor, value)
    # Ends the read before the chat calls (Slack's 3 s trigger for the form).
    await session.commit()
    if found is None:
        await services.chat.reply_privately(origin, Message("pulses/problem",
                                                            {"problem": "unknown"}))
        return
    await services.chat.open_form(origin, Form(
        "pulses/answer_back", ANSWER_BACK,
        (TextField(ANSWER_BACK_FIELD, "text_label", multiline=True, max_length=MAX_REPLY),),
        metadata=value))


async def record_answer_back(session: AsyncSession, services: Services, actor: Person,
                             origin: Origin, metadata: str, text: str) -> None:
    """Pass the respondent's words to the lead, without saying who they are."""
    found = await _reply_to_me(session, services, actor, metadata)
    text = text.strip()[:MAX_REPLY]
    if found is None or not text:
        await services.chat.reply_privately(origin, Message("pulses/problem",
                                                            {"problem": "unknown"}))
        return
    reply, answer = found
    back = PulseReply(answer_id=answer.id, lead_id=reply.lead_id, text=text,
                      from_respondent=True, sent_at=services.clock())
    session.add(back)
    lead = await session.get(Person, reply.lead_id)
    campaign = await session.get(PulseCampaign, answer.campaign_id)
    assert lead is not None and campaign is not None
    await session.flush()
    await services.outbox.send_dm(session, lead, Message("pulses/reply", {
        "organisation": services.settings.app.organisation.name, "lead": lead.display_name,
        "text": text, "comment": answer.comment, "from_respondent": True,
        "ref": answer_ref(answer.respondent_key),
        "named": campaign.anonymity == "identified"}),
        key=f"{REPLY_KEY}{back.id}")
    await services.chat.reply_privately(origin, Message("pulses/problem",
                                                        {"problem": "answer passed on"}))
