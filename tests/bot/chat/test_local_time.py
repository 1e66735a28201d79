"""Times in messages: in the reader's zone, with the zone shown (a time with no zone reads as
the reader's own, and is wrong for anyone elsewhere), formatted by Babel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.chat.templates import templates_for

WINTER = datetime(2026, 12, 8, 16, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 8, 16, 12, tzinfo=UTC)


def shown(value: datetime, tz: str, pattern: str | None = None) -> str:
    source = "{{ value | local_time(tz, pattern) }}" if pattern else \
        "{{ value | local_time(tz) }}"
    return templates_for("slack").env.from_string(source).render(value=value, tz=tz,
                                                                 pattern=pattern)


@pytest.mark.parametrize(("value", "tz", "expected"), [
    (WINTER, "Europe/London", "Tue 08 Dec 2026, 16:12 GMT"),
    (SUMMER, "Europe/London", "Wed 08 Jul 2026, 17:12 UTC+1"),
    (WINTER, "America/New_York", "Tue 08 Dec 2026, 11:12 EST"),
    (SUMMER, "America/New_York", "Wed 08 Jul 2026, 12:12 EDT"),
    (WINTER, "Europe/Paris", "Tue 08 Dec 2026, 17:12 UTC+1"),
    (WINTER, "Asia/Kolkata", "Tue 08 Dec 2026, 21:42 UTC+5:30"),
    (WINTER, "America/St_Johns", "Tue 08 Dec 2026, 12:42 UTC-3:30"),
    (WINTER, "UTC", "Tue 08 Dec 2026, 16:12 UTC"),
    # A zone the directory holds that is no zone: UTC, and said so.
    (WINTER, "Mars/Olympus", "Tue 08 Dec 2026, 16:12 UTC"),
])
def test_a_time_is_shown_in_the_readers_zone_with_the_zone(value, tz, expected):
    assert shown(value, tz) == expected


def test_every_pattern_with_an_hour_carries_the_zone_and_a_date_alone_does_not():
    assert shown(WINTER, "Asia/Tokyo", "EEEE 'at' HH:mm") == "Wednesday at 01:12 UTC+9"
    assert shown(WINTER, "Europe/London", "EEEE dd MMMM 'at' HH:mm") == (
        "Tuesday 08 December at 16:12 GMT")
    assert shown(WINTER, "Asia/Tokyo", "dd MMM") == "09 Dec"


def test_no_template_formats_a_time_without_local_time():
    """strftime patterns (%H) are gone from messages/: every time goes through local_time,
    which adds the zone."""
    from pathlib import Path

    import messages
    root = Path(messages.__file__).parent
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.j2")
                 if "%H" in path.read_text(encoding="utf-8")
                 or "strftime" in path.read_text(encoding="utf-8")]
    assert offenders == []
