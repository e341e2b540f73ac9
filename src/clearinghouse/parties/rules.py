"""Parties are managed by platform administrators (DESIGN.md, Users and roles)."""

import rules

from clearinghouse.security.roles import Role, has_role

from .models import User


@rules.predicate
def is_administrator(user: User) -> bool:
    return user.is_superuser or has_role(user, Role.ADMINISTRATOR)


for model in ("organisation", "region", "user"):
    rules.add_perm(f"parties.view_{model}", rules.is_authenticated)
    rules.add_perm(f"parties.add_{model}", is_administrator)
    rules.add_perm(f"parties.change_{model}", is_administrator)
    rules.add_perm(f"parties.delete_{model}", rules.always_deny)
