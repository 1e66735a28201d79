"""Nearest-rank percentiles in SQL, the same on both databases: the smallest value with at
least p of the values at or below it. ``percentile_disc`` on PostgreSQL; on SQLite, which has
no ordered-set aggregates, the same rank picked from an ordered window. Used by the complaint
and digest statistics, so their medians and 90th percentiles agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

OVERALL = "all"
"""The group name of the figures when not grouped."""


async def median_p90(session: AsyncSession, group: ColumnElement[Any] | None,
                     value: ColumnElement[Any], where: ColumnElement[bool],
                     table: Any = None) -> dict[str, tuple[Any, Any]]:
    """group -> (median, p90) of `value` over the rows meeting `where` that have one;
    ``all`` is the only group when `group` is None. `table` names the FROM when `value` and
    `where` do not (a computed value over columns of one table)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    where = where & value.is_not(None)
    label = (group if group is not None else literal_column(f"'{OVERALL}'")).label("g")
    groups = [group] if group is not None else []
    if dialect == "postgresql":
        statement = (sa_select(label, func.percentile_disc(0.5).within_group(value),
                               func.percentile_disc(0.9).within_group(value))
                     .where(where).group_by(*groups))
        if table is not None:
            statement = statement.select_from(table)
    else:
        ranked = (sa_select(label, value.label("v"),
                            func.row_number().over(partition_by=groups, order_by=value)
                            .label("rn"),
                            func.count().over(partition_by=groups).label("n"))
                  .where(where))
        if table is not None:
            ranked = ranked.select_from(table)
        ranked = ranked.subquery()
        statement = (sa_select(func.min(ranked.c.g),
                               func.min(case((ranked.c.rn >= 0.5 * ranked.c.n, ranked.c.v))),
                               func.min(case((ranked.c.rn >= 0.9 * ranked.c.n, ranked.c.v))))
                     .group_by(ranked.c.g))
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return {str(g): (median, p90) for g, median, p90 in rows}
