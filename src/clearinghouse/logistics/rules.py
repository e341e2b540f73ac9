import rules

from clearinghouse.security.predicates import is_coordinator
from clearinghouse.security.roles import Role, has_role


@rules.predicate
def operates_hub(user, record) -> bool:
    """A logistics officer of the hub's operator; ``record`` is a hub or one of its closures."""
    hub = getattr(record, "hub", record)
    return (hub is not None and has_role(user, Role.LOGISTICS_OFFICER)
            and getattr(user, "organisation_id", None) == hub.owner_id)


rules.add_perm("logistics.view_hub", rules.is_authenticated)
rules.add_perm("logistics.add_hub", is_coordinator)
rules.add_perm("logistics.change_hub", is_coordinator)
rules.add_perm("logistics.delete_hub", rules.always_deny)

# Routes and deliveries: kept by the coordinator (the hub operators tell it).
for model in ("route", "delivery"):
    rules.add_perm(f"logistics.view_{model}", rules.is_authenticated)
    rules.add_perm(f"logistics.add_{model}", is_coordinator)
    rules.add_perm(f"logistics.change_{model}", is_coordinator)
    rules.add_perm(f"logistics.delete_{model}", is_coordinator)

# Closures: the hub's own logistics officers enter them, or a coordinator (the record's object
# is the hub when adding, the closure when changing or lifting).
rules.add_perm("logistics.view_hubclosure", rules.is_authenticated)
for verb in ("add", "change", "delete"):
    rules.add_perm(f"logistics.{verb}_hubclosure", is_coordinator | operates_hub)
