"""Errors raised by services, carrying Chinese messages that name the field and the rule."""
from __future__ import annotations


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


def check(problems: dict[str, list[str]]) -> None:
    """Raise ``ValidationFailed`` if any field has a problem."""
    if any(problems.values()):
        raise ValidationFailed(problems)
