"""Kiel Institute Ukraine Support Tracker, release 29: public reference data for the demo.

Pure, stdlib-only readers of the copy bundled in ``data/kiel-ust-r29/`` (see its README.md).
data_explorer.csv amounts are EUR billions; weapons.csv values are EUR. A malformed value
raises :class:`ReferenceDataError` (a ``ValueError``) naming the file, line and column.
"""

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "kiel-ust-r29"

#: Donor codes in data_explorer.csv's ``iso`` column that are not ISO 3166 alpha-3 countries.
ORGANISATION_CODES = frozenset({"EU"})

_BILLION = Decimal(1_000_000_000)
_CENT = Decimal("0.01")
_ISO3 = re.compile(r"[A-Z]{3}")
_INT = re.compile(r"-?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEAPON = re.compile(r"(?P<name>\S.*?)\s*\((?P<count>\d+)\)")


class ReferenceDataError(ValueError):
    """A malformed reference file; the message names the file, line and column."""

    def __init__(self, file: str, line: int, column: str | None, message: str) -> None:
        self.file, self.line, self.column = file, line, column
        where = f"{file}, line {line}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


# --- low-level parsing -----------------------------------------------------------------------


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as (line number, {column: value}); checks header and field count."""
    rows: list[tuple[int, dict[str, str]]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames
            if not header:
                raise ReferenceDataError(path.name, 1, None, "empty file, no header")
            for column in columns:
                if column not in header:
                    raise ReferenceDataError(path.name, 1, column, "missing column in header")
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise ReferenceDataError(
                        path.name, line, None, f"more fields than the {len(header)} columns"
                    )
                for column in columns:
                    if row[column] is None:
                        raise ReferenceDataError(path.name, line, column, "missing field")
                rows.append((line, row))
        except csv.Error as exc:
            raise ReferenceDataError(path.name, reader.line_num, None, str(exc)) from exc
    return rows


def _text(path: Path, line: int, column: str, raw: str) -> str:
    value = " ".join(raw.split())
    if not value:
        raise ReferenceDataError(path.name, line, column, "empty value")
    return value


def _decimal(path: Path, line: int, column: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ReferenceDataError(path.name, line, column, f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise ReferenceDataError(path.name, line, column, f"not a finite number: {raw!r}")
    return value


def _int(path: Path, line: int, column: str, raw: str, low: int, high: int) -> int:
    if not _INT.fullmatch(raw.strip()):
        raise ReferenceDataError(path.name, line, column, f"not an integer: {raw!r}")
    value = int(raw)
    if not low <= value <= high:
        raise ReferenceDataError(path.name, line, column, f"{value} not in {low}..{high}")
    return value


def _path(path: str | Path | None, default: str) -> Path:
    return DATA_DIR / default if path is None else Path(path)


# --- release ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """The tracker release the bundled data comes from (release_info.csv)."""

    release: int  # 29
    period: str  # last month covered, "MM/YYYY"
    date: str  # publication date, ISO "YYYY-MM-DD"
    label: str  # "Ukraine Support Tracker, Release 29 (04/2026)"

    def citation(self, file: str, *columns: str) -> str:
        """Source citation for ``file`` of this release, optionally naming columns."""
        text = f"Kiel Institute, {self.label}, published {self.date}, {file}"
        if columns:
            text += f", column{'s' if len(columns) > 1 else ''} {', '.join(columns)}"
        return text


def load_release(path: str | Path | None = None) -> Release:
    """Read release_info.csv (exactly one row)."""
    file = _path(path, "release_info.csv")
    rows = _read(file, ("release", "period", "date", "label"))
    if len(rows) != 1:
        raise ReferenceDataError(file.name, 2, None, f"expected one row, found {len(rows)}")
    line, row = rows[0]
    period = _text(file, line, "period", row["period"])
    if not re.fullmatch(r"(0[1-9]|1[0-2])/\d{4}", period):
        raise ReferenceDataError(file.name, line, "period", f"not MM/YYYY: {period!r}")
    date = _text(file, line, "date", row["date"])
    if not _DATE.fullmatch(date):
        raise ReferenceDataError(file.name, line, "date", f"not YYYY-MM-DD: {date!r}")
    return Release(
        release=_int(file, line, "release", row["release"], 1, 10_000),
        period=period,
        date=date,
        label=_text(file, line, "label", row["label"]),
    )


RELEASE = load_release()


# --- donors (data_explorer.csv) ----------------------------------------------------------------

_AMOUNTS = ("total", "military", "financial", "humanitarian", "commitments")


@dataclass(frozen=True)
class Donor:
    """One donor of data_explorer.csv; amounts are sums over all months, in EUR billions."""

    name: str  # "United States", "EU (Commission and Council)"
    iso: str  # as given: ISO alpha-3, or "EU"
    is_organisation: bool  # True when iso is not a country code ("EU")
    gdp_eur: Decimal | None  # GDP in EUR (not billions); None if the file gives none (EU)
    gdp_year: int | None  # year of the latest row with a GDP
    total_eur_bn: Decimal
    military_eur_bn: Decimal
    financial_eur_bn: Decimal
    humanitarian_eur_bn: Decimal
    commitments_eur_bn: Decimal
    months: int  # number of monthly rows summed
    source: str  # citation naming file and columns


@dataclass
class _DonorSums:
    iso: str
    months: set[tuple[int, int]] = field(default_factory=set)
    sums: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(_AMOUNTS, Decimal(0)))
    gdp: Decimal | None = None
    gdp_month: tuple[int, int] = (0, 0)


def donors(path: str | Path | None = None) -> list[Donor]:
    """One :class:`Donor` per donor in data_explorer.csv, in file order."""
    file = _path(path, "data_explorer.csv")
    columns = ("country", "iso", "year", "month", *_AMOUNTS, "gdp")
    acc: dict[str, _DonorSums] = {}
    iso_owner: dict[str, str] = {}
    with localcontext() as ctx:
        ctx.prec = 34
        for line, row in _read(file, columns):
            name = _text(file, line, "country", row["country"])
            iso = _text(file, line, "iso", row["iso"])
            if not (_ISO3.fullmatch(iso) or iso in ORGANISATION_CODES):
                raise ReferenceDataError(file.name, line, "iso", f"unknown donor code {iso!r}")
            if iso_owner.setdefault(iso, name) != name:
                raise ReferenceDataError(
                    file.name, line, "iso", f"{iso!r} already used by {iso_owner[iso]!r}"
                )
            year = _int(file, line, "year", row["year"], 1990, 2100)
            month = _int(file, line, "month", row["month"], 1, 12)
            amounts = {c: _decimal(file, line, c, row[c]) for c in _AMOUNTS}
            gdp = _decimal(file, line, "gdp", row["gdp"])
            if gdp < 0:
                raise ReferenceDataError(file.name, line, "gdp", f"negative GDP {gdp}")
            entry = acc.setdefault(name, _DonorSums(iso=iso))
            if entry.iso != iso:
                raise ReferenceDataError(
                    file.name, line, "iso", f"{name!r} was {entry.iso!r} earlier, now {iso!r}"
                )
            if (year, month) in entry.months:
                raise ReferenceDataError(
                    file.name, line, "month", f"duplicate month {year}-{month:02d} for {name!r}"
                )
            entry.months.add((year, month))
            for column, value in amounts.items():
                entry.sums[column] += value
            if gdp > 0 and (year, month) >= entry.gdp_month:
                entry.gdp, entry.gdp_month = gdp, (year, month)

        return [
            Donor(
                name=name,
                iso=entry.iso,
                is_organisation=entry.iso in ORGANISATION_CODES,
                gdp_eur=None if entry.gdp is None else (entry.gdp * _BILLION).quantize(_CENT),
                gdp_year=None if entry.gdp is None else entry.gdp_month[0],
                total_eur_bn=entry.sums["total"],
                military_eur_bn=entry.sums["military"],
                financial_eur_bn=entry.sums["financial"],
                humanitarian_eur_bn=entry.sums["humanitarian"],
                commitments_eur_bn=entry.sums["commitments"],
                months=len(entry.months),
                source=RELEASE.citation(file.name, *_AMOUNTS, "gdp")
                + f" (amounts summed over {len(entry.months)} months, EUR billions)",
            )
            for name, entry in acc.items()
        ]


# --- heavy weapons (weapons.csv) ---------------------------------------------------------------


@dataclass(frozen=True)
class WeaponSystem:
    """One named system in a weapons.csv row: donor, category, system and count."""

    donor: str  # "Denmark"
    category: str  # "Howitzers", "Air Defense", "Tanks", "IFV", "MLRS"
    name: str  # "CAESAR artillery howitzer" (case duplicates normalised to first spelling)
    count: int
    source: str  # citation naming file, column and line


@dataclass(frozen=True)
class _WeaponRow:
    line: int
    donor: str
    category: str
    value_eur: Decimal
    systems: tuple[tuple[str, int], ...]


def _weapon_rows(file: Path) -> list[_WeaponRow]:
    columns = ("donor", "category", "number_of_weapons", "monetary_value_eur", "weapons_list")
    canonical: dict[str, str] = {}  # casefolded name -> first spelling seen in the file
    rows = []
    for line, row in _read(file, columns):
        number = _int(file, line, "number_of_weapons", row["number_of_weapons"], 1, 10**7)
        value = _decimal(file, line, "monetary_value_eur", row["monetary_value_eur"])
        if value < 0:
            raise ReferenceDataError(file.name, line, "monetary_value_eur", f"negative: {value}")
        systems: dict[str, int] = {}
        for part in row["weapons_list"].split(";"):
            match = _WEAPON.fullmatch(" ".join(part.split()))
            if not match or int(match["count"]) < 1:
                raise ReferenceDataError(
                    file.name, line, "weapons_list", f"not 'system name (count)': {part.strip()!r}"
                )
            name = canonical.setdefault(match["name"].casefold(), match["name"])
            systems[name] = systems.get(name, 0) + int(match["count"])
        if sum(systems.values()) != number:
            raise ReferenceDataError(
                file.name,
                line,
                "number_of_weapons",
                f"{number} but weapons_list counts add up to {sum(systems.values())}",
            )
        rows.append(
            _WeaponRow(
                line=line,
                donor=_text(file, line, "donor", row["donor"]),
                category=_text(file, line, "category", row["category"]),
                value_eur=value,
                systems=tuple(systems.items()),
            )
        )
    return rows


def weapon_systems(path: str | Path | None = None) -> list[WeaponSystem]:
    """Every (donor, category, system, count) listed in weapons.csv's ``weapons_list``."""
    file = _path(path, "weapons.csv")
    return [
        WeaponSystem(
            donor=row.donor,
            category=row.category,
            name=name,
            count=count,
            source=f"{RELEASE.citation(file.name, 'weapons_list')}, line {row.line}",
        )
        for row in _weapon_rows(file)
        for name, count in row.systems
    ]


UNIT_VALUE_SOURCE = (
    RELEASE.citation("weapons.csv", "monetary_value_eur", "weapons_list")
    + " (unit value: mean of monetary_value_eur / count over rows listing only that system)"
)


def unit_values(path: str | Path | None = None) -> dict[str, Decimal]:
    """Estimated unit value in EUR (to the cent) per system, from single-system rows only.

    Each row whose ``weapons_list`` names one system gives ``monetary_value_eur / count``;
    a system's value is the mean over such rows. Systems never alone in a row are absent.
    """
    file = _path(path, "weapons.csv")
    samples: dict[str, list[Decimal]] = {}
    with localcontext() as ctx:
        ctx.prec = 34
        for row in _weapon_rows(file):
            if len(row.systems) == 1:
                name, count = row.systems[0]
                samples.setdefault(name, []).append(row.value_eur / count)
        return {
            name: (sum(values, Decimal(0)) / len(values)).quantize(_CENT)
            for name, values in samples.items()
        }
