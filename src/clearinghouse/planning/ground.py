"""What happened on the ground, for the planner (docs/shipments.md, Re-planning).

The shipments app sits above planning (docs/layers.md), so it registers a :class:`Ground`
from its ``AppConfig.ready()``; the snapshot and the coverage read through it. Without one
(planning alone), the snapshot falls back to the pledges' states.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from clearinghouse.parties.models import User


@dataclass(frozen=True)
class Movement:
    """Goods that left their depot for one need through one hub."""

    need_id: int
    hub_id: int
    hub_on: date  # the day the hub handles them (expected, or as it happened)
    quantity: float  # units shipped
    through_hub: bool  # at the hub or beyond: they use no more of its capacity
    pledge_id: int | None = None
    fund_id: int | None = None
    offer_id: int | None = None
    accepted: float | None = None  # units the need got, once the receipt is verified


class Ground(Protocol):
    def movements(self, user: User) -> list[Movement]:
        """Every movement ``user`` (a coordinator running a plan) sees."""

    def versions(self, user: User) -> dict[str, int]:
        """The version of each record the movements are read from (the fingerprint)."""

    def lost(self, need_ids: Iterable[int]) -> dict[int, Decimal]:
        """Units the adopted plan counted for each need and that never reached it."""


_GROUND: list[Ground] = []


def register(ground: Ground) -> None:
    if ground not in _GROUND:
        _GROUND.append(ground)


def ground() -> Ground | None:
    return _GROUND[0] if _GROUND else None
