"""Kiel Ukraine Support Tracker reference data (release 29): readers and the README's checks."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from clearinghouse.demo import reference
from clearinghouse.demo.reference import DATA_DIR, RELEASE, ReferenceDataError

MILLI = Decimal("0.001")


def by_name() -> dict[str, reference.Donor]:
    return {donor.name: donor for donor in reference.donors()}


def test_bundled_files_present():
    for name in ("README.md", "data_explorer.csv", "weapons.csv", "release_info.csv"):
        assert (DATA_DIR / name).is_file(), name


def test_release_and_citation():
    assert RELEASE.release == 29
    assert RELEASE.period == "04/2026"
    assert RELEASE.date == "2026-08-04"
    assert RELEASE.citation("data_explorer.csv") == (
        "Kiel Institute, Ukraine Support Tracker, Release 29 (04/2026), "
        "published 2026-08-04, data_explorer.csv"
    )
    assert RELEASE.citation("weapons.csv", "weapons_list").endswith(
        "weapons.csv, column weapons_list"
    )


@pytest.mark.parametrize(
    ("name", "total", "commitments"),
    [
        ("United States", "115.381", "118.963"),
        ("Germany", "29.928", "47.665"),
        ("United Kingdom", "21.298", "32.344"),
    ],
)
def test_readme_checks(name: str, total: str, commitments: str):
    donor = by_name()[name]
    assert donor.total_eur_bn.quantize(MILLI) == Decimal(total)
    assert donor.commitments_eur_bn.quantize(MILLI) == Decimal(commitments)


def test_donors():
    donors = reference.donors()
    assert len(donors) == 42
    assert len({d.iso for d in donors}) == 42
    [organisation] = [d for d in donors if d.is_organisation]
    assert organisation.iso == "EU"
    assert organisation.gdp_eur is None and organisation.gdp_year is None

    us = by_name()["United States"]
    assert (us.iso, us.is_organisation, us.months) == ("USA", False, 35)
    assert us.gdp_eur == Decimal("19712763961238.40")  # 19712.7639612384 EUR bn
    assert us.gdp_year == 2025
    assert us.total_eur_bn == us.military_eur_bn + us.financial_eur_bn + us.humanitarian_eur_bn
    assert "data_explorer.csv" in us.source and "commitments" in us.source


def test_weapon_systems_multi_system_row():
    denmark = [
        (w.name, w.count)
        for w in reference.weapon_systems()
        if w.donor == "Denmark" and w.category == "Howitzers"
    ]
    assert denmark == [
        ("CAESAR artillery howitzer", 19),
        ("Bohdana self-propelled howitzer", 18),
        ("Zusana-2 howitzer", 5),
    ]


def test_weapon_names_with_parentheses_and_case_duplicates():
    systems = reference.weapon_systems()
    names = {w.name for w in systems}
    assert "Modified T-72 tank (T-72A/T-72M1/M1R)" in names
    assert "M270 weapon system (Norway)" in names
    assert "D-30 Howitzer" not in names
    estonia = [w for w in systems if w.donor == "Estonia"]
    counts = {w.name: w.count for w in estonia}
    assert counts == {"D-30 howitzer": 24 + 9, "FH70 155mm howitzer": 24}
    assert estonia[0].source.endswith("weapons.csv, column weapons_list, line 16")


def test_unit_values():
    values = reference.unit_values()
    # Netherlands and Romania each list a single "Patriot air defense battery (1)".
    assert values["Patriot air defense battery"] == (Decimal(371781764) + Decimal(360165676)) / 2
    assert values["Patriot air defense battery"] == Decimal("365973720")
    # Australia: 28672479 EUR for "M777 howitzer (6)"; Canada: 19114986 for 4.
    expected_m777 = (Decimal(28672479) / 6 + Decimal(19114986) / 4) / 2
    assert values["M777 howitzer"] == expected_m777.quantize(Decimal("0.01"))
    # Only ever listed with other systems.
    assert "Iris-T SLM air defence system" not in values
    assert "D-30 howitzer" not in values


def write_copy(tmp_path: Path, name: str, line: int, old: str, new: str) -> Path:
    """A copy of a bundled file with ``old`` replaced by ``new`` on ``line`` (1-based)."""
    path = tmp_path / name
    shutil.copy(DATA_DIR / name, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_malformed_amount_names_file_line_and_column(tmp_path: Path):
    # Line 3: "Australia","AUS",2022,3,0.142911,...
    path = write_copy(tmp_path, "data_explorer.csv", 3, "0.142911", "0.14x")
    with pytest.raises(ValueError, match=r"data_explorer\.csv, line 3, column 'total'") as exc:
        reference.donors(path)
    assert isinstance(exc.value, ReferenceDataError)
    assert (exc.value.line, exc.value.column) == (3, "total")


def test_malformed_weapons_list(tmp_path: Path):
    path = write_copy(tmp_path, "weapons.csv", 13, "(18);", "(eighteen);")
    with pytest.raises(ValueError, match=r"weapons\.csv, line 13, column 'weapons_list'"):
        reference.weapon_systems(path)
    with pytest.raises(ValueError, match=r"line 13, column 'weapons_list'"):
        reference.unit_values(path)


def test_inconsistent_count_and_missing_field(tmp_path: Path):
    path = write_copy(tmp_path, "weapons.csv", 2, ",6,", ",7,")
    with pytest.raises(ValueError, match=r"line 2, column 'number_of_weapons'"):
        reference.weapon_systems(path)

    short = tmp_path / "short.csv"
    short.write_text(
        '"country","iso","year","month","total","financial","humanitarian","military",'
        '"commitments","to_be_allocated","gdp","pct_gdp"\n'
        '"Australia","AUS",2022,2,0.1,0,0,0.1,0.1,0,1312.7,0.0\n'
        '"Australia","AUS",2022,3,0.1,0,0,0.1,0.1,0\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"short\.csv, line 3, column 'gdp'"):
        reference.donors(short)
