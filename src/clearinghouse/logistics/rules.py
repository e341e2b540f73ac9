import rules

from clearinghouse.security.predicates import is_coordinator

rules.add_perm("logistics.view_hub", rules.is_authenticated)
rules.add_perm("logistics.add_hub", is_coordinator)
rules.add_perm("logistics.change_hub", is_coordinator)
rules.add_perm("logistics.delete_hub", rules.always_deny)

# Routes, deliveries and closures: kept by the coordinator (the hub operators tell it).
for model in ("route", "delivery", "hubclosure"):
    rules.add_perm(f"logistics.view_{model}", rules.is_authenticated)
    rules.add_perm(f"logistics.add_{model}", is_coordinator)
    rules.add_perm(f"logistics.change_{model}", is_coordinator)
    rules.add_perm(f"logistics.delete_{model}", is_coordinator)
