"""Responses: open or resume, save a section (optimistic versioning per section), submit, read.

Saving validates the section being saved (errors block, warnings are returned); submitting
validates everything, records the warnings for reviewers and writes typed answer and score rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from sqlalchemy.orm import Session

from db.account import Account
from db.base import utcnow
from db.engine import session_scope
from db.forms import FormDefinition, FormResponse, FormVersion, ResponseSection
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, check
from services.forms import ownership
from services.forms.definitions import definition_for_version, monitor_settings
from services.forms.audience import audience_matches
from services.forms.engine import NA, Context, Evaluation, Finding, evaluate, is_empty
from services.forms.schema import Definition
from services.forms.periods import PERIOD_FORMATS, PeriodChoice, check_period, period_choices, previous_period  # noqa: F401  (callers import them from here)
from services.forms.typed_rows import write_typed_rows
from services.core.lengths import MAX_SECTION_BYTES, too_big
from services.core.permissions import P_FORMS_FILL, P_FORMS_RESULTS, Actor, has_perm, require
from services.reference import region_path
from services.core.rules import is_manufacturing
from services.core.labels import STATUS

EDITABLE = ("draft", "returned")
# Per definition kind: called inside the transaction after a section is saved (e.g. the monthly
# report freezes itself when key organisation fields change). Registered by the owning service.
AFTER_SAVE: dict[str, Callable[[Session, FormResponse, str, dict[str, Any], Actor], None]] = {}
# "frozen": a monthly report's response while key-field changes await confirmation (monitor.workflow.response_status)
STATUS_LABEL = STATUS["response"]


def status_label(status: str) -> str:
    """Return a response status as users read it (never the code)."""
    return STATUS_LABEL.get(status, "处理中")


@dataclass(frozen=True)
class SectionState:
    name: str
    version: int
    updated_by: str
    updated_at: str | None


@dataclass
class ResponseView:
    id: int
    version_id: int
    code: str
    title: str
    org_id: int
    org_name: str
    period: str
    status: str
    status_label: str
    current_section: str
    answers: dict[str, Any]
    sections: dict[str, SectionState]
    warnings: list[dict[str, Any]]
    submitted_at: str | None
    editable: bool = False
    context: Context = field(default_factory=Context)


def org_context(org: Organisation) -> dict[str, Any]:
    """Return the organisation fields expressions may read as ``${org.x}``."""
    from services.core.rules import section_of
    section = None
    if org.industry_code:
        try:
            section = section_of(org.industry_code)
        except ValueError:
            section = None
    return {"name": org.name, "kind": org.kind, "industry_code": org.industry_code, "division": org.division_code,
            "section": section, "size": org.size, "region_code": org.region_code, "province_code": org.province_code,
            "city_code": org.city_code, "county_code": org.county_code, "employees": org.employees,
            "revenue": org.revenue, "assets": org.assets,
            "manufacturing": is_manufacturing(org.division_code),
            "industrial": section in ("B", "C", "D")}


def _answers(session: Session, response_id: int) -> tuple[dict[str, Any], dict[str, ResponseSection]]:
    rows = {r.section: r for r in session.scalars(select(ResponseSection).where(ResponseSection.response_id == response_id))}
    merged: dict[str, Any] = {}
    for r in rows.values():
        merged.update(r.data or {})
    return merged, rows


def _context(session: Session, r: FormResponse) -> Context:
    """Return what expressions may read; ``prev()`` sees the previous period's submitted response, or
    only an approved one when the definition says ``settings: {prev_requires: approved}``."""
    org = session.get(Organisation, r.org_id)
    assert org is not None
    prev = None
    p = previous_period(r.period)
    if p:
        prev_r = session.scalar(select(FormResponse).where(
            FormResponse.definition_id == r.definition_id, FormResponse.org_id == r.org_id, FormResponse.period == p,
            FormResponse.status.in_(_previous_statuses(definition_for_version(r.version_id, session)))))
        if prev_r is not None:
            prev = _answers(session, prev_r.id)[0]
    return Context(org=org_context(org), period=r.period or None, previous=prev)


def _previous_statuses(d: Definition) -> tuple[str, ...]:
    """The statuses of an earlier period's response that ``prev()`` may read."""
    settings = d.source.get("settings") or {}
    return ("approved",) if settings.get("prev_requires") == "approved" else ("submitted", "approved")


def contexts_for(session: Session, d: Definition, definition_id: int, orgs: list[Organisation],
                 period: str) -> dict[int, Context]:
    """Return {org id: the context its response for ``period`` is evaluated in} for many organisations in
    a few queries — the same context ``context_for`` gives each one (for bulk imports)."""
    previous: dict[int, dict[str, Any]] = {}
    p = previous_period(period)
    ids = [o.id for o in orgs]
    for i in range(0, len(ids) if p else 0, 500):
        owner = dict(session.execute(select(FormResponse.id, FormResponse.org_id).where(
            FormResponse.definition_id == definition_id, FormResponse.org_id.in_(ids[i:i + 500]),
            FormResponse.period == p, FormResponse.status.in_(_previous_statuses(d)))).tuples().all())
        for rid, data in session.execute(select(ResponseSection.response_id, ResponseSection.data)
                                         .where(ResponseSection.response_id.in_(list(owner)))):
            org_id = owner[rid]
            if org_id is not None:
                previous.setdefault(org_id, {}).update(data or {})
    return {o.id: Context(org=org_context(o), period=period or None, previous=previous.get(o.id)) for o in orgs}


def _load(session: Session, actor: Actor, response_id: int, for_update: bool = False) -> FormResponse:
    r = session.get(FormResponse, response_id, with_for_update=for_update)
    if r is None:
        raise NotFound("未找到该填报记录。")
    if actor.org_id is not None and actor.org_id == r.org_id and has_perm(actor, P_FORMS_FILL):
        return r
    org = session.get(Organisation, r.org_id)
    if org is not None and has_perm(actor, P_FORMS_RESULTS, region=region_path(org.region_code)):
        return r
    raise NotFound("未找到该填报记录。")  # another organisation's response looks absent


def open_response(actor: Actor, version_id: int, period: str = "", in_monthly_report: bool = False) -> int:
    """Return the actor's organisation's response to this version and period, creating a draft.

    A monthly report's questionnaire (``settings.monitor``) is opened only from the report's step ④
    (``in_monthly_report``, see services.monitor.reports.open_questionnaire)."""
    require(actor, P_FORMS_FILL)
    if actor.org_id is None:
        raise ValidationFailed({"单位": ["单位：请先完成单位注册信息。"]})
    with session_scope() as session:
        v = session.get(FormVersion, version_id)
        d = session.get(FormDefinition, v.definition_id) if v is not None else None
        org = session.get(Organisation, actor.org_id)
        if v is None or d is None or org is None or not ownership.reaches(d, org) or not audience_matches(v.content, org):
            raise NotFound("未找到该问卷。")  # another region's questionnaire looks absent
        if monitor_settings(v.content) and not in_monthly_report:
            raise ValidationFailed({"问卷": [f"问卷：「{v.content.get('title', '')}」是月报的调查问卷，"
                                           "请在「当期报送」第四步「调查问卷」中填写。"]})
        period = check_period(definition_for_version(v.id, session).period, period, openable=not in_monthly_report)
        existing = session.scalar(select(FormResponse).where(FormResponse.version_id == version_id,
                                                             FormResponse.org_id == actor.org_id,
                                                             FormResponse.period == period)
                                  .order_by(FormResponse.id.desc()))
        if existing is not None:
            return existing.id
        if v.status != "published":
            raise Conflict("该问卷未发布或已停用，不能新建填报。")
        r = FormResponse(version_id=v.id, definition_id=v.definition_id, org_id=actor.org_id, period=period,
                         status="draft", created_by=actor.account_id)
        session.add(r)
        session.flush()
        audit.record(session, actor.account_id, "response.opened", "form_response", r.id, {"period": period})
        return r.id


def get_response(actor: Actor, response_id: int) -> ResponseView:
    """Return a response the actor may see (own organisation, or an administrator's jurisdiction)."""
    with session_scope(read=True) as session:
        r = _load(session, actor, response_id)
        answers, rows = _answers(session, r.id)
        v = session.get(FormVersion, r.version_id)
        d = session.get(FormDefinition, r.definition_id)
        org = session.get(Organisation, r.org_id) if r.org_id is not None else None
        if v is None or d is None or org is None or r.org_id is None:  # an anonymous public-survey answer
            raise NotFound("未找到该填报记录。")
        names = {a.id: a.display_name or a.username for a in session.scalars(
            select(Account).where(Account.id.in_([x.updated_by for x in rows.values() if x.updated_by])))}
        sections = {k: SectionState(k, x.version, names.get(x.updated_by or 0, ""),
                                    x.updated_at.strftime("%Y-%m-%d %H:%M:%S") if x.updated_at else None)
                    for k, x in rows.items()}
        return ResponseView(r.id, r.version_id, d.code, v.content.get("title", d.title), r.org_id, org.name, r.period,
                            r.status, status_label(r.status), r.current_section, answers, sections,
                            list(r.warnings or []),
                            r.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted_at else None,
                            editable=r.status in EDITABLE and actor.org_id == r.org_id,
                            context=_context(session, r))


def evaluate_response(view: ResponseView, answers: dict[str, Any] | None = None) -> Evaluation:
    """Evaluate a response (or unsaved ``answers``) against its own version."""
    return evaluate(definition_for_version(view.version_id), answers if answers is not None else view.answers,
                    view.context)


def _labels(d: Definition) -> dict[str, str]:
    return {q.name: q.label or q.name for q in d.questions()} | \
        {g.name: g.title or g.name for s in d.sections for g in s.groups if g.repeat}


def _diff(d: Definition, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    labels = _labels(d)
    out = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            out.append(f"「{labels.get(key, key)}」{_fmt(before.get(key))} → {_fmt(after.get(key))}")
    return out


def _fmt(v: Any) -> str:
    if is_empty(v):
        return "（空）"
    if v == NA:
        return "不适用"
    text = str(v)
    return text if len(text) <= 40 else text[:40] + "…"


def findings_error(findings: list[Finding], fallback: str) -> ValidationFailed:
    """Return the error listing every broken rule (several per question: a table's cells each count),
    with the table cells they are in."""
    problems: dict[str, list[str]] = {}
    for f in findings:
        problems.setdefault(f.question or f.section or fallback, []).append(f.message)
    return ValidationFailed(problems, [(f.question, *f.cell, f.message) for f in findings
                                       if f.question and f.cell is not None])


def save_section(actor: Actor, response_id: int, section: str, data: dict[str, Any], base_version: int,
                 base_data: dict[str, Any] | None = None, move_to: str | None = None,
                 complete: bool = True) -> tuple[int, list[Finding]]:
    """Save one section's answers; return (new section version, warnings of that section).

    ``complete=False`` is 暂存 (save for later): unanswered required questions do not block it,
    wrong values still do. Moving on (next / submit) saves with ``complete=True``.

    ``base_version``/``base_data`` are what the user's form was loaded with. If someone else saved
    the section since, raise ``Conflict`` naming who, when and what they changed — nothing is
    overwritten. Errors in this section raise ``ValidationFailed`` and nothing is saved.
    """
    require(actor, P_FORMS_FILL)
    with session_scope() as session:
        r = _load(session, actor, response_id, for_update=True)
        if r.org_id != actor.org_id:
            raise NotFound("未找到该填报记录。")
        return save_section_in(session, actor, r, section, data, base_version, base_data, move_to, complete)


def save_section_in(session: Session, actor: Actor, r: FormResponse, section: str, data: dict[str, Any],
                    base_version: int, base_data: dict[str, Any] | None = None, move_to: str | None = None,
                    complete: bool = True, as_assessor: bool = False) -> tuple[int, list[Finding]]:
    """``save_section`` inside the caller's transaction, on a response the caller loaded (locked) and
    checked the actor may write. A section an assessment declares assessor-only (``assessment.assessor``)
    is written only with ``as_assessor`` (the assessment flow checks the assessor), whatever the status."""
    d = definition_for_version(r.version_id, session)
    if section not in {s.name for s in d.sections}:
        raise NotFound(f"问卷中没有「{section}」部分。")
    grading = d.assessment.grading if d.assessment is not None else None
    if grading is not None and section in grading.sections:  # team filling: one clause at a time
        title = next(s.title for s in d.sections if s.name == section)
        raise Conflict(f"「{title}」的条款须逐条保存（services.assessment.clauses.save_clause），以免多人填报时互相覆盖。")
    assessor_only = d.assessment is not None and section in d.assessment.assessor_sections
    if assessor_only != as_assessor:
        title = next(s.title for s in d.sections if s.name == section)
        raise PermissionDenied(f"「{title}」只能由评审员填写。" if assessor_only else f"评审员不能修改「{title}」。")
    if r.status not in EDITABLE and not as_assessor:
        raise Conflict(f"该填报当前状态为「{status_label(r.status)}」，不能修改。")
    answers, rows = _answers(session, r.id)
    row = rows.get(section)
    current_version = row.version if row else 0
    if current_version != base_version:
        who = session.get(Account, row.updated_by) if row and row.updated_by else None
        changes = _diff(d, base_data or {}, row.data if row else {})
        raise Conflict(f"本部分已被{(who.display_name or who.username) if who else '他人'}于 "
                       f"{row.updated_at.strftime('%H:%M:%S') if row and row.updated_at else ''} 修改并保存，"
                       f"您的修改未保存，以免覆盖对方的内容。对方的修改："
                       f"{'；'.join(changes) or '（内容相同）'}。请刷新后重新填写本部分。")
    own = {q.name for s in d.sections if s.name == section for q in s.questions} | \
        {g.name for s in d.sections if s.name == section for g in s.groups if g.repeat}
    clean = {k: v for k, v in data.items() if k in own}
    title = next(s.title for s in d.sections if s.name == section)
    check({title: too_big(f"「{title}」", clean, MAX_SECTION_BYTES)})
    ev = evaluate(d, {**answers, **clean}, _context(session, r))
    errors = [f for f in ev.errors(section) if complete or f.rule not in ("required", "min_rows")]
    if errors:
        raise findings_error(errors, section)
    if row is None:
        row = ResponseSection(response_id=r.id, section=section, data={}, version=0)
        session.add(row)
    row.data, row.version, row.updated_by, row.updated_at = clean, current_version + 1, actor.account_id, utcnow()
    if not as_assessor:
        r.current_section = move_to or section
    r.updated_at = utcnow()
    kind = session.scalar(select(FormDefinition.kind).where(FormDefinition.id == r.definition_id))
    if (hook := AFTER_SAVE.get(kind or "")) is not None:
        session.flush()
        hook(session, r, section, clean, actor)
    return row.version, ev.warnings(section)


def set_position(actor: Actor, response_id: int, section: str) -> None:
    """Remember where the user is (resume there next time) without saving answers."""
    with session_scope() as session:
        r = _load(session, actor, response_id)
        if r.org_id == actor.org_id:
            r.current_section = section


def context_for(session: Session, r: FormResponse) -> Context:
    """Return the evaluation context of a response (organisation, period, usable previous period)."""
    return _context(session, r)


def answers_of(session: Session, response_id: int) -> dict[str, Any]:
    """Return a response's merged answers."""
    return _answers(session, response_id)[0]


def submit(actor: Actor, response_id: int, request_id: str | None = None) -> list[Finding]:
    """Validate everything and submit; return the recorded warnings. A replayed submit does nothing."""
    require(actor, P_FORMS_FILL)
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return []
        r = _load(session, actor, response_id, for_update=True)
        if r.org_id != actor.org_id:
            raise NotFound("未找到该填报记录。")
        return submit_in(session, actor, r, request_id)


def submit_in(session: Session, actor: Actor, r: FormResponse, request_id: str | None = None) -> list[Finding]:
    """``submit`` inside the caller's transaction, on a response the caller loaded (locked) and checked.
    An assessment's assessor-only sections are not the submitter's to complete."""
    if r.status not in EDITABLE:
        raise Conflict(f"该填报已{status_label(r.status)}，不能重复提交。")
    d = definition_for_version(r.version_id, session)
    answers, _ = _answers(session, r.id)
    ev = evaluate(d, answers, _context(session, r))
    skip = set(d.assessment.assessor_sections) if d.assessment is not None else set()
    errors = [f for f in ev.errors() if f.section not in skip]
    if errors:
        raise findings_error(errors, "问卷")
    r.status, r.submitted_at = "submitted", utcnow()
    r.warnings = [{"message": w.message, "question": w.question, "section": w.section, "rule": w.rule}
                  for w in ev.warnings()]
    write_typed_rows(session, r, d, ev)
    audit.record(session, actor.account_id, "response.submitted", "form_response", r.id,
                 {"warnings": len(r.warnings)}, request_id=request_id)
    return ev.warnings()


@dataclass(frozen=True)
class ResponseSummary:
    id: int
    version_id: int
    title: str
    period: str
    status: str
    status_label: str
    updated_at: str
    monthly_report_part: bool = False  # a monthly report's questionnaire (filled in 当期报送 step ④)


def my_responses(actor: Actor, kind: str | None = None) -> list[ResponseSummary]:
    """Return the actor's organisation's responses, newest first."""
    require(actor, P_FORMS_FILL)
    if actor.org_id is None:
        return []
    with session_scope(read=True) as session:
        stmt = (select(FormResponse, FormDefinition, FormVersion)
                .join(FormDefinition, FormDefinition.id == FormResponse.definition_id)
                .join(FormVersion, FormVersion.id == FormResponse.version_id)
                .where(FormResponse.org_id == actor.org_id).order_by(FormResponse.updated_at.desc()))
        if kind:
            stmt = stmt.where(FormDefinition.kind == kind)
        return [ResponseSummary(r.id, r.version_id, v.content.get("title", d.title), r.period, r.status,
                                status_label(r.status), r.updated_at.strftime("%Y-%m-%d %H:%M"),
                                bool(monitor_settings(v.content)))
                for r, d, v in session.execute(stmt)]
