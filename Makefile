# Touchpoint's developer commands. Each target installs what it needs, from nothing but
# Python 3.11: a .venv from requirements.lock, reinstalled only when the lock or
# pyproject.toml changes.
#
#   make test    ruff, then the whole suite on SQLite and PostgreSQL
#   make lint    ruff only
#   make demo    a scripted conversation with a real Touchpoint (touchpoint demo)
#   make catalogues  extract every translatable string of messages/ into messages.pot, merge it
#                into each language's messages.po (new strings empty, for the translator), and
#                compile the .mo files; the tests fail while a string lacks its translation
#   make bench   Slack time-to-ack, Touchpoint against a bare Bolt app (BENCH_ARGS="--database URL"),
#                then ticket webhook events/s and latency on SQLite and PostgreSQL
#                (WEBHOOK_BENCH_ARGS="--seconds 20"; PostgreSQL from TOUCHPOINT_TEST_POSTGRES)
#
# The PostgreSQL tests use TOUCHPOINT_TEST_POSTGRES (default below); they fail, not skip, when
# it is set and the server does not answer. Set it empty for SQLite only:
#   make test TOUCHPOINT_TEST_POSTGRES=

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TOUCHPOINT_TEST_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
BENCH_ARGS ?=
WEBHOOK_BENCH_ARGS ?=

.PHONY: test lint demo bench catalogues

$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

lint: $(INSTALLED)
	$(BIN)/ruff check

test: lint
	TOUCHPOINT_TEST_POSTGRES='$(TOUCHPOINT_TEST_POSTGRES)' $(BIN)/pytest -q $(PYTEST_ARGS)

LOCALES := messages/locale

catalogues: $(INSTALLED)
	$(BIN)/pybabel extract --mapping-file messages/babel.cfg --no-location \
	  --sort-output --no-wrap --project Touchpoint --copyright-holder "Touchpoint" \
	  --msgid-bugs-address "" --output-file $(LOCALES)/messages.pot messages
	$(BIN)/pybabel update --input-file $(LOCALES)/messages.pot --output-dir $(LOCALES) \
	  --domain messages --no-wrap --ignore-obsolete --ignore-pot-creation-date --no-fuzzy-matching
	$(BIN)/pybabel compile --directory $(LOCALES) --domain messages --statistics

demo: $(INSTALLED)
	$(BIN)/touchpoint demo

bench: $(INSTALLED)
	$(BIN)/python bench/ack.py $(BENCH_ARGS)
	TOUCHPOINT_TEST_POSTGRES='$(TOUCHPOINT_TEST_POSTGRES)' $(BIN)/python bench/webhook.py $(WEBHOOK_BENCH_ARGS)
