"""``clearinghouse solve INSTANCE.json [--out PLAN.json] [--time-limit S] [--gap G]``.

Runs the pure solver without a database. Exit 0 with a summary on stdout (and the plan written
to ``--out``, or printed when it is ``-``); exit 2 with the JSON path of the error on stderr and
no plan when the instance is invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from .build.instance import InstanceError, load_instance
from .lp.solve import DEFAULT_GAP, DEFAULT_TIME_LIMIT, solve


def parser() -> argparse.ArgumentParser:
    """The command line of ``clearinghouse solve``."""
    p = argparse.ArgumentParser(
        prog="clearinghouse solve", description="Solve a clearing instance (no database)."
    )
    p.add_argument("instance", help="instance JSON (clearinghouse-instance/1)")
    p.add_argument("--out", help="write the plan JSON here ('-' for stdout)")
    p.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, help="seconds")
    p.add_argument("--gap", type=float, default=DEFAULT_GAP, help="relative MIP gap")
    return p


def _write(path: str, plan: dict) -> None:
    text = json.dumps(plan, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)


def main(argv: list[str] | None = None) -> int:
    """Solve an instance file and write the plan; the exit code: 0, or 2 for bad arguments or
    an unreadable or invalid instance."""
    args = parser().parse_args(argv)
    if args.time_limit <= 0 or not (0 <= args.gap < 1):
        print("error: --time-limit must be > 0 and --gap in [0, 1)", file=sys.stderr)
        return 2
    try:
        inst = load_instance(args.instance)
    except InstanceError as exc:
        print(f"invalid instance {args.instance}: {exc.path}: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cannot read {args.instance}: {exc}", file=sys.stderr)
        return 2
    res = solve(inst, time_limit=args.time_limit, gap=args.gap)
    plan = res.to_plan()
    out = sys.stderr if args.out == "-" else sys.stdout
    greedy = res.greedy_value or 0.0
    ratio = f"{res.value / greedy:.4f}" if greedy > 0 else "n/a"
    st = res.stats
    print(
        f"status {res.status}  value {res.value:.6g}  bound {res.bound:.6g}  gap {res.gap:.2e}\n"
        f"greedy {greedy:.6g}  optimal/greedy {ratio}  coverage {res.coverage:.4f}  "
        f"unmet needs {len(plan['unmet'])}\n"
        f"{st.get('rows', 0)} rows, {st.get('columns', 0)} columns, "
        f"{st.get('nonzeros', 0)} non-zeros, {res.seconds:.2f} s"
        + (f"\nnote: {res.note}" if res.note else ""),
        file=out,
    )
    if args.out:
        _write(args.out, plan)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
