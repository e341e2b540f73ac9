"""Who may do what with plans (DESIGN.md, Writes: only coordinators run and adopt plans)."""

import rules

from clearinghouse.security.predicates import is_coordinator

rules.add_perm("planning.view_plan", rules.is_authenticated)
rules.add_perm("planning.add_plan", is_coordinator)
rules.add_perm("planning.adopt_plan", is_coordinator)
rules.add_perm("planning.cancel_plan", is_coordinator)
rules.add_perm("planning.change_plan", rules.always_deny)
rules.add_perm("planning.delete_plan", rules.always_deny)
rules.add_perm("planning.view_planrule", rules.is_authenticated)
rules.add_perm("planning.add_planrule", is_coordinator)
rules.add_perm("planning.change_planrule", is_coordinator)
rules.add_perm("planning.delete_planrule", rules.always_deny)
