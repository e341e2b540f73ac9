"""Predicates for `rules`: who may do what (DESIGN.md, Writes)."""

import rules

from .roles import Role, has_role


@rules.predicate
def is_coordinator(user) -> bool:
    return has_role(user, Role.COORDINATOR)


@rules.predicate
def is_donor_representative(user) -> bool:
    org = getattr(user, "organisation", None)
    return has_role(user, Role.DONOR_REPRESENTATIVE) and org is not None and org.is_donor


@rules.predicate
def is_recipient_planner(user) -> bool:
    org = getattr(user, "organisation", None)
    return has_role(user, Role.RECIPIENT_PLANNER) and org is not None and org.is_recipient_side


@rules.predicate
def owns(user, record) -> bool:
    return record is not None and user.organisation_id == record.owner_id
