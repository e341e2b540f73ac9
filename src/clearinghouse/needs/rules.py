"""Who may do what to a need (DESIGN.md, Writes)."""

import rules

from clearinghouse.parties.models import User
from clearinghouse.security.predicates import is_coordinator, is_recipient_planner, owns

from .models import EDITABLE_STATES, Need


@rules.predicate
def in_editable_state(user: User, need: Need | None) -> bool:
    return need is None or need.state in EDITABLE_STATES


owning_planner = is_recipient_planner & owns

rules.add_perm("needs.add_need", is_recipient_planner)
rules.add_perm("needs.change_need", owning_planner & in_editable_state)
rules.add_perm("needs.view_need", rules.is_authenticated)
rules.add_perm("needs.delete_need", rules.always_deny)
rules.add_perm("needs.submit_need", owning_planner)
rules.add_perm("needs.cancel_need", is_coordinator | (owning_planner & in_editable_state))
for action in ("return", "validate", "open"):
    rules.add_perm(f"needs.{action}_need", is_coordinator)
# Coverage follows from the adopted plan alone (planning.services.adopt_plan moves it), and
# delivery from verified receipts alone (shipments.receipts.settle): no one covers or
# delivers a need by hand, whatever the allocations say.
for action in ("cover_partly", "cover", "reopen", "deliver"):
    rules.add_perm(f"needs.{action}_need", rules.always_deny)
