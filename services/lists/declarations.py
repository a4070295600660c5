"""Registers the list declarations' checker with ``manage.py check-specs`` (folder ``specs/lists/``)."""
from __future__ import annotations

from pathlib import Path

from services import spec_check
from services.lists.spec import check_file


def check(path: Path) -> list[spec_check.SpecProblem]:
    """Return the LS problems of one list declaration as check-specs problems."""
    return [spec_check.SpecProblem(code, spec_check._relative(path), item, message)
            for code, _file, item, message in check_file(path)]


spec_check.register("lists", check)
