"""`touchpoint export complaints`, run as a lead would run it: a subprocess writing CSV, with
every field of the log, formula cells neutralised and anonymous complainants unnamed."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from storage.complaints import Complaint, Status
from storage.engine import create_engine, session_factory
from storage.models import Person
from tests.conftest import app_config

FILED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def _seed(url: str) -> None:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        erin = Person(display_name="Erin Evans", email="erin@example.com")
        tom = Person(display_name="Tom Tran", email="tom@example.com", role="it_staff")
        session.add_all([erin, tom])
        await session.flush()
        due = {"acknowledge_due_at": FILED + timedelta(hours=4),
               "resolve_due_at": FILED + timedelta(hours=16),
               "acknowledge_remind_at": FILED + timedelta(hours=3),
               "resolve_remind_at": FILED + timedelta(hours=15)}
        session.add_all([
            Complaint(number="CMP-2026-0001", submission_key="k1", complainant_id=erin.id,
                      description='=HYPERLINK("http://evil.example","click")',
                      service="Service desk", category="Attitude", impact="high",
                      status=Status.CLOSED, owner_id=tom.id, created_at=FILED,
                      acknowledged_at=FILED + timedelta(hours=1), acknowledge_business_s=3600,
                      resolved_at=FILED + timedelta(hours=20), resolve_business_s=5 * 3600,
                      resolution_note="-1 for us", root_cause="People", satisfied=True,
                      closed_at=FILED + timedelta(days=1), **due),
            Complaint(number="CMP-2026-0002", submission_key="k2", complainant_id=erin.id,
                      anonymous=True, description="Rude on the phone", service="Service desk",
                      category="Attitude", impact="low", created_at=FILED + timedelta(hours=1),
                      **due),
            Complaint(number="CMP-2026-0003", submission_key="k3", complainant_id=erin.id,
                      description="Too old to export", service="Other", category="Attitude",
                      impact="low", created_at=FILED - timedelta(days=60), **due),
        ])
        await session.commit()
    await engine.dispose()


@pytest.fixture
def export_env(tmp_path: Path, database_url: str, cli_env):
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(app_config()), encoding="utf-8")
    # No chat tokens: exporting needs only app.yaml and the database.
    return cli_env(DATABASE_URL=database_url, TOUCHPOINT_CONFIG=str(config))


def _touchpoint(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=60, check=False)


async def test_export_writes_every_field_safely(export_env, database_url):
    await _seed(database_url)

    done = _touchpoint(export_env, "export", "complaints", "--format", "csv",
                       "--since", "2026-11-01")

    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "2 complaints exported"
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [row["number"] for row in rows] == ["CMP-2026-0001", "CMP-2026-0002"]
    first, second = rows
    assert first["description"] == '\'=HYPERLINK("http://evil.example","click")'
    assert first["resolution_note"] == "'-1 for us"
    assert (first["complainant"], first["owner"], first["status"]) == (
        "Erin Evans", "Tom Tran", "closed")
    assert (first["acknowledged_in_sla"], first["resolved_in_sla"]) == ("yes", "no")
    assert (first["acknowledge_business_hours"], first["resolution_business_hours"]) == (
        "1.00", "5.00")
    assert first["filed_at"] == "2026-11-30T09:00:00+00:00"
    assert second["complainant"] == "anonymous"
    assert "Erin" not in ",".join(second.values()) and "erin@" not in done.stdout


async def test_export_to_a_file_and_refusals(export_env, database_url, tmp_path):
    await _seed(database_url)
    out = tmp_path / "complaints.csv"

    done = _touchpoint(export_env, "export", "complaints", "--since", "2026-12-01",
                       "--out", str(out))
    bad_date = _touchpoint(export_env, "export", "complaints", "--since", "yesterday")

    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("number,status,filed_at")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1  # nothing filed since
    assert bad_date.returncode == 2
    assert "Invalid value for '--since'" in bad_date.stderr
    assert "Traceback" not in bad_date.stderr + done.stderr


async def test_export_without_dates_exports_every_complaint(export_env, database_url):
    await _seed(database_url)

    done = _touchpoint(export_env, "export", "complaints")

    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "3 complaints exported"
    numbers = [row["number"] for row in csv.DictReader(io.StringIO(done.stdout))]
    assert numbers == ["CMP-2026-0003", "CMP-2026-0001", "CMP-2026-0002"]
