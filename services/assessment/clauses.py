"""Team filling of a clause-graded assessment (the quality self-assessment): one clause saved at a time,
with optimistic versioning PER CLAUSE, so several people using one enterprise account never overwrite
each other — the second save of the same clause gets a ``Conflict`` naming who changed it, when and
what; saves of different clauses succeed independently.

Storage: a clause's answers (``<group>_conf/_desc/_files``) are one ``response_section`` row keyed
``clause:<group>`` (``CLAUSE_PREFIX``), versioned like a section; ``responses._answers`` merges every
row, so submitting and evaluating the response read the clauses as usual. Graded sections are saved
only through here (never as a whole section row). Concurrent saves serialise on the response row
(``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) before the version is compared."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.account import Account
from db.base import utcnow
from db.engine import session_scope
from db.forms import FormResponse, ResponseSection
from services.core.errors import Conflict, NotFound
from services.core.lengths import MAX_SECTION_BYTES, too_big
from services.core.errors import check
from services.core.permissions import P_QUALITY_FILL, Actor, require
from services.forms import responses
from services.forms.definitions import definition_for_version
from services.forms.engine import evaluate
from services.forms.schema import Definition, Group

CLAUSE_PREFIX = "clause:"


@dataclass(frozen=True)
class ClauseState:
    clause: str             # the clause group's name
    version: int            # 0 = never saved
    data: dict[str, Any]


def _clause(d: Definition, clause: str) -> Group:
    g = d.assessment.grading if d.assessment else None
    if g is not None:
        for s in d.sections:
            if s.name in g.sections:
                for grp in s.groups:
                    if grp.name == clause:
                        return grp
    raise NotFound(f"评估中没有条款「{clause}」。")


def clause_group(d: Definition, clause: str) -> Group:
    """Return the clause group ``clause`` of a graded section (``NotFound`` when there is none)."""
    return _clause(d, clause)


def clause_states(actor: Actor, response_id: int) -> dict[str, ClauseState]:
    """Return every saved clause of the response (what a form is loaded with: data and version)."""
    require(actor, P_QUALITY_FILL)
    with session_scope(read=True) as session:
        responses._load(session, actor, response_id)
        return states_in(session, response_id)


def states_in(session: Session, response_id: int) -> dict[str, ClauseState]:
    """``clause_states`` inside the caller's session, for a response the caller may read."""
    rows = session.execute(select(ResponseSection.section, ResponseSection.version, ResponseSection.data)
                           .where(ResponseSection.response_id == response_id,
                                  ResponseSection.section.startswith(CLAUSE_PREFIX)))
    return states_of(rows)


def states_of(rows: Any) -> dict[str, ClauseState]:
    """Clause states from ``(section, version, data)`` rows (other sections are skipped)."""
    n = len(CLAUSE_PREFIX)
    return {sec[n:]: ClauseState(sec[n:], version, dict(data or {}))
            for sec, version, data in rows if sec.startswith(CLAUSE_PREFIX)}


def save_clause(actor: Actor, response_id: int, clause: str, data: dict[str, Any], base_version: int,
                base_data: dict[str, Any] | None = None, complete: bool = True) -> int:
    """Save one clause's answers; return its new version. ``base_version``/``base_data`` are what the
    user's form was loaded with; if someone else saved this clause since, raise ``Conflict`` showing
    their change and save nothing — unless it saved exactly these answers (a double submit returns the
    current version and writes nothing). ``complete=False`` is 暂存 (unanswered required parts do not block)."""
    require(actor, P_QUALITY_FILL)
    with session_scope() as session:
        r = responses._load(session, actor, response_id, for_update=True)
        if r.org_id != actor.org_id:
            raise NotFound("未找到该填报记录。")
        return save_clause_in(session, actor, r, clause, data, base_version, base_data, complete)


def save_clause_in(session: Session, actor: Actor, r: FormResponse, clause: str, data: dict[str, Any],
                   base_version: int, base_data: dict[str, Any] | None = None, complete: bool = True) -> int:
    """``save_clause`` inside the caller's transaction, on a response it loaded locked."""
    d = definition_for_version(r.version_id, session)
    group = _clause(d, clause)
    if r.status not in responses.EDITABLE:
        raise Conflict(f"该自评估当前状态为「{responses.status_label(r.status)}」，不能修改。")
    key = CLAUSE_PREFIX + clause
    row = session.get(ResponseSection, (r.id, key))
    current = row.version if row else 0
    own = {q.name for q in group.questions}
    clean = {k: v for k, v in data.items() if k in own}
    if current != base_version and row is not None and row.data == clean:
        return current  # a double submit (or the same content saved by another): nothing to do twice
    if current != base_version:
        who = session.get(Account, row.updated_by) if row and row.updated_by else None
        changes = responses._diff(d, base_data or {}, row.data if row else {})
        raise Conflict(f"条款「{group.title}」已被{(who.display_name or who.username) if who else '他人'}于 "
                       f"{row.updated_at.strftime('%H:%M:%S') if row and row.updated_at else ''} 修改并保存，"
                       f"您对该条款的修改未保存，以免覆盖对方的内容。对方的修改："
                       f"{'；'.join(changes) or '（内容相同）'}。请刷新该条款后重新填写。")
    check({group.title: too_big(f"「{group.title}」", clean, MAX_SECTION_BYTES)})
    answers, _ = responses._answers(session, r.id)
    ev = evaluate(d, {**answers, **clean}, responses.context_for(session, r), with_scores=False)
    errors = [f for f in ev.errors() if f.question in own and (complete or f.rule != "required")]
    if errors:
        raise responses.findings_error(errors, group.title)
    if row is None:
        row = ResponseSection(response_id=r.id, section=key, data={}, version=0)
        session.add(row)
    row.data, row.version, row.updated_by, row.updated_at = clean, current + 1, actor.account_id, utcnow()
    r.updated_at = utcnow()
    return row.version
