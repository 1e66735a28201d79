"""History has no arrival time to fall back on: a resolved or closed row must say when (its
`updated_at` or `resolved_at`), or it is a bad row; it is never taken as resolved when it
was opened."""

from __future__ import annotations

from tests.scenarios.test_ticket_import import (  # noqa: F401 - `env` is a fixture
    HEADER,
    env,
    stored,
    touchpoint,
)


async def test_a_resolution_without_a_time_is_a_bad_row(env, tmp_path, database_url):  # noqa: F811
    path = tmp_path / "history.csv"
    path.write_text(HEADER
                    + "INC-7,Cable,erin@example.com,,P2,resolved,2026-11-10T09:00:00Z,\n"
                    + "INC-8,Dock,erin@example.com,,P2,open,2026-11-10T09:00:00Z,\n",
                    encoding="utf-8")

    code, _out, err = await touchpoint(env, "import", "tickets", str(path), "--source", "csv")

    assert code == 1
    assert err.splitlines() == [
        f"{path}:2: updated_at: required for a resolved ticket without resolved_at (when it "
        "was resolved is not known)"]
    assert [ticket.external_id for ticket in await stored(database_url)] == ["INC-8"]
