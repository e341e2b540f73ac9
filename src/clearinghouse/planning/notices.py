"""What adopting a plan tells each party (core/notices, docs/notices.md).

- each donor organisation whose allocations changed: one notice, however many pledges ("Plan
  “March” was adopted: 12 of your pledges are allocated in it (4 newly, 3 changed); 2 are no
  longer allocated");
- each recipient organisation whose needs changed state: one notice, counted by new state;
- each donor holding stock of an item the new plan still lacks: a notice per gap it could
  close, at most ``GAPS_PER_DONOR`` per adoption, never twice for one need.

Constant queries per adoption whatever the number of pledges, and one bulk insert (the caller's
``notify``). Each notice's classification is the highest of the records it counts, so a reader
of the organisation cleared below one of them does not see the count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

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
    return f"Plan “{plan.name}”"


def _donors(plan: Plan, previous: Plan | None, pledges: Iterable[Pledge],
            allocating: set[int], releasing: set[int]) -> list[Notice]:
    now, before = _allocations(plan.pk), _allocations(previous.pk if previous else None)
    tally = defaultdict(lambda: {"allocated": 0, "new": 0, "changed": 0, "released": 0,
                                 "level": 0})
    for pledge in pledges:
        pk = pledge.pk
        counted = tally[pledge.owner_id] if (pk in now or pk in releasing) else None
        if counted is None:
            continue
        counted["level"] = max(counted["level"], pledge.classification)
        if pk in releasing:
            counted["released"] += 1
            continue
        counted["allocated"] += 1
        if pk in allocating:
            counted["new"] += 1
        elif pk in before and before[pk] != now[pk]:
            counted["changed"] += 1
    told = []
    for org_id, t in tally.items():
        if not (t["new"] or t["changed"] or t["released"]):
            continue  # nothing changed for this donor
        said = []
        if t["allocated"]:
            parts = [f"{t[k]} {k.replace('new', 'newly')}" for k in ("new", "changed") if t[k]]
            said.append(f"{_count(t['allocated'], 'of your pledges is', 'of your pledges are')}"
                        f" allocated in it" + (f" ({', '.join(parts)})" if parts else ""))
        if t["released"]:
            said.append(f"{_count(t['released'], 'is', 'are')} no longer allocated: "
                        "accepted, free for the next plan")
        org = Organisation(pk=org_id)
        # Where it has allocations the donor sees the adopted plan (thin); else only its own.
        record, state = (plan, "allocated") if t["allocated"] else (org, "accepted")
        told.append(notice(
            record, f"{_name(plan)} was adopted: {'; '.join(said)}.", kind="plan_adopted",
            organisation=org, role=Role.DONOR_REPRESENTATIVE, classification=t["level"],
            link=f"{reverse('pledges:list')}?state={state}"))
    return told


def _count(n: int, one: str, many: str) -> str:
    return f"{number(n, whole=True)} {one if n == 1 else many}"


def _recipients(plan: Plan, need_steps: Iterable[tuple[Need, list[str]]]) -> list[Notice]:
    reached = defaultdict(lambda: defaultdict(int))
    level = defaultdict(int)
    for need, steps in need_steps:
        if steps:
            reached[need.owner_id][REACHED[steps[-1]]] += 1
            level[need.owner_id] = max(level[need.owner_id], need.classification)
    told = []
    for org_id, states in reached.items():
        total = sum(states.values())
        parts = ", ".join(f"{number(n, whole=True)} {state}" for state, n in sorted(
            states.items(), key=lambda s: ("covered", "partly covered", "open").index(s[0])))
        org = Organisation(pk=org_id)
        told.append(notice(
            plan, f"{_name(plan)} was adopted: {_count(total, 'of your needs', 'of your needs')}"
                  f" changed: now {parts}.",
            kind="plan_adopted", organisation=org, role=Role.RECIPIENT_PLANNER,
            classification=level[org_id], link=reverse("needs:list")))
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
