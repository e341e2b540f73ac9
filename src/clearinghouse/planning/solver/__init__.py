"""The pure clearing solver: instance in, plan out (no Django here).

See the contract in ``schemas/`` (copied from ``shared/clearing``).
"""

from .greedy import solve_greedy
from .instance import Instance, InstanceError, load_instance, parse_instance
from .result import PlanResult
from .solve import solve

__all__ = [
    "Instance",
    "InstanceError",
    "PlanResult",
    "load_instance",
    "parse_instance",
    "solve",
    "solve_greedy",
]
