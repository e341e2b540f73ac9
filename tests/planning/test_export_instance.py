"""``clearinghouse export-instance`` (planning/management/commands/export_instance.py): the
snapshot written for the solver's CLI, bad arguments refused, for coordinators only."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_export_instance_is_solved_by_the_cli(world, tmp_path):
    out = tmp_path / "case.json"
    call_command("export_instance", "--user", world.coordinator.username, "--out", str(out),
                 "--start", "2030-01-07", "--horizon", "30")
    data = json.loads(out.read_text())
    assert data["start_date"] == "2030-01-07" and data["horizon_weeks"] == 30
    assert {p["id"] for p in data["pledges"]} == {f"P{world.deu.pk}", f"P{world.pol.pk}"}
    plan = tmp_path / "plan.json"
    done = subprocess.run([sys.executable, "-m", "clearinghouse", "solve", str(out),
                           "--out", str(plan)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(plan.read_text())["status"] == "optimal"


@pytest.mark.parametrize("args, message", [
    (["--user", "nobody"], "--user: no active user 'nobody'"),
    (["--horizon", "0"], "--horizon: must be from 1 to 520 weeks"),
    (["--start", "2030-13-01"], "--start: '2030-13-01' is not a date"),
])
def test_export_instance_refuses_bad_arguments(world, tmp_path, args, message):
    out = tmp_path / "case.json"
    if "--user" not in args:
        args = ["--user", world.coordinator.username, *args]
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("export_instance", *args, "--out", str(out))
    assert not out.exists()


def test_export_instance_is_for_coordinators(world, tmp_path):
    with pytest.raises(CommandError, match="is not a coordinator"):
        call_command("export_instance", "--user", world.deu_rep.username)
