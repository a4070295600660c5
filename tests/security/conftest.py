"""Security tests reuse the monitoring set-up (published report form, reviewer chain, an enterprise in 玄武区)."""
from tests.monitor.conftest import chain  # noqa: F401 - the fixture, for tests/security
