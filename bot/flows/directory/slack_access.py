"""Slack taking access away: the app uninstalled from the workspace, or tokens revoked.

Each loss is recorded once (`storage.slack_access`) and logged once, however often Slack
delivers the event. The app's removal, or the revocation of its bot user's token, cuts off the
bot token in use: the Slack client refuses every call with it from then on
(`bot.slack.access`), so the outbox fails Slack rows with that reason instead of calling Slack.
Touchpoint holds no user tokens, so a revoked user token is recorded and logged, and changes
nothing it sends: those people's DMs come from the bot.
"""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.intents import SlackAccessLost
from bot.services import Services
from storage import slack_access as store

log = logging.getLogger(__name__)


async def record_slack_access_lost(session: AsyncSession, services: Services,
                                   lost: SlackAccessLost) -> None:
    token = services.settings.secrets.slack_bot_token
    fingerprint = store.fingerprint(token.get_secret_value() if token else "")
    now = services.clock()
    losses = [(store.UNINSTALLED, "")] if lost.uninstalled else []
    losses += [(store.BOT_TOKEN, user) for user in lost.bot_users]
    losses += [(store.USER_TOKEN, user) for user in lost.token_users]
    for kind, user in losses:
        if not await store.record_loss(session, team_id=lost.team_id, kind=kind, user_id=user,
                                       token_fingerprint=fingerprint, at=now):
            continue
        if kind == store.UNINSTALLED:
            log.warning("slack: the app was uninstalled from workspace %s; no more calls to "
                        "Slack with this bot token", lost.team_id)
        elif kind == store.BOT_TOKEN:
            log.warning("slack: the bot token of %s in workspace %s was revoked; no more calls "
                        "to Slack with it", user, lost.team_id)
        else:
            log.info("slack: %s revoked their user token in workspace %s (Touchpoint holds "
                     "none; nothing changes)", user, lost.team_id)
