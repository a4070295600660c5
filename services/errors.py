"""The documented import path ``services.errors`` (README, 可调用的 Python 接口 — e.g. ``vouchers.grab`` raises
``services.errors.Conflict``): the module lives in ``services/core/errors.py``; this is the same module's
classes under the stable name, so ``except services.errors.Conflict`` catches what the services raise."""
from services.core.errors import (Busy, Conflict, NotFound, PermissionDenied, ServiceError,  # noqa: F401
                                  Throttled, ValidationFailed, as_service_error, check)
