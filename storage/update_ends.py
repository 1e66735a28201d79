"""When each broadcast update stopped holding: the next update's time (`ended_at`, None
for the latest), so the digest's time in outage reads the updates overlapping its period
through an index (`ix_broadcast_update_impact_ended`) instead of every update ever made
(346 ms at 10 million answers; README, Sizing).

The column is the database's to keep: a trigger on `broadcast_update` (migration 0034) sets
it in the writing transaction for the update before a new one, and for the new one when its
successor is there already (an update written out of order). `fill` computes every row
afresh, set-based, for the updates written before the trigger (the migration, and
bench/digest.py's seeding, which runs without triggers).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

ON_INSERT = [
    "UPDATE broadcast_update SET ended_at = NEW.created_at "
    "WHERE broadcast_id = NEW.broadcast_id AND number = NEW.number - 1",
    "UPDATE broadcast_update SET ended_at = (SELECT n.created_at FROM broadcast_update n "
    "WHERE n.broadcast_id = NEW.broadcast_id AND n.number = NEW.number + 1) "
    "WHERE id = NEW.id",
]
"""The trigger's statements after an update is inserted (updates are never changed or
deleted one by one: a broadcast's go with it)."""


def fill(connection: Connection) -> None:
    """Every update's end from its successor, in one statement (a join on the unique
    (broadcast, number)). The caller commits."""
    connection.execute(text(
        "UPDATE broadcast_update SET ended_at = n.created_at FROM broadcast_update n "
        "WHERE n.broadcast_id = broadcast_update.broadcast_id "
        "AND n.number = broadcast_update.number + 1"))
