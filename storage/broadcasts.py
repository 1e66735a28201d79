"""Broadcasts: outage and maintenance status updates, each update kept in order, and who
subscribed to which service's updates; with every query the broadcast flows need.

A broadcast is stored once per form submission (its key is unique), so a double submit or a
retry opens one. Each change is a `BroadcastUpdate` numbered within its broadcast (unique), so
the messages an update causes are keyed by (broadcast, number) and sent once however often the
turn is retried. A subscription is unique per (person, service).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Index,
    Text,
    UniqueConstraint,
    delete,
    func,
)
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.once import dialect_insert, insert_once
from storage.tickets import Ticket
from storage.types import UTCDateTime, utcnow

SUBJECT = "broadcast"
"""The audit trail's subject type of a broadcast (its subject id is the broadcast's id)."""


class Broadcast(SQLModel, table=True):
    __tablename__ = "broadcast"
    __table_args__ = (Index("ix_broadcast_open_updated", "is_open", "updated_at"),
                      # The digest's broadcasts opened in a period (migration 0036).
                      Index("ix_broadcast_created_at", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    submission_key: str = Field(unique=True, max_length=200,
                                description="platform:form id of the opening submission")
    kind: str = Field(max_length=16, description="incident or maintenance")
    title: str = Field(max_length=150)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    impact: str = Field(max_length=16)
    status: str = Field(max_length=16)
    is_open: bool = Field(default=True)
    message: str = Field(sa_column=Column(Text, nullable=False))
    """The latest update's message."""
    owner_id: int = Field(foreign_key="person.id", index=True)
    channels: list[dict[str, Any]] = Field(default_factory=list,
                                           sa_column=Column(JSON, nullable=False))
    """Every channel posted to, in order ({"slack": id, "teams": id}); a post's key is its
    place here, so a channel added by a later change gets a post of its own."""
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    update_count: int = Field(default=0, description="number of the latest update")
    reopen_count: int = Field(default=0)
    related_tickets: int = Field(default=0, description="tickets for its services opened "
                                                        "while it was open, as last shown")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BroadcastUpdate(SQLModel, table=True):
    """One change of a broadcast, as its timeline and thread show it."""

    __tablename__ = "broadcast_update"
    __table_args__ = (UniqueConstraint("broadcast_id", "number", name="uq_broadcast_update"),
                      # The digest's time in outage: the updates ending after its period starts.
                      Index("ix_broadcast_update_impact_ended", "impact", "ended_at"))

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id")
    number: int
    action: str = Field(max_length=16, description="opened, updated, resolved, reopened")
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    status: str = Field(max_length=16)
    impact: str = Field(max_length=16)
    message: str = Field(sa_column=Column(Text, nullable=False))
    notify_channel: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="the next update's time, kept by a trigger (storage.update_ends)")


class BroadcastSubscription(SQLModel, table=True):
    """A person who gets a DM for every update of a broadcast affecting a service."""

    __tablename__ = "broadcast_subscription"
    __table_args__ = (UniqueConstraint("person_id", "service", name="uq_broadcast_subscription"),
                      Index("ix_broadcast_subscription_service", "service"))

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    service: str = Field(max_length=100, description="the catalogue's name of the service")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BroadcastReminder(SQLModel, table=True):
    """A reminder or scheduled step already claimed for a broadcast: each is taken once,
    however many replicas (or runs) find it due."""

    __tablename__ = "broadcast_reminder"
    __table_args__ = (UniqueConstraint("broadcast_id", "kind", "number",
                                       name="uq_broadcast_reminder"),)

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id")
    kind: str = Field(max_length=32, description="owner:N, leads, day_before, hour_before, "
                                                 "started, ended")
    number: int = Field(description="the broadcast's update (or reopening) it belongs to")
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BroadcastRating(SQLModel, table=True):
    """A subscriber's answer to "how well were you kept informed?" about one broadcast."""

    __tablename__ = "broadcast_rating"
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id", name="uq_broadcast_rating"),
                      CheckConstraint("score BETWEEN 1 AND 5", name="ck_broadcast_rating_score"),
                      # The digest's answers of a period (migration 0036).
                      Index("ix_broadcast_rating_answered_at", "answered_at"))

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id")
    person_id: int = Field(foreign_key="person.id")
    score: int
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def insert_broadcast(session: AsyncSession, broadcast: Broadcast) -> int | None:
    """Insert the broadcast unless its submission opened one already; its new id, else None."""
    statement = (dialect_insert(session)(Broadcast)
                 .values(**broadcast.model_dump(exclude={"id"}))
                 .on_conflict_do_nothing(index_elements=[Broadcast.submission_key])
                 .returning(Broadcast.id))
    return (await session.exec(statement)).scalar_one_or_none()


async def by_id(session: AsyncSession, broadcast_id: int, *, lock: bool = False
                ) -> Broadcast | None:
    """The broadcast; with `lock`, its row is locked until the transaction ends (FOR UPDATE
    on PostgreSQL; SQLite's transactions are serial)."""
    statement = select(Broadcast).where(col(Broadcast.id) == broadcast_id)
    if lock:
        # Read again once locked: another transaction may have changed it meanwhile.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return (await session.exec(statement)).first()


async def add_update(session: AsyncSession, update: BroadcastUpdate) -> None:
    session.add(update)
    await session.flush()


async def timeline(session: AsyncSession, broadcast_id: int, last: int
                   ) -> list[tuple[BroadcastUpdate, Person | None]]:
    """The broadcast's `last` updates, oldest first, each with who made it."""
    rows = (await session.exec(
        select(BroadcastUpdate, Person).join(Person, isouter=True)
        .where(col(BroadcastUpdate.broadcast_id) == broadcast_id)
        .order_by(col(BroadcastUpdate.number).desc()).limit(last))).all()
    return list(reversed(rows))


def _related(broadcast: Broadcast) -> list[Any]:
    """Tickets for the broadcast's services that the desks opened while it was open."""
    conditions = [col(Ticket.service).in_(list(broadcast.services)),
                  col(Ticket.opened_at) >= broadcast.created_at]
    if broadcast.resolved_at is not None:
        conditions.append(col(Ticket.opened_at) < broadcast.resolved_at)
    return conditions


async def related_ticket_count(session: AsyncSession, broadcast: Broadcast) -> int:
    return int((await session.exec(
        select(func.count()).select_from(Ticket).where(*_related(broadcast)))).one())


async def unsubscribed_requesters(session: AsyncSession, broadcast: Broadcast
                                  ) -> list[Person]:
    """Active people who asked for one of the related tickets and follow none of the
    broadcast's services, each once."""
    following = (select(BroadcastSubscription.person_id)
                 .where(col(BroadcastSubscription.service).in_(list(broadcast.services))))
    requesters = select(Ticket.requester_id).where(*_related(broadcast))
    return list((await session.exec(
        select(Person).where(col(Person.id).in_(requesters), col(Person.id).not_in(following),
                             col(Person.active).is_(True))
        .order_by(col(Person.id)))).all())


async def open_broadcasts(session: AsyncSession) -> list[tuple[Broadcast, Person]]:
    """Every open broadcast with its owner, oldest first."""
    return list((await session.exec(
        select(Broadcast, Person).join(Person, col(Person.id) == col(Broadcast.owner_id))
        .where(col(Broadcast.is_open).is_(True))
        .order_by(col(Broadcast.created_at), col(Broadcast.id)))).all())


async def open_incident_services(session: AsyncSession) -> set[str]:
    """The services some open incident affects (maintenance left out), by name."""
    affected = (await session.exec(
        select(Broadcast.services).where(col(Broadcast.is_open).is_(True),
                                         col(Broadcast.kind) == "incident"))).all()
    return {service for services in affected for service in services}


async def claim_reminder(session: AsyncSession, broadcast_id: int, kind: str, number: int,
                         now: datetime) -> bool:
    """True when this caller is the one to send the reminder (or take the step)."""
    return await insert_once(session, BroadcastReminder, broadcast_id=broadcast_id, kind=kind,
                             number=number, claimed_at=now)


async def rate(session: AsyncSession, broadcast_id: int, person_id: int, score: int,
               now: datetime) -> bool:
    """Record the answer; False when the person had answered already (the first stands)."""
    return await insert_once(session, BroadcastRating, broadcast_id=broadcast_id,
                             person_id=person_id, score=score, answered_at=now)


async def is_subscriber(session: AsyncSession, person_id: int, services: Iterable[str]
                        ) -> bool:
    return (await session.exec(
        select(BroadcastSubscription.id)
        .where(col(BroadcastSubscription.person_id) == person_id,
               col(BroadcastSubscription.service).in_(list(services))))).first() is not None


async def subscribe(session: AsyncSession, person_id: int, service: str) -> bool:
    """True when the person was not subscribed to the service before."""
    return await insert_once(session, BroadcastSubscription, person_id=person_id,
                             service=service, created_at=utcnow())


async def unsubscribe(session: AsyncSession, person_id: int, service: str) -> bool:
    """True when the person was subscribed to the service."""
    result = await session.exec(
        delete(BroadcastSubscription)
        .where(col(BroadcastSubscription.person_id) == person_id,
               col(BroadcastSubscription.service) == service)
        .execution_options(preserve_rowcount=True))
    return result.rowcount > 0


async def subscriptions(session: AsyncSession, person_id: int) -> list[str]:
    """The services a person follows, by name."""
    return list((await session.exec(
        select(BroadcastSubscription.service)
        .where(col(BroadcastSubscription.person_id) == person_id)
        .order_by(col(BroadcastSubscription.service)))).all())


async def subscribers(session: AsyncSession, services: Iterable[str]) -> list[Person]:
    """Active people subscribed to any of `services`, each once, by id."""
    followers = (select(BroadcastSubscription.person_id)
                 .where(col(BroadcastSubscription.service).in_(list(services))))
    return list((await session.exec(
        select(Person).where(col(Person.id).in_(followers), col(Person.active).is_(True))
        .order_by(col(Person.id)))).all())
