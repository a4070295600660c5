"""``python manage.py check-specs``: validate every definition under ``specs/`` and report coded errors.

Like pyxform's or Django's system checks: each problem names the file, the item and the rule, with a
stable code. Which checker reads a file depends on its folder under ``specs/`` (``CHECKERS``): form,
questionnaire and assessment definitions everywhere by default; other engines (workflows, list
declarations) register theirs by folder. Across files: one code per definition (S001).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parents[2] / "specs"

# Codes of this module (the engines' own codes are listed in specs/README.md).
CODES = {"S001": "代码重复：两个文件声明了同一个 code", "S002": "文件无法读取"}


@dataclass(frozen=True)
class SpecProblem:
    code: str      # stable: D… forms / assessments, W… workflows, L… lists, S… across files
    file: str      # path relative to the repository
    item: str      # where in the file, e.g. "问题 revenue › show_if"
    message: str   # the rule, in Chinese

    def render(self) -> str:
        return f"{self.file}: [{self.code}] {self.item or '（文件）'}：{self.message}"


Checker = Callable[[Path], list[SpecProblem]]


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(SPECS.parent))
    except ValueError:
        return str(path)


def check_form(path: Path) -> list[SpecProblem]:
    """A form / questionnaire / assessment definition (services.forms.loader)."""
    from services.forms.loader import load_definition, read_document
    from services.forms.schema import CODES as FORM_CODES, DefinitionInvalid
    from services.io.upload_limits import UploadRefused
    try:
        load_definition(read_document(path.read_text(encoding="utf-8"), str(path)), str(path))
    except DefinitionInvalid as err:
        return [SpecProblem(i.code, _relative(path), i.where, f"{FORM_CODES.get(i.code, '')}——{i.message}")
                for i in err.issues]
    except (UploadRefused, OSError, UnicodeDecodeError) as err:
        return [SpecProblem("S002", _relative(path), "", f"{CODES['S002']}：{err}")]
    return []


# folder under specs/ → the engine module that checks its files with ``check_file(path)`` (a list of
# problems with code, file, item, message); anything else is a form / assessment definition
ENGINES = {"workflows": "services.workflow.definitions", "lists": "services.lists.spec",
           "market": "services.market.spec_files", "profiles": "services.quality.profile",
           "examples": "services.quality.examples"}
CHECKERS: dict[str, Checker] = {}


def register(folder: str, checker: Checker) -> None:
    """Let an engine check the files of ``specs/<folder>/``."""
    CHECKERS[folder] = checker


def _engine_checker(module: str) -> Checker:
    def check(path: Path) -> list[SpecProblem]:
        import importlib
        found = importlib.import_module(module).check_file(path)
        return [SpecProblem(e.code, _relative(path), e.item, e.message) for e in found]
    return check


for _folder, _module in ENGINES.items():
    register(_folder, _engine_checker(_module))


def checker_for(path: Path, root: Path = SPECS) -> Checker:
    try:
        top = path.resolve().relative_to(root.resolve()).parts[0]
    except (ValueError, IndexError):
        top = ""
    return CHECKERS.get(top, check_form)


def _code_of(path: Path) -> str | None:
    import yaml
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - the file's own checker reports why it cannot be read
        return None
    return str(doc.get("code")) if isinstance(doc, dict) and doc.get("code") else None


def check_all(root: Path = SPECS) -> list[SpecProblem]:
    """Return every problem of every definition file under ``root`` (empty when all are valid)."""
    problems: list[SpecProblem] = []
    codes: dict[tuple[str, str], Path] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".yaml", ".yml", ".json"):
            continue
        problems += checker_for(path, root)(path)
        code = _code_of(path)
        folder = path.resolve().relative_to(root.resolve()).parts[0]
        kind = folder if folder in CHECKERS else "forms"
        if code is not None:
            if (kind, code) in codes:
                problems.append(SpecProblem("S001", _relative(path), f"code {code}",
                                            f"{CODES['S001']}（另见 {_relative(codes[(kind, code)])}）"))
            else:
                codes[(kind, code)] = path
    return problems


def main(root: Path = SPECS) -> int:
    """Print the problems; return the exit status (0: all valid)."""
    problems = check_all(root)
    for p in problems:
        print(p.render())
    files = sum(1 for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))
    print(f"check-specs：{files} 个定义文件，{len(problems)} 个问题。")
    return 1 if problems else 0
