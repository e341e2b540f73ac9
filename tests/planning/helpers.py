"""Shared helpers for the planning tests (no Django needed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema

from clearinghouse.planning.solver.build.instance import load_schema

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def edited(name: str, edit) -> dict:
    data = copy.deepcopy(example(name))
    edit(data)
    return data


def validate_plan(plan: dict) -> None:
    jsonschema.Draft202012Validator(load_schema("plan")).validate(plan)
