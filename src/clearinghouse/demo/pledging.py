"""Pledges of the scenario: donors answering needs, and free offers, in memory.

Every pledge is built to pass ``pledges.checks.check_pledge``: no lethal goods or lethal-need
funding from a donor that may give only non-lethal goods, whole quantities of indivisible
items, a compatible item for the need, funding limited to items that fit, training places with
a course and no need. Accepted and later pledges sum to what a need's state says: some of a
partly covered need, all of a covered or delivered one.
"""

import datetime as dt
import random
from decimal import ROUND_CEILING, Decimal

from clearinghouse.catalogue.models import ItemType
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.parties.models import Organisation
from clearinghouse.pledges.models import Pledge, PledgeKind, PledgeState, StockPosition
from clearinghouse.security.roles import Classification

from . import tables
from .procurement import PURCHASABLE

N, P, K, C = NeedState, PledgeState, PledgeKind, Classification
FIRM_PARTLY = ((P.ACCEPTED, 45), (P.ALLOCATED, 25), (P.SHIPPED, 15), (P.DELIVERED, 15))
FIRM_COVERED = ((P.ACCEPTED, 30), (P.ALLOCATED, 30), (P.SHIPPED, 25), (P.DELIVERED, 15))
FREE_STATES = ((P.OFFERED, 47), (P.ACCEPTED, 14), (P.ALLOCATED, 5), (P.SHIPPED, 7),
               (P.DELIVERED, 10), (P.DECLINED, 8), (P.WITHDRAWN, 9))
TRAINING_STATES = ((P.OFFERED, 35), (P.ACCEPTED, 30), (P.DELIVERED, 20), (P.DECLINED, 7),
                   (P.WITHDRAWN, 8))
ENDED = ((P.DECLINED, 50), (P.WITHDRAWN, 50))
ANONYMOUS_SHARE = 0.05
DEPOTS = 5  # per donor: "DEU depot 1" to "DEU depot 5"
THOUSAND = Decimal(1000)


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


class Pledging:
    def __init__(self, sc, rng: random.Random) -> None:
        self.sc, self.rng, self.reg, self.today = sc, rng, sc.reg, sc.today
        self.positions: dict[tuple[str, str], StockPosition] = {}
        reg = self.reg
        self.eu = reg.orgs[tables.EU_CODE]
        self.fund = reg.orgs[tables.TRUST_FUND[0]]
        donors = [d for d in reg.donors if d.code not in tables.NO_PLEDGES]
        self.lethal_donors, self.lethal_weights = [], []
        self.any_donors, self.any_weights = [], []
        for donor in donors:
            military = float(reg.military_eur_bn.get(donor.code, 0))
            total = float(reg.total_eur_bn.get(donor.code, 0))
            special = donor is self.eu or donor is self.fund
            # Pledges follow what each donor has given (Kiel military aid), flattened a little
            # so that small donors appear too.
            weight = 2.0 if special else military ** 0.7 + 0.02
            if not (donor.non_lethal_only or donor.code in tables.NON_LETHAL_IN_PRACTICE):
                self.lethal_donors.append(donor)
                self.lethal_weights.append(weight)
            self.any_donors.append(donor)
            self.any_weights.append(2.0 if special else (military + total / 20) ** 0.7 + 0.02)
        self.courses = sorted({(s.course, s.lethal) for s in reg.specs.values() if s.course})
        goods = [s for s in reg.specs.values() if s.need_weight > 0]
        self.goods = [(reg.items[s.name], s.need_weight) for s in goods]
        self.members: dict[str, list[ItemType]] = {}
        for item in reg.items.values():
            if item.family is not None:
                self.members.setdefault(item.family.code, []).append(item)
        self.purchasable = [i for i in reg.items.values() if i.name in PURCHASABLE]

    # --- helpers --------------------------------------------------------------------------------

    def donor(self, lethal: bool) -> Organisation:
        pool, weights = ((self.lethal_donors, self.lethal_weights) if lethal
                         else (self.any_donors, self.any_weights))
        return self.rng.choices(pool, weights)[0]

    def kind_for(self, donor: Organisation) -> str:
        if donor is self.eu:
            mix = ((K.FUNDING, 75), (K.PROCUREMENT, 25))
        elif donor is self.fund:
            mix = ((K.FUNDING, 70), (K.PROCUREMENT, 30))
        elif donor.code in tables.NON_LETHAL_IN_PRACTICE or donor.alliance_status == "partner":
            mix = ((K.PROCUREMENT, 75), (K.FUNDING, 10), (K.STOCK, 15))
        else:  # nations give mostly in kind; money goes mostly through the EU and the funds
            mix = ((K.STOCK, 52), (K.PROCUREMENT, 45), (K.FUNDING, 3))
        return _pick(self.rng, mix)

    def buyable(self, need: Need) -> list[ItemType]:
        """The items fitting ``need`` that some supplier sells (what a fund for it can buy)."""
        family = need.family or need.item_type.family
        fits = self.members[family.code] if family is not None else [need.item_type]
        return [i for i in fits if i.name in PURCHASABLE]

    def typical_quantity(self, item: ItemType) -> Decimal:
        lo, hi = self.reg.specs[item.name].need_qty
        return Decimal(max(1, (lo + hi) // 4))

    def position(self, donor: Organisation, item: ItemType) -> StockPosition:
        key = (donor.code, item.name)
        if key not in self.positions:
            position = StockPosition(
                owner=donor, item_type=item, quantity_held=0, target_minimum=0,
                classification=C.RESTRICTED, release_coordinator=True,
            )
            position.demo_pledges = []
            position._history_user = self.reg.rep_of(donor)
            self.positions[key] = position
        return self.positions[key]

    def availability(self, state: str) -> dt.date:
        rng, today = self.rng, self.today
        if state == P.DELIVERED:
            days = -rng.randint(30, 400)
        elif state == P.SHIPPED:
            days = -rng.randint(3, 45)
        elif state in (P.ALLOCATED, P.ACCEPTED):
            # Firm pledges: many were ready since the adopted plan began, about 38 weeks ago
            # (journey.PLAN_WEEKS_AGO), so that a year of shipments starts then.
            days = rng.randint(-280, 120 if state == P.ALLOCATED else 300)
        elif state in (P.DECLINED, P.WITHDRAWN):
            days = rng.randint(-60, 200)
        else:
            days = rng.randint(7, 300)
        return today + dt.timedelta(days=days)

    def split(self, total: Decimal, parts: int, whole: bool) -> list[Decimal]:
        """``total`` in ``parts`` positive pieces (whole numbers when ``whole``)."""
        if whole:
            parts = max(1, min(parts, int(total)))
            cuts = sorted(self.rng.sample(range(1, int(total)), parts - 1)) if parts > 1 else []
            bounds = [0, *cuts, int(total)]
            return [Decimal(b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
        shares = [self.rng.uniform(0.5, 1.5) for _ in range(parts)]
        pieces = [Decimal(int(total * Decimal(s / sum(shares)))) for s in shares]
        pieces[-1] = total - sum(pieces[:-1])
        return [p for p in pieces if p > 0] or [total]

    # --- one pledge -----------------------------------------------------------------------------

    def pledge(self, donor: Organisation, kind: str, state: str, *, need: Need | None = None,
               item: ItemType | None = None, quantity: Decimal | None = None) -> Pledge:
        rng, reg = self.rng, self.reg
        roll = rng.random()
        classification = (C.CONFIDENTIAL if roll < 0.05 else C.COALITION if roll < 0.2
                          else C.RESTRICTED)
        shared = classification == C.COALITION
        pledge = Pledge(
            owner=donor, kind=kind, state=state, need=need, classification=classification,
            release_coordinator=True, release_recipient=shared, release_all_donors=shared,
            anonymous=rng.random() < ANONYMOUS_SHARE,
            earliest_availability=self.availability(state),
        )
        pledge._history_user = reg.rep_of(donor)
        if kind == K.FUNDING:
            self._funding(pledge, item, quantity)
        elif kind == K.TRAINING:
            course, _lethal = rng.choice([c for c in self.courses if donor_may(self, donor, c[1])])
            pledge.course, pledge.places = course, rng.choice((4, 6, 8, 12, 16, 24, 32, 48, 64))
        else:
            pledge.item_type, pledge.quantity = item, quantity
            # Stock waits in one of the donor's depots; new production is delivered to one.
            pledge.origin_depot = f"{donor.code} depot {rng.randint(1, DEPOTS)}"
            if kind == K.STOCK:
                self.position(donor, item).demo_pledges.append(pledge)
            if rng.random() < 0.1:
                self._regions(pledge, need)
        area = item.area.code if item else None
        if area and rng.random() < 0.03:
            for lead in reg.leads_by_area.get(area, []):
                if lead is not donor:
                    self.sc.pledge_released.append((pledge, lead))
        self.sc.pledges.append(pledge)
        return pledge

    def _funding(self, pledge: Pledge, item: ItemType | None, units: Decimal | None) -> None:
        rng, donor = self.rng, pledge.owner
        need = pledge.need
        non_lethal = donor.non_lethal_only or (item is not None and not item.lethal
                                               and rng.random() < 0.15)
        pledge.funding_non_lethal_only = non_lethal
        if need is not None:
            value = units * item.unit_value_eur
            pledge.amount_eur = max(THOUSAND, (value / THOUSAND).to_integral_value(
                rounding=ROUND_CEILING) * THOUSAND)
            # Money against a need buys what the need asks for, from the suppliers that sell it.
            buyable = self.buyable(need)
            limited = [item] if item in buyable else [rng.choice(buyable)]
            self.sc.pledge_items.extend((pledge, i) for i in limited)
            return
        big = donor is self.eu or donor is self.fund
        millions = rng.choice((1, 2, 5, 10, 20, 50, 100, 250, 500) if big else
                              (1, 2, 3, 5, 10, 15, 25, 50, 100))
        pledge.amount_eur = Decimal(millions * 1_000_000)
        if not big or rng.random() < 0.5:  # limited to a few items of one area suppliers sell
            pool = [i for i in self.purchasable if not (non_lethal and i.lethal)]
            area = rng.choice(sorted({i.area.code for i in pool}))
            pool = [i for i in pool if i.area.code == area]
            for chosen in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
                self.sc.pledge_items.append((pledge, chosen))

    def _regions(self, pledge: Pledge, need: Need | None) -> None:
        """Deliver only to a few regions; the need's own region is always among them."""
        regions = list(self.reg.regions.values())
        chosen = self.rng.sample(regions, self.rng.randint(1, 3))
        if need is not None and need.region not in chosen:
            chosen = [need.region, *chosen[:-1]]
        self.sc.pledge_regions.extend((pledge, region) for region in chosen)

    # --- pledges against needs ------------------------------------------------------------------

    def answer_needs(self, budget: int) -> None:
        """Pledges for every need donors can see: enough firm ones for its state, then offers."""
        for need in self.sc.needs:
            if need.story is not None:
                for code, kind, state, qty in need.story:
                    self.pledge(self.reg.orgs[code], kind, state, need=need,
                                item=need.item_type, quantity=Decimal(qty))
                continue
            if need.classification > C.RESTRICTED or need.state not in (
                N.OPEN, N.PARTLY_COVERED, N.COVERED, N.DELIVERED
            ):
                continue  # not (yet) released to donors, or above their clearance
            self._answer(need, optional=len(self.sc.pledges) < 0.8 * budget)

    def _answer(self, need: Need, optional: bool) -> None:
        rng = self.rng
        whole = self._whole(need)
        qty = need.quantity
        firm, states = Decimal(0), FIRM_COVERED
        if need.state == N.PARTLY_COVERED:
            firm = qty * Decimal(rng.uniform(0.15, 0.85))
            firm, states = (Decimal(max(1, min(int(firm), int(qty) - 1))) if whole
                            else Decimal(int(firm)) or Decimal(1)), FIRM_PARTLY
        elif need.state in (N.COVERED, N.DELIVERED):
            firm = qty
        if firm:
            for part in self.split(firm, rng.choice((1, 1, 2, 2, 3, 4)), whole):
                state = P.DELIVERED if need.state == N.DELIVERED else _pick(rng, states)
                self._against(need, state, part)
        if not optional:
            return
        left = qty - firm
        if need.state in (N.OPEN, N.PARTLY_COVERED):
            for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
                self._against(need, P.OFFERED, self._share(left, whole))
        if rng.random() < 0.35:
            self._against(need, _pick(rng, ENDED), self._share(qty, whole))

    def _share(self, qty: Decimal, whole: bool) -> Decimal:
        share = qty * Decimal(self.rng.uniform(0.2, 1.0))
        return Decimal(max(1, int(share))) if whole else max(Decimal(1), Decimal(int(share)))

    def _whole(self, need: Need) -> bool:
        """Whole units only, as Need.whole_units_only says (a family: all members indivisible)."""
        if need.item_type is not None:
            return need.item_type.indivisible
        return all(i.indivisible for i in self.members[need.family.code])

    def _against(self, need: Need, state: str, quantity: Decimal) -> None:
        rng = self.rng
        lethal = (need.item_type or self.members[need.family.code][0]).lethal
        donor = self.donor(lethal)
        kind = self.kind_for(donor)
        if need.family is not None:
            item = rng.choice(self.members[need.family.code])
        elif need.item_type.family is not None and rng.random() < 0.2:
            item = rng.choice(self.members[need.item_type.family.code])
        else:
            item = need.item_type
        if kind == K.FUNDING and not self.buyable(need):
            kind = K.PROCUREMENT  # no supplier sells what it needs: money would buy nothing
        holders = self.reg.holders.get(item.name)
        if kind == K.STOCK and holders and donor.code not in holders and rng.random() < 0.7:
            donor = self.reg.orgs[rng.choice(holders)]
        if kind == K.STOCK and donor.non_lethal_only:
            kind = K.PROCUREMENT
        self.pledge(donor, kind, state, need=need, item=item, quantity=quantity)

    # --- free pledges ---------------------------------------------------------------------------

    def free_pledges(self, count: int) -> None:
        """Offers not (yet) tied to a need: goods, money and training places."""
        rng = self.rng
        items, weights = zip(*self.goods, strict=True)
        for _ in range(max(0, count)):
            if rng.random() < 0.12:
                donor = self.donor(lethal=rng.random() < 0.8)
                self.pledge(donor, K.TRAINING, _pick(rng, TRAINING_STATES))
                continue
            item = rng.choices(items, weights)[0]
            donor = self.donor(item.lethal)
            kind = self.kind_for(donor)
            state = _pick(rng, FREE_STATES)
            if kind == K.FUNDING:
                self.pledge(donor, kind, state)
                continue
            if kind == K.STOCK and donor.non_lethal_only:
                kind = K.PROCUREMENT
            base = self.typical_quantity(item) * Decimal(rng.uniform(0.2, 1.6))
            quantity = Decimal(max(1, int(base)))
            self.pledge(donor, kind, state, item=item, quantity=quantity)


def donor_may(pledging: Pledging, donor: Organisation, lethal: bool) -> bool:
    return not lethal or donor in pledging.lethal_donors

