"""What adopting a plan tells each party (core/notices, docs/notices.md).

- each donor organisation whose allocations changed: one notice, however many pledges ("Plan
  7 was adopted: 12 of your pledges are allocated in it (4 newly, 3 changed); 2 are no
  longer allocated");
- each recipient organisation whose needs changed state: one notice, counted by new state;
- each donor holding stock of an item the new plan still lacks: a notice per gap it could
  close, at most ``GAPS_PER_DONOR`` per adoption, never twice for one need.

Constant queries per adoption whatever the number of pledges, and one bulk insert (the caller's
``notify``). A count never includes a record above its reader's clearance: where the counted
records are of several levels, the notice comes in bands, one per level, each counting the
records at or below it and read only by those cleared from it to the next (``_bands``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, Sum
from django.urls import reverse

from clearinghouse.core.models import Notice
from clearinghouse.core.notices import notice
from clearinghouse.core.words import day, number
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.parties.models import Organisation
from clearinghouse.pledges.models import Pledge, StockPosition
from clearinghouse.security.roles import Role

from .models import Allocation, Gap, Plan

GAPS_PER_DONOR = 3
EPS = 1e-6
# The state a need's last step of an adoption leaves it in, in words.
REACHED = {"open": "open", "reopen": "open", "cover": "covered",
           "cover_partly": "partly covered"}


def adoption_notices(plan: Plan, previous: Plan | None, pledges: Iterable[Pledge],
                     allocating: set[int], releasing: set[int],
                     need_steps: Iterable[tuple[Need, list[str]]]) -> list[Notice]:
    """The notices of ``plan``'s adoption. ``pledges`` are those of its snapshot; ``allocating``
    and ``releasing`` the ids of those it moved to allocated and back to accepted; ``need_steps``
    each need of the snapshot with the lifecycle steps the adoption took it through."""
    return [*_donors(plan, previous, pledges, allocating, releasing),
            *_recipients(plan, need_steps), *_gaps(plan)]


def _allocations(plan_id: int | None) -> dict[int, set[tuple[int, float]]]:
    """Pledge (or fund) id -> its allocations in the plan, as (need id, quantity) pairs."""
    if plan_id is None:
        return {}
    found = defaultdict(set)
    rows = (Allocation.objects.filter(plan_id=plan_id).order_by()
            .values("pledge_id", "fund_id", "need_id").annotate(total=Sum("quantity")))
    for row in rows:
        found[row["pledge_id"] or row["fund_id"]].add((row["need_id"], round(row["total"], 3)))
    return found


def _name(plan: Plan) -> str:
    # By number: a plan's default name carries its snapshot's date as the solver writes it.
    return f"Plan {plan.pk}"


def _bands(rows: list[tuple[int, str]]) -> Iterator[tuple[int, int | None, Counter]]:
    """For rows of (classification, what happened), each level present with the next one up
    and the tally of what happened to the rows at or below it: a reader cleared at a level (up
    to the next) reads the notice counting all it may see (``Notice.ceiling``)."""
    levels = sorted({level for level, _ in rows})
    for i, level in enumerate(levels):
        ceiling = levels[i + 1] if i + 1 < len(levels) else None
        yield level, ceiling, Counter(what for at, what in rows if at <= level)


def _donors(plan: Plan, previous: Plan | None, pledges: Iterable[Pledge],
            allocating: set[int], releasing: set[int]) -> list[Notice]:
    now, before = _allocations(plan.pk), _allocations(previous.pk if previous else None)
    rows = defaultdict(list)  # donor id -> [(classification, what happened to a pledge)]
    for pledge in pledges:
        pk = pledge.pk
        if pk in releasing:
            what = "released"
        elif pk not in now:
            continue
        elif pk in allocating:
            what = "new"
        else:
            what = "changed" if pk in before and before[pk] != now[pk] else "kept"
        rows[pledge.owner_id].append((pledge.classification, what))
    told = []
    for org_id, donor_rows in rows.items():
        org = Organisation(pk=org_id)
        for level, ceiling, t in _bands(donor_rows):
            if not (t["new"] or t["changed"] or t["released"]):
                continue  # nothing changed that these readers may see
            allocated = t["new"] + t["changed"] + t["kept"]
            said = []
            if allocated:
                parts = [f"{t['new']} newly"] * bool(t["new"]) + [
                    f"{t['changed']} changed"] * bool(t["changed"])
                said.append(f"{_count(allocated, 'of your pledges is', 'of your pledges are')}"
                            " allocated in it" + (f" ({', '.join(parts)})" if parts else ""))
            if t["released"]:
                said.append(f"{_count(t['released'], 'is', 'are')} no longer allocated: "
                            "accepted, free for the next plan")
            # With allocations the donor sees the adopted plan (thin); else only its own.
            record, state = (plan, "allocated") if allocated else (org, "accepted")
            told.append(notice(
                record, f"{_name(plan)} was adopted: {'; '.join(said)}.", kind="plan_adopted",
                organisation=org, role=Role.DONOR_REPRESENTATIVE, classification=level,
                ceiling=ceiling, link=f"{reverse('pledges:list')}?state={state}"))
    return told


def _count(n: int, one: str, many: str) -> str:
    return f"{number(n, whole=True)} {one if n == 1 else many}"


def _recipients(plan: Plan, need_steps: Iterable[tuple[Need, list[str]]]) -> list[Notice]:
    rows = defaultdict(list)  # recipient id -> [(classification, the state a need reached)]
    for need, steps in need_steps:
        if steps:
            rows[need.owner_id].append((need.classification, REACHED[steps[-1]]))
    told = []
    for org_id, need_rows in rows.items():
        for level, ceiling, states in _bands(need_rows):
            parts = ", ".join(f"{number(states[s], whole=True)} {s}"
                              for s in ("covered", "partly covered", "open") if states[s])
            told.append(notice(
                plan, f"{_name(plan)} was adopted: "
                      f"{_count(states.total(), 'of your needs', 'of your needs')} changed: "
                      f"now {parts}.",
                kind="plan_adopted", organisation=Organisation(pk=org_id),
                role=Role.RECIPIENT_PLANNER, classification=level, ceiling=ceiling,
                link=reverse("needs:list")))
    return told


def _gaps(plan: Plan) -> list[Notice]:
    """Gaps of needs open to every donor, highest priority first, each to the donors holding
    stock of its item (or of an item of its family)."""
    gaps = list(Gap.objects.filter(plan=plan, need__release_all_donors=True)
                .exclude(need__state=NeedState.CANCELLED)
                .select_related("need__item_type", "need__family")
                .order_by("need__priority", "need__required_by", "need_id"))
    if not gaps:
        return []
    items = {g.need.item_type_id for g in gaps if g.need.item_type_id}
    families = {g.need.family_id for g in gaps if g.need.family_id}
    holders = defaultdict(dict)  # item id / ("family", id) -> {donor id: classification}
    positions = (StockPosition.objects.filter(Q(item_type_id__in=items)
                                              | Q(item_type__family_id__in=families),
                                              quantity_held__gt=0)
                 .values_list("owner_id", "item_type_id", "item_type__family_id",
                              "classification"))
    for owner, item, family, level in positions:
        for key in (item, ("family", family)):
            holders[key][owner] = max(holders[key].get(owner, 0), level)
    need_type = ContentType.objects.get_for_model(Need)
    told_before = set(Notice.objects.filter(
        kind="gap", content_type=need_type, object_id__in=[g.need_id for g in gaps],
    ).values_list("organisation_id", "object_id"))
    sent = defaultdict(int)
    told = []
    for gap in gaps:
        need = gap.need
        key = need.item_type_id or ("family", need.family_id)
        short = gap.missing if gap.missing > EPS else gap.late
        if short <= EPS:
            continue
        whole = need.item_type.indivisible if need.item_type_id else False
        how = "still missing" if gap.missing > EPS else "arriving late"
        for donor, level in holders.get(key, {}).items():
            if sent[donor] >= GAPS_PER_DONOR or (donor, need.pk) in told_before:
                continue
            sent[donor] += 1
            told.append(notice(
                need, f"A gap you could close: {number(short, whole=whole)} × "
                      f"{need.item_type or need.family} {how} for need {need.pk} "
                      f"({need.get_priority_display()} priority, by {day(need.required_by)}); "
                      "you hold stock of it.",
                kind="gap", organisation=Organisation(pk=donor),
                role=Role.DONOR_REPRESENTATIVE,
                classification=max(need.classification, level),
                link=reverse("needs:detail", args=[need.pk])))
    return told
