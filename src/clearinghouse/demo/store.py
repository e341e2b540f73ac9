"""Writing the scenario to the database in bulk, emptying it, and a digest of what is stored.

Rows go in with ``bulk_create`` in batches, not through the services: at scale 10 that is the
difference between seconds and minutes. History is still recorded, one "created" entry per
record (``simple_history.utils.bulk_create_with_history``), including the many-to-many fields
whose history is kept. The caller wraps everything in one transaction.
"""

import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Count
from rich.progress import Progress, TaskID
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from clearinghouse.catalogue.models import (
    CapabilityArea,
    CapabilityCoalition,
    CompatibilityFamily,
    ItemType,
)
from clearinghouse.logistics.models import Delivery, Hub, HubClosure, Route
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import Organisation, Region, User
from clearinghouse.planning.models import Allocation, Plan
from clearinghouse.pledges.models import BackfillOrder, Pledge, StockPosition, SupplierOffer
from clearinghouse.shipments.models import (
    Discrepancy,
    DiscrepancyState,
    Receipt,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    ShipmentState,
)

from . import journey, tables
from .scenario import Scenario, build

BATCH = 1000
# Larger IN lists than this are split (SQLite's historical limit on query parameters is 999).
IN_CHUNK = 900


class Tracker:
    """Progress per phase on a rich Progress, or nothing."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def phase(self, description: str, total: int) -> TaskID | None:
        if self.progress is None:
            return None
        return self.progress.add_task(description, total=max(total, 1))

    def advance(self, task: TaskID | None, amount: int) -> None:
        if self.progress is not None and task is not None:
            self.progress.advance(task, amount)


@dataclass
class Inserted:
    counts: dict[str, int]
    seconds: float


def has_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def _create(model, objs: Sequence, tracker: Tracker, task, reason: str) -> None:
    for start in range(0, len(objs), BATCH):
        chunk = list(objs[start:start + BATCH])
        if has_history(model):
            bulk_create_with_history(chunk, model, batch_size=BATCH,
                                     default_change_reason=reason)
        else:
            model.objects.bulk_create(chunk, batch_size=BATCH)
        tracker.advance(task, len(chunk))


def _through(model, field: str, pairs: Iterable[tuple], tracker: Tracker, task,
             history: bool = False) -> None:
    """Rows of ``model.field``'s through table; with ``history``, their historical copies too
    (what simple-history writes beside the record's "created" entry)."""
    descriptor = getattr(model, field)
    through = descriptor.through
    source, target = descriptor.field.m2m_field_name(), descriptor.field.m2m_reverse_field_name()
    rows = [through(**{f"{source}_id": a.pk, f"{target}_id": b.pk}) for a, b in pairs]
    rows = through.objects.bulk_create(rows, batch_size=BATCH)
    tracker.advance(task, len(rows))
    if not history or not rows:
        return
    historical = get_history_model_for_model(model)
    m2m_history = apps.get_model(model._meta.app_label, f"{historical.__name__}_{field}")
    ids = sorted({getattr(r, f"{source}_id") for r in rows})
    history_id: dict[int, int] = {}
    for start in range(0, len(ids), IN_CHUNK):
        found = historical.objects.filter(id__in=ids[start:start + IN_CHUNK])
        history_id.update(found.values_list("id", "history_id"))
    m2m_history.objects.bulk_create(
        [m2m_history(history_id=history_id[getattr(r, f"{source}_id")], id=r.pk,
                     **{f"{source}_id": getattr(r, f"{source}_id"),
                        f"{target}_id": getattr(r, f"{target}_id")})
         for r in rows],
        batch_size=BATCH,
    )


def insert(sc: Scenario, tracker: Tracker) -> Inserted:
    """Write ``sc``; returns row counts per model (history excluded) and the time taken."""
    if not connection.features.can_return_rows_from_bulk_insert:
        # bulk_create_with_history would fall back to one huge OR query per batch.
        raise RuntimeError("The demo loader needs PostgreSQL or SQLite >= 3.35.")
    started = time.perf_counter()
    reg = sc.reg
    reason = f"demo scenario (seed {sc.seed}, scale {sc.scale:g})"
    orgs = list(reg.orgs.values())
    task = tracker.phase("parties", len(reg.regions) + len(orgs) + len(reg.users))
    _create(Region, list(reg.regions.values()), tracker, task, reason)
    _create(Organisation, [o for o in orgs if o.parent is None], tracker, task, reason)
    _create(Organisation, [o for o in orgs if o.parent is not None], tracker, task, reason)
    password = make_password(tables.DEMO_PASSWORD)  # hashed once: the same for every login
    for user in reg.users.values():
        user.password = password
    _create(User, list(reg.users.values()), tracker, task, reason)

    items = list(reg.items.values())
    task = tracker.phase("catalogue and hubs", len(reg.areas) + len(reg.families) + len(items)
                         + len(reg.coalitions) + len(reg.coalition_leads) + len(reg.hubs))
    _create(CapabilityArea, list(reg.areas.values()), tracker, task, reason)
    _create(CompatibilityFamily, list(reg.families.values()), tracker, task, reason)
    _create(ItemType, items, tracker, task, reason)
    _create(CapabilityCoalition, reg.coalitions, tracker, task, reason)
    _through(CapabilityCoalition, "lead_nations", reg.coalition_leads, tracker, task, True)
    _create(Hub, reg.hubs, tracker, task, reason)

    task = tracker.phase("needs", len(sc.needs) + len(sc.need_released))
    _create(Need, sc.needs, tracker, task, reason)
    _through(Need, "released_to", sc.need_released, tracker, task)

    task = tracker.phase("stock positions", len(sc.positions) + len(sc.backfills))
    _create(StockPosition, sc.positions, tracker, task, reason)
    _create(BackfillOrder, sc.backfills, tracker, task, reason)

    m2m = len(sc.pledge_items) + len(sc.pledge_regions) + len(sc.pledge_released)
    task = tracker.phase("pledges", len(sc.pledges) + m2m)
    _create(Pledge, sc.pledges, tracker, task, reason)
    _through(Pledge, "funding_items", sc.pledge_items, tracker, task, True)
    _through(Pledge, "allowed_regions", sc.pledge_regions, tracker, task, True)
    _through(Pledge, "released_to", sc.pledge_released, tracker, task)

    task = tracker.phase("offers and routes", len(sc.offers) + len(sc.routes)
                         + len(sc.deliveries) + len(sc.closures))
    _create(SupplierOffer, sc.offers, tracker, task, reason)
    _create(Route, sc.routes, tracker, task, reason)
    _create(Delivery, sc.deliveries, tracker, task, reason)
    _create(HubClosure, sc.closures, tracker, task, reason)

    counts = {
        "regions": len(reg.regions), "organisations": len(orgs), "users": len(reg.users),
        "item types": len(items), "coalitions": len(reg.coalitions), "hubs": len(reg.hubs),
        "needs": len(sc.needs), "stock positions": len(sc.positions),
        "backfill orders": len(sc.backfills), "pledges": len(sc.pledges),
        "supplier offers": len(sc.offers), "routes": len(sc.routes),
        "deliveries": len(sc.deliveries), "hub closures": len(sc.closures),
    }
    return Inserted(counts, time.perf_counter() - started)


# --- emptying ----------------------------------------------------------------------------------


def domain_models() -> list[type[models.Model]]:
    """Every table of the project's apps (history and through tables included)."""
    return [
        m for m in apps.get_models(include_auto_created=True)
        if m._meta.app_config.name.startswith("clearinghouse.")
        and m._meta.managed and not m._meta.proxy
    ]


def deletion_order(found: list[type[models.Model]]) -> list[type[models.Model]]:
    """Referencing tables before the tables they reference (PROTECT foreign keys)."""
    members = set(found)
    refs = {m: {f.related_model for f in m._meta.concrete_fields
                if f.is_relation and f.related_model in members and f.related_model is not m}
            for m in found}
    order, left = [], list(found)
    while left:
        ready = [m for m in left if not any(m in refs[o] for o in left if o is not m)]
        if not ready:
            raise RuntimeError(f"Cyclic foreign keys among {', '.join(map(str, left))}")
        order += ready
        left = [m for m in left if m not in ready]
    return order


def reset(tracker: Tracker | None = None) -> None:
    """Delete all domain data: raw DELETEs, no signals (which would write deletion history for
    every row), in dependency order, the history chain last. Users of the deleted organisations
    and the demo logins go too, through the ORM so that their tokens and admin log entries
    follow."""
    tracker = tracker or Tracker(None)
    ordered = deletion_order(domain_models())
    # The history chain goes last, with everything it links: a new chain starts (docs/audit.md).
    ordered = sorted(ordered, key=lambda m: m._meta.app_label == "core")
    task = tracker.phase("reset", len(ordered))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in ordered:
            if model is User:
                demo_names = [row[0] for row in tables.USERS]
                users = User.objects.filter(organisation__isnull=False) | User.objects.filter(
                    username__in=demo_names)
                users.delete()
            else:
                for field in model._meta.concrete_fields:
                    if field.is_relation and field.related_model is model and field.null:
                        model._base_manager.exclude(**{field.attname: None}).update(
                            **{field.attname: None})
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
            tracker.advance(task, 1)


def has_data() -> bool:
    return Organisation.objects.exists()


def demo_username_clashes() -> list[str]:
    return sorted(User.objects.filter(username__in=[u[0] for u in tables.USERS])
                  .values_list("username", flat=True))


# --- digest ------------------------------------------------------------------------------------


def _ranks(model) -> dict[int, int]:
    return {pk: n for n, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True))}


def digest_rows() -> Iterable[tuple[str, list]]:
    """(label, rows) with natural keys for foreign keys: equal data gives equal rows whatever the
    primary keys (which differ between loads into the same database)."""
    need, position, pledge = _ranks(Need), _ranks(StockPosition), _ranks(Pledge)

    def rows(
        model: type[models.Model], *fields: str, ranked: dict[str, dict[int, int]] | None = None
    ) -> list[list]:
        ranked = ranked or {}
        out = []
        for values in model.objects.order_by("pk", *fields).values_list(*fields):
            out.append([ranked[f].get(v) if f in ranked and v is not None else v
                        for f, v in zip(fields, values, strict=True)])
        return out

    yield "region", rows(Region, "code", "name")
    yield "organisation", rows(Organisation, "code", "name", "kind", "iso3", "alliance_status",
                               "gdp_eur", "gdp_year", "non_lethal_only", "parent__code",
                               "region__code")
    yield "user", rows(User, "username", "roles", "clearance", "organisation__code",
                       "is_superuser")
    yield "area", rows(CapabilityArea, "code", "name")
    yield "family", rows(CompatibilityFamily, "code", "area__code")
    yield "coalition", rows(CapabilityCoalition, "name", "area__code", "lead_nations__code")
    yield "item", rows(ItemType, "name", "nsn", "supply_class", "unit_value_eur", "lethal",
                       "indivisible", "family__code", "value_source")
    yield "hub", rows(Hub, "code", "owner__code", "weekly_capacity_pallets", "classification")
    yield "need", rows(Need, "item_type__name", "family__code", "quantity", "priority",
                       "required_by", "region__code", "state", "classification",
                       "release_all_donors", "justification")
    yield "need-released", rows(Need.released_to.through, "need_id", "organisation__code",
                                ranked={"need_id": need})
    yield "position", rows(StockPosition, "owner__code", "item_type__name", "quantity_held",
                           "target_minimum")
    yield "backfill", rows(BackfillOrder, "stock_position_id", "quantity", "expected_date",
                           "reference", ranked={"stock_position_id": position})
    yield "pledge", rows(Pledge, "owner__code", "kind", "state", "need_id", "item_type__name",
                         "quantity", "amount_eur", "funding_non_lethal_only", "places", "course",
                         "earliest_availability", "origin_depot", "anonymous", "classification",
                         "release_recipient", "release_all_donors", "stock_position_id",
                         "below_target", "below_target_by",
                         ranked={"need_id": need, "stock_position_id": position})
    for field, key in (("funding_items", "itemtype__name"), ("allowed_regions", "region__code"),
                       ("released_to", "organisation__code")):
        yield f"pledge-{field}", rows(getattr(Pledge, field).through, "pledge_id", key,
                                      ranked={"pledge_id": pledge})
    controlled = ("owner__code", "classification", "release_coordinator", "release_recipient",
                  "release_all_donors")
    yield "offer", rows(SupplierOffer, "supplier", "item_type__name", "unit_price_eur",
                        "max_quantity", "available_from", "lead_weeks", "origin_depot",
                        *controlled)
    yield "route", rows(Route, "origin", "hub__code", "weeks", *controlled)
    yield "delivery", rows(Delivery, "hub__code", "region__code", "weeks", *controlled)
    yield "closure", rows(HubClosure, "hub__code", "starts_on", "ends_on", "reason",
                          *controlled)
    yield from _journey_rows(rows, need, pledge, controlled)


def _journey_rows(rows, need: dict[int, int], pledge: dict[int, int],
                  controlled: tuple[str, ...]) -> Iterable[tuple[str, list]]:
    """The plan, its shipments and their journeys, without the moments they were written
    (``*_at``: the clock of the load) and with every key natural."""
    plan, allocation = _ranks(Plan), _ranks(Allocation)
    shipment, line = _ranks(Shipment), _ranks(ShipmentLine)
    yield "plan", rows(Plan, "name", "kind", "state", "start_date", "horizon_weeks", "status",
                       "created_by__username", "adopted_by__username")
    yield "allocation", rows(Allocation, "plan_id", "need_id", "pledge_id", "fund_id",
                             "offer__supplier", "hub__code", "ship_week", "arrival_week",
                             "quantity", "fixed", "on_time",
                             ranked={"plan_id": plan, "need_id": need, "pledge_id": pledge,
                                     "fund_id": pledge})
    yield "shipment", rows(Shipment, "plan_id", "hub__code", "origin", "region__code",
                           "receiving_unit__code", "anonymous", "state", "version",
                           "planned_hub_on", "planned_arrival_on", "expected_ready_on",
                           "expected_hub_on", "expected_arrival_on", "departed_on",
                           "at_hub_on", "handed_over_on", "received_on", "created_by__username",
                           *controlled, ranked={"plan_id": plan})
    yield "shipment-line", rows(ShipmentLine, "shipment_id", "allocation_id", "pledge_id",
                                "fund_id", "need_id", "item_type__name", "quantity", "shipped",
                                ranked={"shipment_id": shipment, "allocation_id": allocation,
                                        "pledge_id": pledge, "fund_id": pledge,
                                        "need_id": need})
    events = rows(ShipmentEvent, "shipment_id", "kind", "happened_on", "place",
                  "user__username", "organisation__code", "quantities", "note",
                  ranked={"shipment_id": shipment})
    for event in events:  # quantities by line id: by the line's rank instead
        event[6] = sorted((line[int(k)], v) for k, v in event[6].items())
    yield "shipment-event", events
    yield "receipt", rows(Receipt, "line_id", "accepted", "short", "damaged", "wrong_item",
                          "reason", "note", "received_by__username", "received_on",
                          ranked={"line_id": line})
    yield "discrepancy", rows(Discrepancy, "line_id", "kind", "quantity", "reason", "note",
                              "state", "resolution", "resolution_note", "resolved_by__username",
                              ranked={"line_id": line})


def digest() -> str:
    """SHA-256 over every model's row count and rows (see ``digest_rows``)."""
    sha = hashlib.sha256()
    for label, found in digest_rows():
        sha.update(f"{label}:{len(found)}\n".encode())
        for row in found:
            sha.update((repr([str(v) for v in row]) + "\n").encode())
    return sha.hexdigest()


# --- all together ------------------------------------------------------------------------------


def load(seed: int, scale: float, *, reset_first: bool = False, tracker: Tracker | None = None,
         today: dt.date | None = None, shipments: bool = True) -> Inserted:
    """Build the scenario in memory, then (reset and) insert it in one transaction; then, with
    ``shipments``, solve and adopt the plan and play a year of its shipments (``journey``, in
    transactions of its own: the solve runs as the worker runs it)."""
    tracker = tracker or Tracker(None)
    started = time.perf_counter()
    task = tracker.phase("building in memory", 1)
    sc = build(seed, scale, today)
    tracker.advance(task, 1)
    with transaction.atomic():
        if reset_first:
            reset(tracker)
        inserted = insert(sc, tracker)
    if shipments:
        inserted.counts |= _journey(seed, tracker)
    inserted.seconds = time.perf_counter() - started
    return inserted


def _journey(seed: int, tracker: Tracker) -> dict[str, int]:
    """The plan and the shipments, a bar each."""
    plan_task = tracker.phase("plan", 3)
    tasks = {"at": plan_task}

    def planned(count: int) -> None:
        tasks["at"] = tracker.phase("shipments", count)

    made = journey.play(seed, advance=lambda n: tracker.advance(tasks["at"], n),
                        planned=planned)
    states = dict(Shipment.objects.order_by().values_list("state").annotate(n=Count("pk")))
    return made | {
        "hub closures": HubClosure.objects.count(),  # with the one the journey brings
        "shipment events": ShipmentEvent.objects.count(),
        "verified shipments": states.get(ShipmentState.VERIFIED, 0),
        "open discrepancies": Discrepancy.objects.filter(
            state=DiscrepancyState.OPEN).count(),
    }
