"""A closed campaign's tallies, kept: the figures of its numeric answers (per aspect and over
all for a satisfaction survey, answers, promoters and detractors for an NPS pulse) written
in `PulseCampaign.tallies` by the transaction that closes it, so the digest and the results
read a few numbers instead of counting its answers again (at 10 million answers a survey of
600,000 answers took 0.64 s, the two latest pulses 0.15 s; README, Sizing).

They cannot change afterwards: a transaction writing answers first checks the campaign is
open with its row share-locked (storage.pulses.lock_if_open), and the close's update of the
row waits for it, so the tallies, counted after that update, include every answer there
will be. `fill` keeps those of the campaigns closed before (migration 0035, bench seeding).
"""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import pulse_stats, survey_stats
from storage.pulses import CLOSED, PulseCampaign


def _statements(campaign_id: int, survey: bool) -> dict[str, Any]:
    """The statements counting each kept figure (key -> statement)."""
    if survey:
        return {"aspects": survey_stats.tally_query(campaign_id, by_aspect=True),
                "overall": survey_stats.tally_query(campaign_id, by_aspect=False)}
    return {"nps": pulse_stats.tally_query(campaign_id)}


def _kept(key: str, rows: Any) -> Any:
    """What is kept of `key`'s rows: lists of numbers (and aspect names), as JSON holds them."""
    if key == "nps":
        return [int(figure) for figure in rows[0]]
    return [list(astuple(tally)) for tally in survey_stats.read(rows,
                                                                by_aspect=key == "aspects")]


def _store(campaign_id: int, tallies: dict[str, Any]) -> Any:
    return (update(PulseCampaign).where(col(PulseCampaign.id) == campaign_id)
            .values(tallies=tallies))


async def keep(session: AsyncSession, campaign: PulseCampaign) -> None:
    """Keep the tallies of `campaign`, in the transaction that has just closed it."""
    assert campaign.id is not None
    tallies = {key: _kept(key, (await session.exec(statement)).all())
               for key, statement in _statements(campaign.id, campaign.is_survey).items()}
    await session.exec(_store(campaign.id, tallies))


def fill(connection: Connection) -> None:
    """Keep the tallies of every closed campaign without them, a few statements each. The
    caller commits."""
    closed = connection.execute(select(PulseCampaign.id, PulseCampaign.questions,
                                       PulseCampaign.tallies)
                                .where(col(PulseCampaign.status) == CLOSED)).all()
    # None is SQL NULL or JSON's null (what the ORM writes for None): told apart in Python.
    for campaign_id, questions, _ in (row for row in closed if row[2] is None):
        tallies = {key: _kept(key, connection.execute(statement).all())
                   for key, statement in _statements(campaign_id, bool(questions)).items()}
        connection.execute(_store(campaign_id, tallies))
