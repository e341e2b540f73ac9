from tests.pages import adopted  # noqa: F401
from tests.planning.world import world  # noqa: F401
