"""Satisfaction surveys, the multi-question pulses: each respondent's answer set
(`PulseResponse`, one per respondent and campaign) and its answers, one row per question
(`PulseQuestionAnswer`), with the queries that keep and read them. The per-aspect aggregates
are storage.survey_stats'.

Anonymity is the pulses' (see storage.pulses): an anonymous campaign's response holds no
person id and no time, only `respondent_key` (the SHA-256 of the token in the buttons of the
message it was answered from) and the segments; the person's invite delivery carries the bare
"has answered" (started) and "finished" flags. For other campaigns `person_id` is set and
unique per campaign, so a person has one answer set whichever message they answer from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.pulses import INVITE, PulseDelivery
from storage.types import UTCDateTime


class PulseResponse(SQLModel, table=True):
    """One respondent's answer set to a survey, finished or not."""

    __tablename__ = "pulse_response"
    __table_args__ = (
        UniqueConstraint("campaign_id", "respondent_key", name="uq_pulse_response_key"),
        # NULLs are distinct in both databases: anonymous responses (no person) are not held.
        UniqueConstraint("campaign_id", "person_id", name="uq_pulse_response_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="pulse_campaign.id", index=True)
    respondent_key: str = Field(max_length=64, description="SHA-256 of the button token")
    person_id: int | None = Field(default=None, foreign_key="person.id",
                                  description="never set for an anonymous campaign")
    segments: dict[str, str] = Field(default_factory=dict,
                                     sa_column=Column(JSON, nullable=False))
    finished: bool = Field(default=False, description="every question answered")
    locale: str | None = Field(default=None, max_length=35,
                               description="the language the questions were read in")
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                         description="never set for an anonymous campaign")


class PulseQuestionAnswer(SQLModel, table=True):
    """The answer to one question of a response: a number (1-5 or 0-10) or words."""

    __tablename__ = "pulse_question_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question", name="uq_pulse_question_answer"),
        CheckConstraint("value BETWEEN 0 AND 10", name="ck_pulse_question_answer_value"),
        # A survey's tallies (storage.survey_stats) read from the index alone.
        Index("ix_pulse_question_answer_tally", "campaign_id", "aspect", "kind", "value",
              "response_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="pulse_response.id", index=True)
    campaign_id: int = Field(foreign_key="pulse_campaign.id", index=True,
                             description="kept here so aggregates need no join")
    question: int = Field(description="the question's position in the campaign, from 0")
    aspect: str = Field(max_length=40)
    kind: str = Field(max_length=16, description="satisfaction, scale or text")
    value: int | None = None
    text: str | None = Field(default=None, max_length=1000)


async def find_response(session: AsyncSession, campaign_id: int, respondent_key: str,
                        person_id: int | None) -> PulseResponse | None:
    """A respondent's answer set: by the person where the campaign keeps who answered, else
    by the token's hash."""
    where = (col(PulseResponse.person_id) == person_id if person_id is not None
             else col(PulseResponse.respondent_key) == respondent_key)
    return (await session.exec(select(PulseResponse).where(
        col(PulseResponse.campaign_id) == campaign_id, where))).first()


async def answers_of(session: AsyncSession, response_id: int) -> dict[int, PulseQuestionAnswer]:
    rows = (await session.exec(select(PulseQuestionAnswer).where(
        col(PulseQuestionAnswer.response_id) == response_id))).all()
    return {row.question: row for row in rows}


async def replace_answers(session: AsyncSession, response: PulseResponse,
                          answers: list[PulseQuestionAnswer]) -> None:
    """The response's answers become `answers` (a form always carries every question)."""
    assert response.id is not None
    await session.exec(delete(PulseQuestionAnswer).where(
        col(PulseQuestionAnswer.response_id) == response.id))
    session.add_all(answers)


async def mark_finished(session: AsyncSession, campaign_id: int, person_id: int,
                        finished: bool) -> None:
    """The person's invite says whether they finished (reminders go to those who have not)."""
    await session.exec(update(PulseDelivery)
                       .where(col(PulseDelivery.campaign_id) == campaign_id,
                              col(PulseDelivery.person_id) == person_id,
                              col(PulseDelivery.kind) == INVITE)
                       .values(finished=finished))
