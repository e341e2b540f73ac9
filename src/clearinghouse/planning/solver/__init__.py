"""The pure clearing solver: instance in, plan out (no Django here).

See the contract in ``schemas/`` (copied from ``shared/clearing``).
"""

from .build.instance import Instance, InstanceError, load_instance, parse_instance
from .lp.solve import solve
from .repair.greedy import solve_greedy
from .result import PlanResult

__all__ = [
    "Instance",
    "InstanceError",
    "PlanResult",
    "load_instance",
    "parse_instance",
    "solve",
    "solve_greedy",
]
