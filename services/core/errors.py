"""Errors raised by services, carrying Chinese messages that name the field and the rule."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError


class ServiceError(Exception):
    """Base class: ``str(err)`` is a message fit to show to the user."""


class ValidationFailed(ServiceError):
    """Input broke one or more rules. ``problems`` maps field label -> list of messages."""

    def __init__(self, problems: dict[str, list[str]], cells: list[tuple[str, str, str, str]] | None = None):
        self.problems = {k: v for k, v in problems.items() if v}
        self.cells = list(cells or [])  # (question, row, column, message) of the problems in a table's cells
        super().__init__("；".join(f"{m}" for msgs in self.problems.values() for m in msgs))


class PermissionDenied(ServiceError):
    """The actor lacks the permission or the object is outside their jurisdiction."""


class NotFound(ServiceError):
    """The object does not exist (or the actor may not know that it does)."""


class Conflict(ServiceError):
    """The object changed state meanwhile, or a unique value is taken."""


class Throttled(ServiceError):
    """Too many failed attempts inside the time window."""


class Busy(ServiceError):
    """The database stayed locked by other writers past the wait limit; nothing was written."""

    def __init__(self, message: str = "系统繁忙：数据库正被其他操作占用，本次操作未保存，请稍后重试。") -> None:
        super().__init__(message)


# Driver messages that mean "another transaction holds the lock; try again later".
_BUSY_SIGNS = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock",
               "deadlock detected", "could not serialize access")


DUPLICATE = "保存失败：与已有记录重复（例如用户名、代码或同一期别已存在），或已被其他操作抢先保存；本次操作未保存，请刷新后核对再试。"


def as_service_error(exc: BaseException) -> ServiceError | None:
    """Return the user-facing error for ``exc``: itself for a ServiceError, ``Busy`` for a lock the
    database gave up waiting for, ``Conflict`` for a constraint the database refused (a unique value
    taken by a concurrent action — the transaction rolled back, nothing was written), None for
    anything else (a defect: log it, show an error id)."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, IntegrityError):
        return Conflict(DUPLICATE)
    if isinstance(exc, OperationalError) and any(s in str(exc.orig).lower() for s in _BUSY_SIGNS):
        return Busy()
    return None


def check(problems: dict[str, list[str]]) -> None:
    """Raise ``ValidationFailed`` if any field has a problem."""
    if any(problems.values()):
        raise ValidationFailed(problems)
