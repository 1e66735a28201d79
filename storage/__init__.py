"""Storage: the tables, the database engine and sessions, queries and Alembic migrations.

Nothing here knows about Slack or Teams. Aggregates are computed in SQL, and idempotency is a
database constraint (see `storage.once`).
"""
