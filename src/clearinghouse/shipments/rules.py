"""Who may do what to a shipment (DESIGN.md, Writes; docs/shipments.md).

Each step is recorded by the party who does it: the sending donor makes ready and dispatches
(the coordinator may act for it), and the custody steps are taken by the party taking custody:
the hub's logistics officers mark a shipment at the hub, the receiving unit's take it over,
count it and verify the count. Auditors and administrators change nothing.
"""

import rules

from clearinghouse.parties.models import User
from clearinghouse.security.predicates import is_coordinator, is_donor_representative, owns
from clearinghouse.security.roles import Role, has_role

from .models import Shipment


@rules.predicate
def is_hub_officer(user: User, shipment: Shipment | None) -> bool:
    return (shipment is not None and has_role(user, Role.LOGISTICS_OFFICER)
            and user.organisation_id == shipment.hub.owner_id)


@rules.predicate
def is_unit_officer(user: User, shipment: Shipment | None) -> bool:
    return (shipment is not None and has_role(user, Role.LOGISTICS_OFFICER)
            and shipment.receiving_unit_id is not None
            and user.organisation_id == shipment.receiving_unit_id)


sender = is_donor_representative & owns

rules.add_perm("shipments.view_shipment", rules.is_authenticated)
rules.add_perm("shipments.add_shipment", is_coordinator | is_donor_representative)
rules.add_perm("shipments.make_shipments", is_coordinator)
rules.add_perm("shipments.change_shipment", is_coordinator | sender)  # split, re-route unit
rules.add_perm("shipments.delete_shipment", rules.always_deny)
rules.add_perm("shipments.ready_shipment", is_coordinator | sender)
rules.add_perm("shipments.depart_shipment", is_coordinator | sender)
rules.add_perm("shipments.cancel_shipment", is_coordinator | sender)
rules.add_perm("shipments.delay_shipment", is_coordinator | sender | is_hub_officer)
rules.add_perm("shipments.arrive_at_hub_shipment", is_hub_officer)
rules.add_perm("shipments.hand_over_shipment", is_unit_officer)
rules.add_perm("shipments.receive_shipment", is_unit_officer)
rules.add_perm("shipments.verify_shipment", is_unit_officer)
# A discrepancy goes back to the sender; the coordinator settles it with it.
rules.add_perm("shipments.resolve_discrepancy",
               is_coordinator | (is_donor_representative & rules.predicate(
                   lambda user, d: d is not None and user.organisation_id
                   == d.line.shipment.owner_id)))
