import pytest

from clearinghouse.planning import services
from clearinghouse.planning.models import Plan
from clearinghouse.planning.tasks import solve_here
from tests.planning.world import world  # noqa: F401


@pytest.fixture
def adopted(world) -> Plan:  # noqa: F811
    """The world's plan, solved in this process (the worker's own steps, in the test's
    transaction: the worker closes its connections) and adopted by its coordinator."""
    plan = solve_here(services.run_plan(world.coordinator, "Spring plan", horizon=26))
    return services.adopt_plan(world.coordinator, plan, plan.version)
