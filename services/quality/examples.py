"""评估示例 (manual §9): examples per clause of a clause-graded assessment, from a definition-side data file.

``specs/examples/<definition code>.yaml`` maps a clause (the clause group's ``name`` in the definition) to
one or more examples — the conformity an example enterprise chose (a label of the clause's conformity
choices), its evidence (1–5 file names; none when 不符合) and its description. The examples are data next
to the definition, never code: ``check_file`` validates a file against its definition (coded problems,
``check-specs``), ``examples(code)`` returns them all in definition order (one flat sequence, which the
dialog browses with 上一个 / 下一个), ``first_index(code, clause)`` where a clause's examples begin.

Check codes (specs/README.md "评估示例"):
EX001 the file is not readable YAML or not a mapping · EX002 the file name is not the code of a
clause-graded definition · EX003 a key is not a clause of the definition · EX004 an example has the wrong
shape (not a list of mappings, unknown or missing keys, more than MAX_EXAMPLES) · EX005 a text is empty or
too long · EX006 the conformity is not one of the clause's, or evidence is missing unless 不符合 · EX007 a
clause of the definition has no example.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from services.forms.definitions import NOT_FORMS, SPECS
from services.forms.schema import Definition, Group

FOLDER = SPECS / "examples"
MAX_EXAMPLES = 5          # per clause
MAX_EVIDENCE = 5          # file names per example
DESCRIPTION_MAX = 300     # characters
EVIDENCE_MAX = 80         # characters per file name
KEYS = {"conformity", "evidence", "description"}


class Problem(NamedTuple):
    code: str
    file: str
    item: str
    message: str


@dataclass(frozen=True)
class Example:
    clause: str              # the clause group's name, e.g. "c621_11"
    clause_title: str        # "6.2.1.1.1 接到顾客投诉后能够处理并答复"
    indicator: str           # "6.2.1 顾客需求关注"
    conformity: str          # 符合 / 基本符合 / 不符合
    evidence: tuple[str, ...]
    description: str
    number: int              # 1-based among the clause's examples
    of: int                  # the clause's number of examples


@functools.cache
def _definition(code: str) -> Definition | None:
    """The shipped clause-graded definition ``code`` (None when there is none)."""
    from services.forms.loader import load_file
    for path in sorted(SPECS.rglob("*.yaml")):
        if path.relative_to(SPECS).parts[0] in (*NOT_FORMS, "examples"):
            continue
        if f"code: {code}\n" in path.read_text(encoding="utf-8"):
            d = load_file(path)
            if d.code == code and d.assessment is not None and d.assessment.grading is not None:
                return d
    return None


def _clauses(d: Definition) -> dict[str, Group]:
    g = d.assessment.grading if d.assessment else None
    assert g is not None
    return {grp.name: grp for s in d.sections if s.name in g.sections for grp in s.groups}


def _choices(d: Definition, grp: Group) -> list[str]:
    g = d.assessment.grading if d.assessment else None
    assert g is not None
    q = d.question(f"{grp.name}_{g.conformity}")
    return [c.label for c in q.choices]


def _none_label(d: Definition, grp: Group) -> str:
    g = d.assessment.grading if d.assessment else None
    assert g is not None
    q = d.question(f"{grp.name}_{g.conformity}")
    return next((c.label for c in q.choices if c.value == g.none), "")


def _check(path: Path, data: Any) -> list[Problem]:
    out: list[Problem] = []

    def bad(code: str, item: str, message: str) -> None:
        out.append(Problem(code, path.name, item, message))

    if not isinstance(data, dict):
        bad("EX001", "(file)", "评估示例文件须为 YAML 映射（条款 → 示例列表）")
        return out
    d = _definition(path.stem)
    if d is None:
        bad("EX002", "(file)", f"文件名「{path.stem}」不是任何条款分级评估定义的 code")
        return out
    clauses = _clauses(d)
    for key, items in data.items():
        where = f"条款 {key}"
        grp = clauses.get(str(key))
        if grp is None:
            bad("EX003", where, f"「{key}」不是评估「{d.title}」的条款")
            continue
        if not isinstance(items, list) or not items or len(items) > MAX_EXAMPLES:
            bad("EX004", where, f"须为 1–{MAX_EXAMPLES} 个示例的列表")
            continue
        choices, none = _choices(d, grp), _none_label(d, grp)
        for n, ex in enumerate(items, 1):
            at = f"{where} › 示例 {n}"
            if not isinstance(ex, dict):
                bad("EX004", at, "示例须为映射（conformity / evidence / description）")
                continue
            for k in sorted(set(ex) - KEYS, key=str):
                bad("EX004", at, f"未知的键「{k}」（允许：{'、'.join(sorted(KEYS))}）")
            for k in sorted(KEYS - set(ex) - {"evidence"}):
                bad("EX004", at, f"缺少「{k}」")
            conf, desc, files = ex.get("conformity"), ex.get("description"), ex.get("evidence") or []
            if conf is not None and str(conf) not in choices:
                bad("EX006", at, f"conformity「{conf}」不是该条款的选项（{'、'.join(choices)}）")
            if desc is not None and not (isinstance(desc, str) and 0 < len(desc.strip()) <= DESCRIPTION_MAX):
                bad("EX005", at, f"description 须为 1–{DESCRIPTION_MAX} 个字符的文字")
            if not isinstance(files, list) or len(files) > MAX_EVIDENCE:
                bad("EX004", at, f"evidence 须为最多 {MAX_EVIDENCE} 个文件名的列表")
                continue
            for f in files:
                if not (isinstance(f, str) and 0 < len(f.strip()) <= EVIDENCE_MAX):
                    bad("EX005", at, f"evidence 中的文件名须为 1–{EVIDENCE_MAX} 个字符")
            if conf is not None and str(conf) != none and str(conf) in choices and not files:
                bad("EX006", at, f"「{conf}」的示例须列出佐证材料（只有「{none}」可以没有）")
    for name in clauses:
        if name not in data:
            bad("EX007", f"条款 {name}", f"条款「{clauses[name].title}」没有评估示例")
    return out


def _load(path: Path) -> tuple[list[Problem], Any]:
    """Return ([], the document) or ([EX001], None): read with the bounded YAML reader (no alias bombs)."""
    from services.io.upload_limits import UploadRefused, load_yaml
    try:
        return [], load_yaml(path.read_text(encoding="utf-8"), f"评估示例文件 {path.name}")
    except (OSError, UnicodeDecodeError, yaml.YAMLError, UploadRefused) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        return [Problem("EX001", path.name, "(file)", f"无法读取为 YAML：{reason}")], None


def check_file(path: str | Path) -> list[Problem]:
    """Return every problem of the examples file at ``path`` as (code, file, item, message); [] when valid."""
    problems, data = _load(Path(path))
    return problems or _check(Path(path), data)


@functools.cache
def examples(code: str = "quality_capability") -> tuple[Example, ...]:
    """Return every example of definition ``code``, in the definition's clause order (validated file;
    an invalid or missing file raises ``ValueError`` — the shipped file is checked by tests and check-specs)."""
    path = FOLDER / f"{code}.yaml"
    problems, data = _load(path)
    problems = problems or _check(path, data)
    if problems:
        raise ValueError("; ".join(f"[{p.code}] {p.file} {p.item}: {p.message}" for p in problems))
    d = _definition(code)
    assert d is not None
    g = d.assessment.grading if d.assessment else None
    assert g is not None
    out: list[Example] = []
    for name, grp in _clauses(d).items():
        items = data[name]
        out += [Example(name, grp.title, str(grp.tags.get(g.indicator_tag) or ""), str(ex["conformity"]),
                        tuple(str(f) for f in ex.get("evidence") or []), str(ex["description"]).strip(), n, len(items))
                for n, ex in enumerate(items, 1)]
    return tuple(out)


def first_index(code: str, clause: str) -> int:
    """Return the position of ``clause``'s first example in ``examples(code)`` (0 when it has none)."""
    return next((i for i, e in enumerate(examples(code)) if e.clause == clause), 0)
