"""Reuse the self-diagnosis fixtures (the published model)."""
from tests.cmmm.conftest import model  # noqa: F401
