"""Coverage summed and ranked in the database, over what the reader sees (DESIGN.md, rule 5).

A start page sums the coverage of thousands of needs and shows a few of them. Both happen in
SQL here: the needs (a ``values()`` queryset over ``Need.objects.visible_to(user)``) are joined
to what the adopted plan brings each (over the allocations the reader sees) and to the goods
pledges the reader sees that no plan uses yet (``planning.queries``: one pass over each), then
summed per group or ranked and cut to the rows shown. The ORM builds and
filters both sides; only the join and the final sum or ranking are written out below, in SQL
that PostgreSQL and SQLite both run.

Over-pledged needs fill no other: a need's parts are capped at its quantity in the order
covered, late, accepted, pledged (as ``Coverage`` and the coverage bars draw them). Per need,
``upto_<part>`` is min(the parts up to and with it, quantity): ``upto_covered`` min(covered,
quantity), ``upto_late`` min(covered + late, quantity), and so on; the capped parts are their
differences and what is missing is quantity - upto_pledged.

A page runs one such sum over every need it counts and one ranking over only the groups that
hold the rows shown (``leading``). On PostgreSQL the sum's estimated cost passes the default
``jit_above_cost`` at demo scale 10, mostly because the ``visible_to`` EXISTS on named
releases is costed per row though it runs as a hashed subplan: JIT compilation then takes
longer (20-40 ms) than the query itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal

from django.db import connection
from django.db.models import QuerySet

from clearinghouse.planning.queries import Coverage, planned_by_need
from clearinghouse.pledges.queries import pledged_by_need

ZERO = Decimal(0)
QUANTUM = Decimal("0.001")  # quantities are stored with 3 decimals
# Columns every needs queryset passed here selects.
NEED_COLUMNS = ("pk", "quantity", "priority", "required_by", "classification")


def _least(a: str, b: str) -> str:
    return f"CASE WHEN {a} < {b} THEN {a} ELSE {b} END"


PER_NEED = f"""
SELECT c.*,
  {_least("c.covered", "c.quantity")} AS upto_covered,
  {_least("c.covered + c.late", "c.quantity")} AS upto_late,
  {_least("c.covered + c.late + c.accepted", "c.quantity")} AS upto_accepted,
  {_least("c.covered + c.late + c.accepted + c.pledged", "c.quantity")} AS upto_pledged
FROM (
  SELECT n.*, COALESCE(a.covered, 0) AS covered, COALESCE(a.late, 0) AS late,
    COALESCE(p.accepted, 0) AS accepted, COALESCE(p.pledged, 0) AS pledged,
    p.level AS pledge_level, a.level AS plan_level
  FROM ({{needs}}) n LEFT JOIN ({{planned}}) a ON a.need_id = n.pk
    LEFT JOIN ({{pledges}}) p ON p.need_id = n.pk
) c
"""
GAP = "upto_pledged < quantity"  # something is missing
MISSING_VALUE = "(quantity - upto_pledged) * unit_value"


def _number(value) -> Decimal:
    """A sum as a Decimal: PostgreSQL returns one, SQLite an int or a float."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        return Context(prec=15).create_decimal_from_float(value).quantize(QUANTUM)
    return Decimal(value)


@dataclass
class CoverageTotal:
    """Coverage summed over a group of needs (each need's parts capped at its quantity, so
    that the parts add up to the group's quantity)."""

    label: str
    quantity: Decimal = ZERO
    covered: Decimal = ZERO
    late: Decimal = ZERO
    accepted: Decimal = ZERO
    pledged: Decimal = ZERO
    missing: Decimal = ZERO
    count: int = 0

    def add(self, group: dict) -> None:
        """Add a row of ``NeedCoverage.totals``."""
        self.quantity += group["quantity"]
        self.covered += group["upto_covered"]
        self.late += group["upto_late"] - group["upto_covered"]
        self.accepted += group["upto_accepted"] - group["upto_late"]
        self.pledged += group["upto_pledged"] - group["upto_accepted"]
        self.missing += group["quantity"] - group["upto_pledged"]
        self.count += group["count"]


def combine(groups: list[dict], label: Callable[[dict], str]) -> dict[str, CoverageTotal]:
    """``groups`` (rows of ``NeedCoverage.totals``) summed by ``label(group)``, in order."""
    found: dict[str, CoverageTotal] = {}
    for group in groups:
        name = label(group)
        found.setdefault(name, CoverageTotal(name)).add(group)
    return found


class NeedCoverage:
    """``needs`` (a queryset of needs visible to ``user``) with the coverage of each as
    ``user`` sees it; ``columns``: further values of each need (name: expression)
    to group or rank by, ``unit_value`` to value what is missing."""

    def __init__(self, needs, user, **columns) -> None:
        self.needs = needs.order_by()
        self.user = user
        self.columns = columns

    def _sql(self, needs) -> tuple[str, list]:
        values = needs.values(*NEED_COLUMNS, **self.columns)
        # Only the allocations and pledges of these needs: a ranking over a few groups then
        # reads them by need (index on need_id) instead of every one the reader sees.
        parts = {"needs": values,
                 "planned": planned_by_need(self.user, needs.values("pk")),
                 "pledges": pledged_by_need(self.user, needs.values("pk"))}
        sql, params = {}, []
        for name, queryset in parts.items():  # in the order PER_NEED places them
            sql[name], more = queryset.query.sql_with_params()
            params += more
        return PER_NEED.format(**sql), params

    def totals(self, keys: list[str]) -> list[dict]:
        """Per group of ``keys`` (columns): count, quantity and the capped parts summed
        (``upto_*``), ``gaps`` (needs missing something) and their value (``gaps_value``, where
        a unit value is known), the highest classification of the needs (``level``), of those
        missing something (``gap_level``), of the pledges counted (``pledge_level``) and of the
        pledges and funds of the allocations counted (``plan_level``)."""
        per_need, params = self._sql(self.needs)
        group = ", ".join(connection.ops.quote_name(k) for k in keys)
        value = (f"SUM(CASE WHEN {GAP} THEN {MISSING_VALUE} END)"
                 if "unit_value" in self.columns else "NULL")
        sql = f"""SELECT {group}, COUNT(*) AS count, SUM(quantity) AS quantity,
          SUM(upto_covered) AS upto_covered, SUM(upto_late) AS upto_late,
          SUM(upto_accepted) AS upto_accepted,
          SUM(upto_pledged) AS upto_pledged, SUM(CASE WHEN {GAP} THEN 1 ELSE 0 END) AS gaps,
          {value} AS gaps_value, MAX(classification) AS level,
          MAX(CASE WHEN {GAP} THEN classification END) AS gap_level,
          MAX(pledge_level) AS pledge_level, MAX(plan_level) AS plan_level
        FROM ({per_need}) t GROUP BY {group}"""
        rows = self._fetch(sql, params)
        numbers = ("quantity", "upto_covered", "upto_late", "upto_accepted", "upto_pledged",
                   "gaps_value")
        for row in rows:
            row.update({k: _number(row[k]) for k in numbers})
            row["gaps"] = int(row["gaps"] or 0)
        return rows

    def gaps(
        self, needs: QuerySet, order: list[str], limit: int
    ) -> list[tuple[int, Coverage]]:
        """The first ``limit`` of ``needs`` (this queryset, narrowed) missing something, by
        ``order`` (SQL terms over the columns, ``missing_value`` included), with coverage."""
        per_need, params = self._sql(needs.order_by())
        sql = f"""SELECT pk, quantity, covered, late, accepted, pledged FROM (
          SELECT t.*, {MISSING_VALUE if "unit_value" in self.columns else "NULL"} AS missing_value
          FROM ({per_need}) t WHERE {GAP}
        ) g ORDER BY {", ".join(order)} LIMIT %s"""
        return [
            (row["pk"], Coverage(*(_number(row[k]).quantize(QUANTUM) for k in (
                "quantity", "covered", "late", "accepted", "pledged"))))
            for row in self._fetch(sql, [*params, limit])
        ]

    @staticmethod
    def _fetch(sql: str, params: list) -> list[dict]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [c[0] for c in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def leading(groups: list[tuple[object, int]], limit: int) -> list:
    """Keys of the first ``groups`` (key, rows, in the order of a list) that hold its first
    ``limit`` rows: the list need look no further."""
    keys, total = [], 0
    for key, rows in groups:
        if total >= limit:
            break
        if rows:
            keys.append(key)
            total += rows
    return keys
