"""The CLI entry point ``main(argv)`` (wired as ``clearinghouse solve`` by the project)."""

import json

import pytest

from clearinghouse.planning.solver.cli import main

from ..helpers import EXAMPLES, validate_plan


def test_solve_writes_a_valid_plan(tmp_path, capsys):
    out = tmp_path / "plan.json"
    code = main(
        [
            str(EXAMPLES / "hub-capacity.json"),
            "--out",
            str(out),
            "--time-limit",
            "10",
            "--gap",
            "1e-4",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "status optimal" in text and "greedy" in text and "optimal/greedy" in text
    plan = json.loads(out.read_text())
    validate_plan(plan)
    assert plan["value"] == pytest.approx(11.6)
    assert plan["bound"] == pytest.approx(11.6)
    assert plan["greedy_value"] == pytest.approx(11.6)


def test_plan_to_stdout(capsys):
    assert main([str(EXAMPLES / "indivisible.json"), "--out", "-"]) == 0
    captured = capsys.readouterr()
    plan = json.loads(captured.out)
    validate_plan(plan)
    assert plan["value"] == pytest.approx(4.0) and plan["lp_bound"] == pytest.approx(6.0)
    assert "status optimal" in captured.err


def test_missing_file(tmp_path, capsys):
    assert main([str(tmp_path / "none.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
