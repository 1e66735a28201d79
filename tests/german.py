"""German-speaking people for the German scenario tests: their Slack (users.info `locale`)
and their Teams client (an activity's `locale`) are in German, so Touchpoint writes to them
in German by the reader's-language order (their own choice in settings, then what the
platform says, then app.yaml's `organisation.locale`). A module takes the fixture with
``people_locale = german.people_locale``."""

from __future__ import annotations

import pytest

GERMAN = "de-DE"


@pytest.fixture
def people_locale() -> str:
    return GERMAN
