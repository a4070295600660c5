"""自评估历史 of the quality self-assessment: the organisation's attempts, and for a finished one what the
history pages and the PDF report show — 自评估情况 (read-only answers, evidence files) and 自评估报告 (tiers per
second-level indicator, first-level and overall, the 企业信息 confirmed for that attempt).

Scope: everything goes through ``flow.get`` / ``quality.snapshot`` (the actor's own organisation; another
organisation's attempt is ``NotFound``). ``evidence_file`` reads only a file the given snapshot's answers name,
so whoever obtained the snapshot through a scoped service may read its files."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config import settings
from db.engine import session_scope
from db.organisation import Organisation
from services.assessment import flow, quality
from services.assessment.performance import PerfResult
from services.core.errors import Conflict, NotFound
from services.core.permissions import Actor
from services.forms.schema import Definition, Grading
from services.quality import profile


@dataclass(frozen=True)
class AttemptRow:
    id: int
    started_at: str
    completed_at: str | None
    status: str               # in_progress / completed / abandoned
    status_label: str
    tier_label: str           # overall tier, "—" until completed


@dataclass(frozen=True)
class TierRow:
    name: str                 # "6.2.1 顾客需求关注" / "6.2 质量管理体系的有效性"
    parent: str               # the first-level title of a second-level row ("" for a first-level row)
    tier: int | None
    label: str


@dataclass(frozen=True)
class Report:
    attempt: flow.AttemptView
    org_name: str
    credit_code: str
    profile_rows: list[tuple[str, str]]      # the 企业信息 confirmed for this attempt (else the current one)
    profile_kept: bool                       # False: the attempt never passed step 1, current profile shown
    overall: int | None
    overall_label: str
    first_level: list[TierRow]
    second_level: list[TierRow]
    level_labels: list[str]                  # tier 1… labels
    below_label: str
    perf: list[PerfResult]


def grading(d: Definition) -> Grading:
    g = d.assessment.grading if d.assessment else None
    if g is None:
        raise NotFound(f"「{d.title}」没有声明条款定级规则。")
    return g


def attempts(actor: Actor) -> list[AttemptRow]:
    """The organisation's attempts, newest first, with the overall tier of the finished ones."""
    views = flow.history(quality.KIND, actor)
    if not views:
        return []
    g = grading(flow.definition(quality.KIND)[1])
    return [AttemptRow(v.id, v.started_at, v.completed_at, v.status, v.status_label,
                       g.label(v.level) if v.status == "completed" and v.level is not None else "—") for v in views]


def completed_snapshot(actor: Actor, attempt_id: int) -> quality.Snapshot:
    """The snapshot of one of the organisation's finished attempts (``Conflict`` while unfinished)."""
    snap = quality.snapshot(actor, attempt_id)
    if snap.attempt.status != "completed":
        raise Conflict("该自评估尚未完成，完成并提交后才能查看自评估报告。")
    return snap


def report(actor: Actor, attempt_id: int, snap: quality.Snapshot | None = None) -> Report:
    """The report of one of the organisation's finished attempts."""
    snap = snap if snap is not None and snap.attempt.id == attempt_id else completed_snapshot(actor, attempt_id)
    if snap.attempt.status != "completed":
        raise Conflict("该自评估尚未完成，完成并提交后才能查看自评估报告。")
    d = snap.definition
    g = grading(d)
    grades = quality.progress(snap)
    titles = {s.name: s.title for s in d.sections}
    with session_scope(read=True) as session:
        org = session.get(Organisation, snap.attempt.org_id)
        if org is None:
            raise NotFound("未找到该企业。")
        kept = profile.copy_of(org, attempt_id)
        shown = kept or profile.form(actor)
        name, code = org.name, org.credit_code or ""
    return Report(snap.attempt, name, code, profile.rows(shown.answers, shown.size), kept is not None,
                  grades.overall, g.label(grades.overall),
                  [TierRow(titles[k], "", v, g.label(v)) for k, v in grades.first_level.items()],
                  [TierRow(i.name, titles[i.section], i.tier, g.label(i.tier)) for i in grades.indicators],
                  [x.label for x in g.levels], g.below_label, quality.perf_results(snap))


def evidence_file(snap: quality.Snapshot, clause: str, sha256: str) -> tuple[str, bytes, str]:
    """(name, bytes, type) of an evidence file the snapshot's clause names; ``NotFound`` otherwise."""
    g = grading(snap.definition)
    files: list[dict[str, Any]] = list(snap.answers.get(f"{clause}_{g.evidence}") or [])
    f = next((x for x in files if x.get("sha256") == sha256), None)
    path = str((f or {}).get("path") or "")
    if f is None or not path or "/" in path or "\\" in path or path.startswith("."):
        raise NotFound("未找到该佐证材料。")
    file = settings.upload_dir / path
    if not file.is_file():
        raise NotFound(f"佐证材料「{f.get('name')}」的文件已不存在。")
    return str(f.get("name") or path), file.read_bytes(), str(f.get("type") or "")
