"""The LP two ways on generated instances: column generation over the pledge-level columns (what
the solver does) against the time-expanded network aggregated by item (bench/network_lp.py,
research code the solver does not use), whose LP is the same.

    .venv/bin/python bench/network.py [--generate 0.5,1] [--time-limit S] [--seed N]

Printed per scale: the network's rows, columns and non-zeros, its build and LP seconds
(interior point, then crossover), column generation's LP seconds, both values, and the ratio
of the two times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repo root makes ``bench`` a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(scale: float, seed: int, time_limit: float) -> dict:
    from bench.network_lp import build_network, solve_network
    from clearinghouse.planning.solver import parse_instance
    from clearinghouse.planning.solver.generate import generate_instance
    from clearinghouse.planning.solver.lp.solve import FULL_COLUMNS, Planner

    inst = parse_instance(generate_instance(scale, seed))
    planner = Planner(inst, time_limit=time_limit, with_greedy=False,
                      columns=FULL_COLUMNS + 1)  # priced, as at scale
    t = time.perf_counter()
    net = build_network(inst, planner.sup, planner.lay, planner.upper, inst.hub_open)
    build_s = time.perf_counter() - t
    lp = solve_network(inst, planner.sup, planner.lay, planner.upper, time_limit=time_limit)
    t = time.perf_counter()
    planner.run()
    cg_s = time.perf_counter() - t
    return {
        "scale": scale, "rows": net.shape[0], "columns": net.shape[1],
        "nonzeros": net.matrix.nnz, "build_s": build_s, "network_s": lp.seconds,
        "status": lp.status, "value": lp.value + planner.fixed_value,
        "cg_lp_s": planner.stats.get("lp_s", cg_s), "cg_bound": planner.lp_bound,
    }


def main() -> None:
    from rich.console import Console
    from rich.progress import track
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", default="0.5,1", help="scales, comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    scales = [float(s) for s in args.generate.split(",") if s]
    results = [measure(s, args.seed, args.time_limit)
               for s in track(scales, description="solving")]
    table = Table(title="The LP: network against column generation")
    for name in ("scale", "network rows × columns (non-zeros)", "network build s",
                 "network LP s (status)", "column generation LP s", "network / column gen.",
                 "value network / bound column gen."):
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            f"{r['scale']:g}", f"{r['rows']:,} × {r['columns']:,} ({r['nonzeros']:,})",
            f"{r['build_s']:.2f}", f"{r['network_s']:.1f} ({r['status']})",
            f"{r['cg_lp_s']:.1f}", f"{r['network_s'] / r['cg_lp_s']:.1f}",
            f"{r['value']:.3f} / {r['cg_bound']:.3f}" if r["cg_bound"] else f"{r['value']:.3f}",
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
