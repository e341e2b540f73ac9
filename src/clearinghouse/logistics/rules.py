import rules

from clearinghouse.security.predicates import is_coordinator

rules.add_perm("logistics.view_hub", rules.is_authenticated)
rules.add_perm("logistics.add_hub", is_coordinator)
rules.add_perm("logistics.change_hub", is_coordinator)
rules.add_perm("logistics.delete_hub", rules.always_deny)
