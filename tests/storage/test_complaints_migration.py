"""Migration 0012: complaints filed before it keep their receipt's thread and triage cards,
as sent outbox rows under the keys the complaint flows use; and back again."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from storage.migrate import alembic_config, upgrade
from tests.storage.test_migrations import connect

RECEIPT = {"platform": "slack", "channel": "D0ERIN", "message_id": "1700000000.000100"}
CARDS = [{"platform": "slack", "channel": "C0TRIAGE1", "message_id": "1700000000.000200"},
         {"platform": "teams", "channel": "19:triage@thread.tacv2", "message_id": "17000"}]


def test_complaints_filed_before_0012_keep_their_messages(database_url):
    command.downgrade(alembic_config(database_url), "0011")
    with connect(database_url) as connection:
        connection.execute(text(
            "INSERT INTO person (id, display_name, tz, role, segments, active, created_at, "
            "updated_at) VALUES (7, 'erin', 'UTC', 'employee', '{}', true, "
            "'2026-11-30 09:00:00', '2026-11-30 09:00:00')"))
        for id_, dm_ref, cards in ((1, json.dumps(RECEIPT), CARDS), (2, None, [])):
            connection.execute(text(
                "INSERT INTO complaint (id, number, submission_key, complainant_id, anonymous, "
                "description, service, category, impact, status, escalated, created_at, "
                "acknowledge_due_at, resolve_due_at, acknowledge_remind_at, resolve_remind_at, "
                "reopen_count, dm_ref, triage_refs) VALUES (:id, :number, :key, 7, false, "
                "'x', 'Service desk', 'Attitude', 'high', 'new', false, '2026-11-30 09:00:00', "
                "'2026-11-30 10:00:00', '2026-11-30 17:00:00', '2026-11-30 09:30:00', "
                "'2026-11-30 16:00:00', 0, :dm_ref, :cards)"),
                {"id": id_, "number": f"CMP-2026-000{id_}", "key": f"slack:V{id_}",
                 "dm_ref": dm_ref, "cards": json.dumps(cards)})
        connection.commit()

    upgrade(database_url)

    with connect(database_url) as connection:
        rows = connection.execute(text(
            "SELECT key, platform, kind, person_id, status, version, sent_version, "
            "ref_channel, ref_id FROM outbox_message ORDER BY key, platform")).all()
    assert [tuple(row) for row in rows] == [
        ("complaint:1:receipt", "slack", "dm", 7, "sent", 1, 1, "D0ERIN", "1700000000.000100"),
        ("complaint:1:triage", "slack", "post", None, "sent", 1, 1, "C0TRIAGE1",
         "1700000000.000200"),
        ("complaint:1:triage", "teams", "post", None, "sent", 1, 1, "19:triage@thread.tacv2",
         "17000")]

    command.downgrade(alembic_config(database_url), "0011")

    with connect(database_url) as connection:
        back = connection.execute(text(
            "SELECT id, dm_ref, triage_refs FROM complaint ORDER BY id")).all()
    assert [(id_, json.loads(dm_ref) if dm_ref else None,
             json.loads(cards) if isinstance(cards, str) else cards)
            for id_, dm_ref, cards in back] == [(1, RECEIPT, CARDS), (2, None, [])]
