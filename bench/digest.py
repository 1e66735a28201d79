"""How long one full weekly digest (every section, its 12-week trends and the chart) takes on
a year of data, on SQLite and PostgreSQL, beside the same SQL run bare, and the peak memory.

Seeds, in the database itself (INSERT ... SELECT over generate_series on PostgreSQL and a
recursive CTE on SQLite, so nothing goes through Python row by row): 1,000,000 CSAT answers
(each with its survey and, as one survey belongs to one ticket, its ticket: 1,000,000 tickets,
of which the digest's window holds the last 13 weeks), 10,000 complaints, 50,000 kudos and
200,000 NPS answers across 8 pulses, spread over 52 weeks; for the sections that came later,
5,000 broadcasts with 4 updates each and 20,000 kept-informed ratings, 200 plan items, 50
milestones and a satisfaction survey of 20,000 people answering 3 questions; `--scale 0.1`
seeds a tenth.

Then it computes the digest's hourly roll-ups of that year (storage.digest_rollups), as the
``digests.roll_up`` job would have as the hours closed. The week of NOW is still counted from
the raw rows in part: its last hours' tickets are within their SLA deadlines at NOW.

Then, in a fresh process (so its peak RSS is the digest's, not the seeding's), it makes the
digest three times and keeps the best time, records every SQL statement the digest ran, runs
those statements again through the bare driver (sqlite3, psycopg) with the same parameters,
and prints both times, their ratio and the peak RSS. Targets: under 2 s on SQLite and 1 s on
PostgreSQL, at most 2x the bare SQL, under 250 MB.

    python bench/digest.py [--scale 1] [--postgres postgresql://postgres@127.0.0.1/test]

At larger scales, seed an empty PostgreSQL database of your own once and keep it (no SQLite
run), then measure it again after a change without seeding:

    python bench/digest.py --scale 10 --database postgresql://postgres@127.0.0.1/sizing
    python bench/digest.py --remeasure postgresql://postgres@127.0.0.1/sizing
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, text

from harness import postgres_database
from storage.digest_rollups import backfill
from storage.engine import sync_url
from storage.migrate import upgrade

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
START = NOW - timedelta(weeks=52)
SPAN_S = int((NOW - START).total_seconds())
PEOPLE = 5000
SLOWEST = 10
"""How many of the digest's statements to print with their bare times, slowest first."""
SHOWN = 160
"""How much of each one's SQL to print."""
SERVICES = ("Service desk", "Laptops and devices", "Email and calendar", "Network and Wi-Fi",
            "Business applications")
CONFIG = {
    "organisation": {"name": "Bench IT", "timezone": "Europe/London"},
    "channels": {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                 "kudos_wall": {"slack": "C0KUDOS01"}, "broadcasts": [{"slack": "C0STATUS1"}]},
    "services": [{"name": name} for name in SERVICES],
    "digests": [{"name": "weekly", "targets": {"sla": {"P1": 95, "P2": 90}}}],
}


# --------------------------------------------------------------------------- seeding


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
        for statement in statements:
            connection.execute(text(statement))
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


# --------------------------------------------------------------------------- measuring


async def _digest(url: str) -> dict:
    from bot.config import parse_app_config
    from bot.flows.digests import chart
    from bot.flows.digests.periods import parse
    from bot.flows.digests.posting import compose
    from storage.engine import create_engine, session_factory

    app = parse_app_config(CONFIG)
    digest = app.digests[0]
    period = parse("2026-W48", app.organisation.zone)
    engine = create_engine(url)
    sessions = session_factory(engine)
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    # Warm: imports, the chart's fonts, the connection, the statement caches.
    async with sessions() as session:
        await compose(session, app, digest, period, NOW)
    times, chart_times = [], []
    for attempt in range(3):
        if attempt == 0:
            event.listen(engine.sync_engine, "before_cursor_execute", record)
        started = time.perf_counter()
        async with sessions() as session:
            message = await compose(session, app, digest, period, NOW)
        times.append(time.perf_counter() - started)
        if attempt == 0:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
    await engine.dispose()
    started = time.perf_counter()
    chart.draw(chart.Series(["w"] * 12, {"csat": [80.0] * 12, "response": [90.0] * 12,
                                         "resolution": [85.0] * 12}, 80, 90),
               {"title": "t", "csat": "c", "response": "r", "resolution": "s",
                "good_band": "g", "outstanding_band": "o"})
    chart_times.append(time.perf_counter() - started)
    return {"digest_s": min(times), "chart_s": chart_times[0], "statements": statements,
            "png_bytes": len(message.image.png) if message.image else 0}


def _bare(url: str, statements: list[tuple[str, object]]) -> tuple[float, list[float]]:
    """The digest's statements again, through the bare driver, best of three: in all, and
    each statement's own best."""
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(sync_url(url).removeprefix("sqlite:///"))
    else:
        import psycopg

        connection = psycopg.connect(sync_url(url).replace("postgresql+psycopg", "postgresql"))
    best = float("inf")
    each = [float("inf")] * len(statements)
    try:
        for _ in range(3):
            started = time.perf_counter()
            cursor = connection.cursor()
            for index, (statement, parameters) in enumerate(statements):
                began = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                each[index] = min(each[index], time.perf_counter() - began)
            best = min(best, time.perf_counter() - started)
            connection.rollback()
    finally:
        connection.close()
    return best, each


def measure(url: str) -> dict:
    found = asyncio.run(_digest(url))
    statements = found.pop("statements")
    bare, each = _bare(url, statements)
    slowest = sorted(zip(each, (statement for statement, _ in statements), strict=True),
                     reverse=True)[:SLOWEST]
    return {**found, "statements": len(statements), "bare_s": bare,
            "slowest": [(took, " ".join(statement.split())[:SHOWN]) for took, statement in slowest],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def roll_up(url: str) -> float:
    """Compute the digest's hourly roll-ups of the seeded year, as the ``digests.roll_up``
    job would have hour by hour (migration 0030 does the same for data already there); the
    seconds it took."""
    engine = create_sync_engine(sync_url(url))
    started = time.perf_counter()
    with engine.begin() as connection:
        backfill(connection, datetime.now(UTC))
    took = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                                else "ANALYZE"))
    engine.dispose()
    return took


def run(label: str, url: str, scale: float) -> None:
    upgrade(url)
    started = time.perf_counter()
    counts = seed(url, scale)
    seeded = time.perf_counter() - started
    print(f"{label}: seeded {counts} in {seeded:.1f} s; rolled up in {roll_up(url):.1f} s",
          flush=True)
    report(url)


def report(url: str) -> None:
    """Measure the seeded database in a fresh process and print the figures."""
    out = subprocess.run([sys.executable, __file__, "--measure", url], check=True,  # noqa: S603
                         capture_output=True, text=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    queries = found["digest_s"] - found["chart_s"]
    print(f"  digest {found['digest_s'] * 1000:.0f} ms with its chart "
          f"({found['chart_s'] * 1000:.0f} ms, {found['png_bytes']:,} B), "
          f"{queries * 1000:.0f} ms without; {found['statements']} statements, bare "
          f"{found['bare_s'] * 1000:.0f} ms: {queries / found['bare_s']:.2f}x; "
          f"peak RSS {found['peak_rss_mb']:.0f} MB")
    print(f"  the {SLOWEST} slowest statements, bare, best of three:")
    for took, statement in found["slowest"]:
        print(f"    {took * 1000:7.1f} ms  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a scratch database is "
                                           "made there and dropped")
    parser.add_argument("--database", help="an empty PostgreSQL database to migrate, seed and "
                                           "keep, instead of SQLite and a scratch database")
    parser.add_argument("--remeasure", help="a database seeded before with --database: "
                                            "measure it again (after upgrading it), no seeding")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.remeasure:
        upgrade(args.remeasure)
        report(args.remeasure)
        return
    if args.database:
        run("PostgreSQL", args.database, args.scale)
        return
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'digest.db'}", args.scale)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            run("PostgreSQL", url, args.scale)


if __name__ == "__main__":
    main()
