"""Migration 0014 on SQLite and PostgreSQL: the survey DMs and low-score alerts sent before it
(kept then as message references on the invitation and the answer) become sent rows of the
outbox under the keys the flows update, and a downgrade puts the references back."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from storage.migrate import alembic_config, upgrade
from tests.storage.test_migrations import connect

SURVEY = {"platform": "slack", "channel": "D0ERIN", "message_id": "1700000000.000100"}
ALERTS = [{"platform": "slack", "channel": "C0TRIAGE1", "message_id": "1700000000.000200"},
          {"platform": "teams", "channel": "19:triage@thread.tacv2", "message_id": "1700000300"}]


def before_0014(url: str) -> None:
    """A survey sent and answered with a low score, one sent and not answered, one withdrawn
    before it went out, as the schema before 0014 kept them."""
    command.downgrade(alembic_config(url), "0013")
    with connect(url) as connection:
        run = connection.execute
        run(text("INSERT INTO person (id, slack_user_id, display_name, tz, role, active, "
                 "segments, created_at, updated_at) VALUES (1, 'U0ERIN', 'Erin', "
                 "'Europe/London', 'employee', true, '{}', '2026-11-01 09:00:00', "
                 "'2026-11-01 09:00:00')"))
        for ticket_id in (1, 2, 3):
            run(text("INSERT INTO ticket (id, source, external_id, title, requester_id, "
                     "priority, service, status, opened_at, reopen_count, last_event_at, "
                     "received_at) VALUES (:id, 'desk', :number, '', 1, '', '', 'resolved', "
                     "'2026-11-01 09:00:00', 0, '2026-11-01 10:00:00', "
                     "'2026-11-01 10:00:00')"), {"id": ticket_id, "number": f"INC-{ticket_id}"})
        for invitation_id, status, ref in ((1, "answered", SURVEY),
                                           (2, "sent", {**SURVEY, "message_id": "1700000000.9"}),
                                           (3, "void", None)):
            run(text("INSERT INTO survey_invitation (id, ticket_id, person_id, status, "
                     "created_at, send_after, sent_at, message_ref) VALUES (:id, :id, 1, "
                     ":status, '2026-11-01 10:00:00', '2026-11-01 10:00:00', "
                     ":sent_at, :ref)"),
                {"id": invitation_id, "status": status,
                 "sent_at": "2026-11-01 10:00:01" if ref else None,
                 "ref": json.dumps(ref) if ref else None})
        run(text("INSERT INTO survey_answer (invitation_id, score, answered_at, alert_refs) "
                 "VALUES (1, 1, '2026-11-01 10:05:00', :refs)"),
            {"refs": json.dumps([json.dumps(ref) for ref in ALERTS])})
        connection.commit()


def test_refs_kept_before_0014_become_sent_outbox_rows_and_come_back_on_downgrade(
        database_url):
    before_0014(database_url)

    upgrade(database_url)

    with connect(database_url) as connection:
        rows = connection.execute(text(
            "SELECT key, platform, kind, person_id, status, version, sent_version, "
            "ref_channel, ref_id, sent_at FROM outbox_message ORDER BY key, platform")).all()
    assert [tuple(row[:9]) for row in rows] == [
        ("csat:1:alert", "slack", "post", None, "sent", 1, 1, "C0TRIAGE1", "1700000000.000200"),
        ("csat:1:alert", "teams", "post", None, "sent", 1, 1, "19:triage@thread.tacv2",
         "1700000300"),
        ("csat:1:survey", "slack", "dm", 1, "sent", 1, 1, "D0ERIN", "1700000000.000100"),
        ("csat:2:survey", "slack", "dm", 1, "sent", 1, 1, "D0ERIN", "1700000000.9")]
    assert str(rows[2].sent_at).startswith("2026-11-01 10:00:01")

    command.downgrade(alembic_config(database_url), "0013")

    with connect(database_url) as connection:
        refs = dict(connection.execute(text(
            "SELECT id, message_ref FROM survey_invitation ORDER BY id")).all())
        alerts = connection.execute(text(
            "SELECT alert_refs FROM survey_answer")).scalar_one()
    assert {key: json.loads(ref) if ref else None for key, ref in refs.items()} == {
        1: SURVEY, 2: {**SURVEY, "message_id": "1700000000.9"}, 3: None}
    alerts = json.loads(alerts) if isinstance(alerts, str) else alerts
    assert sorted(json.loads(ref)["platform"] for ref in alerts) == ["slack", "teams"]
