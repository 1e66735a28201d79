"""Nearest-rank percentiles in SQL, the same on both databases: the smallest value with at
least p of the values at or below it. ``percentile_disc`` on PostgreSQL; on SQLite, which has
no ordered-set aggregates, the same rank picked from an ordered window. Used by the complaint
and digest statistics, so their medians and 90th percentiles agree. Several values are
ranked in one statement (one read of the rows), each over the rows that have it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, nulls_last
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

OVERALL = "all"
"""The group name of the figures when not grouped."""


async def median_p90(session: AsyncSession, group: ColumnElement[Any] | None,
                     values: Sequence[ColumnElement[Any]], where: ColumnElement[bool],
                     table: Any = None) -> dict[str, list[tuple[Any, Any]]]:
    """group -> (median, p90) of each of `values`, over the rows meeting `where` that have
    it ((None, None) where none has); ``all`` is the only group when `group` is None.
    `table` names the FROM when `values` and `where` do not (values computed over columns
    of one table)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    label = (group if group is not None else literal_column(f"'{OVERALL}'")).label("g")
    groups = [group] if group is not None else []
    if dialect == "postgresql":
        # Ordered-set aggregates leave out NULL inputs.
        statement = (sa_select(label, *(func.percentile_disc(p).within_group(value)
                                        for value in values for p in (0.5, 0.9)))
                     .where(where).group_by(*groups))
        if table is not None:
            statement = statement.select_from(table)
    else:
        # Each value's rank among the rows that have it: NULLs rank last, past its count.
        ranked = (sa_select(label, *(column for n, value in enumerate(values) for column in (
            value.label(f"v{n}"),
            func.row_number().over(partition_by=groups, order_by=nulls_last(value))
            .label(f"rn{n}"),
            func.count(value).over(partition_by=groups).label(f"n{n}"))))
                  .where(where))
        if table is not None:
            ranked = ranked.select_from(table)
        ranked = ranked.subquery()
        picked = []
        for n in range(len(values)):
            v, rn, count = ranked.c[f"v{n}"], ranked.c[f"rn{n}"], ranked.c[f"n{n}"]
            picked += [func.min(case((v.is_not(None) & (rn >= p * count), v)))
                       for p in (0.5, 0.9)]
        statement = sa_select(func.min(ranked.c.g), *picked).group_by(ranked.c.g)
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return {str(row[0]): [(row[1 + 2 * n], row[2 + 2 * n]) for n in range(len(values))]
            for row in rows}
