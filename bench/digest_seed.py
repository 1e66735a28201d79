"""The year of data bench/digest.py measures the digest on, seeded in the database itself
(INSERT ... SELECT over generate_series on PostgreSQL and a recursive CTE on SQLite, so
nothing goes through Python row by row); bench/digest.py's docstring says what and how much.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from storage import pulse_tallies, update_ends
from storage.engine import sync_url
from storage.previous_contacts import fill

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
START = NOW - timedelta(weeks=52)
SPAN_S = int((NOW - START).total_seconds())
PEOPLE = 5000
SERVICES = ("Service desk", "Laptops and devices", "Email and calendar", "Network and Wi-Fi",
            "Business applications")


def _series(dialect: str, count: int) -> str:
    """A FROM source of the integers 1..count as column i."""
    if dialect == "postgresql":
        return f"generate_series(1::bigint, {count}) AS n(i)"
    return (f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count})"
            " SELECT i FROM s) AS n")


def _at(dialect: str, seconds: str) -> str:
    """START plus an SQL expression of seconds, as each database stores a UTC timestamp."""
    base = START.replace(tzinfo=None).isoformat(sep=" ")
    if dialect == "postgresql":
        return f"(TIMESTAMP '{base}' + ({seconds}) * INTERVAL '1 second')"
    # SQLAlchemy keeps SQLite timestamps as text with microseconds.
    return f"(datetime('{base}', '+' || ({seconds}) || ' seconds') || '.000000')"


def seed(url: str, scale: float) -> dict[str, int]:
    engine = create_sync_engine(sync_url(url))
    dialect = engine.dialect.name
    answers = int(1_000_000 * scale)
    counts = {"tickets": answers, "csat_answers": answers, "complaints": int(10_000 * scale),
              "kudos": int(50_000 * scale), "pulse_answers": int(200_000 * scale)}
    n = counts["tickets"]
    opened = f"(i * {SPAN_S} / {n})"
    services = " ".join(f"WHEN {k} THEN '{name}'" for k, name in enumerate(SERVICES))
    service = f"(CASE (i % 5) {services} END)"
    statements = [
        f"""INSERT INTO person (email, display_name, tz, role, segments, active, created_at,
            updated_at, slack_user_id)
            SELECT 'p' || i || '@example.com', 'Person ' || i, 'UTC', 'employee', '{{}}', true,
            {_at(dialect, '0')}, {_at(dialect, '0')}, 'U' || i FROM {_series(dialect, PEOPLE)}""",
        f"""INSERT INTO ticket (source, external_id, title, requester_email, assignee_email,
            priority, service, status, opened_at, first_response_at, resolved_at, reopen_count,
            response_due_at, resolution_due_at, response_at_risk_from, resolution_at_risk_from,
            last_event_at, received_at)
            SELECT 'bench', 'B' || i, 'Ticket ' || i, 'p' || (i % {PEOPLE}) || '@example.com',
            't' || (i % 40) || '@example.com', 'P' || (1 + i % 4), {service},
            CASE WHEN i % 50 = 0 THEN 'open' ELSE 'resolved' END,
            {_at(dialect, opened)}, {_at(dialect, f'{opened} + (i % 7) * 600')},
            CASE WHEN i % 50 = 0 THEN NULL ELSE {_at(dialect, f'{opened} + (i % 11) * 3600')}
            END, CASE WHEN i % 23 = 0 THEN 1 ELSE 0 END,
            {_at(dialect, f'{opened} + 1800 * (1 + i % 4)')},
            {_at(dialect, f'{opened} + 14400 * (1 + i % 4)')},
            {_at(dialect, f'{opened} + 1440 * (1 + i % 4)')},
            {_at(dialect, f'{opened} + 11520 * (1 + i % 4)')},
            {_at(dialect, opened)}, {_at(dialect, opened)} FROM {_series(dialect, n)}""",
        f"""INSERT INTO survey_invitation (ticket_id, status, created_at, sent_at)
            SELECT i, 'answered', {_at(dialect, f'{opened} + 36000')},
            {_at(dialect, f'{opened} + 36000')} FROM {_series(dialect, n)}""",
        f"""INSERT INTO survey_answer (invitation_id, score, answered_at)
            SELECT i, 1 + (i * 7) % 5, {_at(dialect, f'{opened} + 40000')}
            FROM {_series(dialect, answers)}""",
    ]
    c = counts["complaints"]
    at = f"(i * {SPAN_S} / {c})"
    statements.append(
        f"""INSERT INTO complaint (number, submission_key, complainant_id, anonymous, description,
            service, category, impact, status, escalated, created_at, acknowledged_at,
            resolved_at, acknowledge_due_at, resolve_due_at, acknowledge_remind_at,
            resolve_remind_at, acknowledge_business_s, resolve_business_s, root_cause,
            reopen_count)
            SELECT 'B-' || i, 'bench:' || i, 1 + i % {PEOPLE}, i % 3 = 0, 'Bench complaint',
            {service}, 'Category ' || (i % 6), 'medium',
            CASE WHEN i % 10 = 0 THEN 'new' ELSE 'resolved' END, false,
            {_at(dialect, at)}, {_at(dialect, f'{at} + 3600')},
            CASE WHEN i % 10 = 0 THEN NULL ELSE {_at(dialect, f'{at} + 86400 * (i % 5)')} END,
            {_at(dialect, f'{at} + 7200')}, {_at(dialect, f'{at} + 259200')},
            {_at(dialect, f'{at} + 3600')}, {_at(dialect, f'{at} + 172800')},
            3600 + (i % 5) * 600, CASE WHEN i % 10 = 0 THEN NULL ELSE 3600 * (1 + i % 30) END,
            CASE WHEN i % 10 = 0 THEN NULL ELSE 'Cause ' || (i % 4) END, 0
            FROM {_series(dialect, c)}""")
    k = counts["kudos"]
    at = f"(i * {SPAN_S} / {k})"
    day = (f"date({_at(dialect, at)})" if dialect == "sqlite"
           else f"CAST({_at(dialect, at)} AS date)")
    statements += [
        f"""INSERT INTO kudos_voucher (giver_id, story, public, points, created_at)
            SELECT 1 + i % {PEOPLE}, 'Thanks for story ' || i, i % 4 <> 0, 10,
            {_at(dialect, at)} FROM {_series(dialect, k)}""",
        f"""INSERT INTO kudos_recipient (voucher_id, person_id, giver_id, given_on)
            SELECT i, 1 + (i * 7 + 1) % {PEOPLE}, 1 + i % {PEOPLE}, {day}
            FROM {_series(dialect, k)}""",
    ]
    campaigns, per = 8, counts["pulse_answers"] // 8
    for q in range(campaigns):
        closes = f"{SPAN_S * (q + 1) // campaigns}"
        statements += [
            f"""INSERT INTO pulse_campaign (name, template, audience, anonymity, min_group,
                reminders, send_time, opens_at, closes_at, status, created_at, closed_at)
                VALUES ('bench-{q}', 'pulses/invite', '{{}}', 'anonymous', 5, '[]', '10:00',
                {_at(dialect, f'{closes} - 1209600')}, {_at(dialect, closes)}, 'closed',
                {_at(dialect, '0')}, {_at(dialect, closes)})""",
            f"""INSERT INTO pulse_answer (campaign_id, respondent_key, score, segments)
                SELECT {q + 1}, 'k' || i, (i * 3 + {q}) % 11, '{{}}'
                FROM {_series(dialect, per)}""",
        ]
    statements += _later_sections(dialect, scale, counts, campaigns + 1)
    with engine.begin() as connection:
        if dialect == "postgresql":
            # As if the tickets and broadcast updates were there before migrations 0033
            # and 0034: not their triggers, a few index look-ups per row, but their
            # set-based fills after them.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            connection.execute(text(statement))
        if dialect == "postgresql":
            fill(connection)
            update_ends.fill(connection)
        # The campaigns are seeded closed, as if closed before migration 0035.
        pulse_tallies.fill(connection)
    # As autovacuum leaves a table in use: statistics, and on PostgreSQL the visibility map
    # that lets a count read an index alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))
    engine.dispose()
    return counts


def _later_sections(dialect: str, scale: float, counts: dict[str, int],
                    survey_id: int) -> list[str]:
    """Broadcasts with their updates and ratings, plan items, milestones and one satisfaction
    survey: what the broadcasts, plans, milestones and surveys sections read."""
    b = counts["broadcasts"] = max(1, int(5_000 * scale))
    r = counts["broadcast_ratings"] = int(20_000 * scale)
    p = counts["plan_items"] = max(5, int(200 * scale))
    people = counts["survey_people"] = int(20_000 * scale)
    services = " ".join(f"WHEN {k} THEN '{name}'" for k, name in enumerate(SERVICES))
    opened = f"((1 + (i - 1) / 4) * {SPAN_S} / {b})"
    number = "(1 + (i - 1) % 4)"
    day = (f"date({_at(dialect, f'i * {SPAN_S} / {p}')})" if dialect == "sqlite"
           else f"CAST({_at(dialect, f'i * {SPAN_S} / {p}')} AS date)")
    aspects = " ".join(f"WHEN {k} THEN '{name}'" for k, name in enumerate(
        ("service desk", "incident response", "communication")))
    questions = json.dumps([{"aspect": a, "text": "?", "kind": "satisfaction"}
                            for a in ("service desk", "incident response", "communication")])
    closes = SPAN_S - 3 * 86400
    listed = f"""'["' || (CASE (i % 5) {services} END) || '"]'"""
    # Text made in SQL is not a JSON literal to PostgreSQL: cast it.
    as_json = f"CAST({listed} AS json)" if dialect == "postgresql" else listed
    return [
        f"""INSERT INTO broadcast (submission_key, kind, title, services, impact, status,
            is_open, message, owner_id, channels, update_count, reopen_count, related_tickets,
            created_at, updated_at)
            SELECT 'bench:' || i, 'incident', 'Incident ' || i,
            {as_json}, 'degraded', 'resolved', false, 'm',
            1 + i % {PEOPLE}, '[]', 4, 0, 0, {_at(dialect, f'i * {SPAN_S} / {b}')},
            {_at(dialect, f'i * {SPAN_S} / {b}')} FROM {_series(dialect, b)}""",
        f"""INSERT INTO broadcast_update (broadcast_id, number, action, status, impact, message,
            notify_channel, created_at)
            SELECT 1 + (i - 1) / 4, {number}, 'x',
            CASE {number} WHEN 1 THEN 'investigating' WHEN 2 THEN 'identified'
            WHEN 3 THEN 'monitoring' ELSE 'resolved' END,
            CASE WHEN {number} <= 2 THEN 'outage' ELSE 'degraded' END, 'm', false,
            {_at(dialect, f'{opened} + ({number} - 1) * (900 + (i % 5) * 600)')}
            FROM {_series(dialect, 4 * b)}""",
        f"""INSERT INTO broadcast_rating (broadcast_id, person_id, score, answered_at)
            SELECT 1 + i % {b}, 1 + (i / {b}) % {PEOPLE}, 1 + i % 5,
            {_at(dialect, f'(1 + i % {b}) * {SPAN_S} / {b} + 7200')}
            FROM {_series(dialect, r)}""",
        f"""INSERT INTO plan_item (submission_key, figure, change, owner_id, created_by_id,
            due_on, status, created_at)
            SELECT 'bench:' || i, 'csat', 'Change ' || i, 1 + i % {PEOPLE}, 1, {day},
            CASE WHEN i % 3 = 0 THEN 'done' ELSE 'open' END, {_at(dialect, '0')}
            FROM {_series(dialect, p)}""",
        f"""INSERT INTO milestone (key, kind, reached_at, detail)
            SELECT 'bench:' || i, 'kudos', {_at(dialect, f'i * {SPAN_S} / 50')},
            '{{"count": 100, "given": 100}}' FROM {_series(dialect, 50)}""",
        f"""INSERT INTO pulse_campaign (name, template, audience, anonymity, min_group,
            reminders, send_time, opens_at, closes_at, status, created_at, closed_at,
            questions)
            VALUES ('bench-survey', 'pulses/invite', '{{}}', 'anonymous', 5, '[]', '10:00',
            {_at(dialect, f'{closes} - 1209600')}, {_at(dialect, str(closes))}, 'closed',
            {_at(dialect, '0')}, {_at(dialect, str(closes))}, '{questions}')""",
        f"""INSERT INTO pulse_response (campaign_id, respondent_key, segments, finished)
            SELECT {survey_id}, 's' || i, '{{}}', true FROM {_series(dialect, people)}""",
        f"""INSERT INTO pulse_question_answer (response_id, campaign_id, question, aspect, kind,
            value)
            SELECT 1 + (i - 1) / 3, {survey_id}, (i - 1) % 3, CASE ((i - 1) % 3) {aspects} END,
            'satisfaction', 1 + (i * 7) % 5 FROM {_series(dialect, 3 * people)}""",
    ]
