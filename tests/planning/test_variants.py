"""What-if changes on a snapshot (planning/variants.py): each kind, and bad changes named by
their path."""

from __future__ import annotations

import pytest

from clearinghouse.core.errors import DomainError
from clearinghouse.planning.snapshot import take_snapshot
from clearinghouse.planning.solver import parse_instance
from clearinghouse.planning.variants import apply_changes, describe_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(world) -> dict:
    return take_snapshot(world.coordinator).instance


def test_each_change_kind(world, snapshot):
    deu, pol, crit = f"P{world.deu.pk}", f"P{world.pol.pk}", f"N{world.critical.pk}"
    item = f"I{world.shells.pk}"
    changes = [
        {"kind": "withdraw_pledge", "pledge": pol},
        {"kind": "close_hub", "hub": "rze", "from_week": 3, "to_week": 6},
        {"kind": "add_pledge", "item": item, "quantity": 40, "origin": "DEU depot 1",
         "available_week": 2, "donor": "XYZ"},
        {"kind": "set_priority", "need": crit, "priority": "low"},
    ]
    varied = apply_changes(snapshot, changes)
    parse_instance(varied)  # still a valid instance
    assert {p["id"] for p in varied["pledges"]} == {deu, "H3"}
    assert varied["hubs"][0]["closed_weeks"] == [3, 4, 5, 6]
    assert next(p for p in varied["pledges"] if p["id"] == "H3")["quantity"] == 40
    assert next(n for n in varied["needs"] if n["id"] == crit)["priority"] == "low"
    # The base snapshot is left as it was.
    assert {p["id"] for p in snapshot["pledges"]} == {deu, pol}
    assert "closed_weeks" not in snapshot["hubs"][0]
    assert [describe_change(c) for c in changes[:2]] == [
        f"pledge {pol[1:]} withdrawn", "hub rze closed weeks 3–6"]
    # in the users' words: names for codes, dates for weeks
    names = {"hubs": {"rze": "Rzeszow"}, "items": {changes[2]["item"]: "155 mm shell"}}
    def when(week, end=False):
        return f"{'last' if end else 'first'} day of week {week}"
    said = [describe_change(c, names, when) for c in changes[1:4]]
    assert said[0] == "hub Rzeszow closed from first day of week 3 to last day of week 6"
    assert said[1].startswith("a hypothetical pledge of 40 × 155 mm shell at ")
    assert said[2] == f"need {crit[1:]} becomes low"


def test_withdrawing_a_donor_removes_its_pledges_and_funds(world, snapshot):
    varied = apply_changes(snapshot, [{"kind": "withdraw_donor", "donor": "DEU"}])
    assert [p["id"] for p in varied["pledges"]] == [f"P{world.pol.pk}"]
    assert varied["funds"] == []


@pytest.mark.parametrize("changes, path", [
    ([], "changes"),
    ([{"kind": "rain"}], "changes[0].kind"),
    ([{"kind": "withdraw_donor", "donor": "ZZZ"}], "changes[0].donor"),
    ([{"kind": "withdraw_pledge", "pledge": "P999999"}], "changes[0].pledge"),
    ([{"kind": "close_hub", "hub": "rze", "from_week": 0, "to_week": 2}], "changes[0].from_week"),
    ([{"kind": "close_hub", "hub": "rze", "from_week": 5, "to_week": 53}], "changes[0].to_week"),
    ([{"kind": "add_pledge", "item": "I999999", "quantity": 1, "origin": "DEU depot 1",
       "available_week": 1}], "changes[0].item"),
    ([{"kind": "set_priority", "need": "N0", "priority": "low"}], "changes[0].need"),
])
def test_bad_changes_name_their_path(world, snapshot, changes, path):
    with pytest.raises(DomainError) as err:
        apply_changes(snapshot, changes)
    assert err.value.field == path


def test_bad_added_pledge_fields(world, snapshot):
    base = {"kind": "add_pledge", "item": f"I{world.shells.pk}", "quantity": 5,
            "origin": "DEU depot 1", "available_week": 1}
    for key, value in (("quantity", -1), ("origin", "nowhere"), ("available_week", 99)):
        with pytest.raises(DomainError) as err:
            apply_changes(snapshot, [dict(base, **{key: value})])
        assert err.value.field == f"changes[0].{key}"
