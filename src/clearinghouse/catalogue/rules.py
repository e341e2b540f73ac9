"""The catalogue is kept by coordinators and administrators; everyone signed in reads it."""

import rules

from clearinghouse.parties.rules import is_administrator
from clearinghouse.security.predicates import is_coordinator

for model in ("capabilityarea", "capabilitycoalition", "compatibilityfamily", "itemtype"):
    rules.add_perm(f"catalogue.view_{model}", rules.is_authenticated)
    rules.add_perm(f"catalogue.add_{model}", is_coordinator | is_administrator)
    rules.add_perm(f"catalogue.change_{model}", is_coordinator | is_administrator)
    rules.add_perm(f"catalogue.delete_{model}", rules.always_deny)
