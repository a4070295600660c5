"""企业信息 of the quality self-assessment (manual §1 维护基本信息, §2① 填报企业基本信息), from the definition
specs/profiles/quality_enterprise.yaml (forms engine: types, ranges, lengths, required fields, rules).

* ``form(actor)``: what the page shows — the saved profile, else first answers from the organisation
  (``profile.initial``); the registration's own answers (``profile.prefill``: 企业名称, 统一社会信用代码 …)
  always from the organisation, read-only; 企业规模 computed, never typed (``size_of``).
* ``save(actor, answers, request_id=)`` — 【编辑企业信息】【保存】: every field and rule checked (Chinese messages
  naming the field → ``ValidationFailed``); kept in ``Organisation.details["quality_profile"]``
  (``{"answers", "size", "saved_at", "saved_by"}``, the latest save wins); audit ``quality.profile_saved``.
* ``confirm(actor, attempt_id, answers, request_id=)`` — step 1 【下一步】 of an assessment in progress: the
  same save, plus a copy kept for that attempt (``details["quality_profile_attempts"][<attempt id>]``), so the
  history shows what was true then; audit ``quality.profile_confirmed``.
* ``of_attempt(actor, attempt_id)``: that copy (None when the attempt never passed step 1).
* ``rows(answers, size)``: (section·label, text) for read-only display and the PDF report.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.assessment import AssessmentAttempt
from db.base import utcnow
from db.engine import session_scope
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.core.lengths import too_big
from services.core.permissions import P_QUALITY_FILL, Actor, require
from services.core.rules import classify_size
from services.core.timefmt import china_time
from services.forms.engine import Context, evaluate
from services.forms.loader import load_definition, read_document
from services.forms.responses import org_context
from services.forms.schema import Definition, Question
from services.market.background_form import (ORG_ATTRIBUTES, Problem, check_with_block, definition_problems,
                                             org_values)

PATH = Path(__file__).resolve().parents[2] / "specs" / "profiles" / "quality_enterprise.yaml"
KEY, ATTEMPTS_KEY = "quality_profile", "quality_profile_attempts"
MAX_BYTES = 50_000
SIZE_LABEL = "企业规模"
NO_ORG = "请先在「单位注册信息」提交企业注册信息，再填写企业信息。"


@dataclass(frozen=True)
class Profile:
    answers: dict[str, Any]
    locked: tuple[str, ...]        # from the registration, read-only
    size: str | None               # 企业规模, computed
    size_note: str                 # why it is not computed yet ("" when it is)
    saved_at: str | None           # China time of the latest save, None if never saved


def _block_problems(doc: dict[str, Any], questions: set[str]) -> list[Problem]:
    block = doc.get("profile")
    if not isinstance(block, dict):
        return [Problem("P001", "profile", "缺少 profile: 块（prefill / initial: 题目 → 单位字段，size: employees / revenue → 题目）")]
    out: list[Problem] = []
    for part in ("prefill", "initial"):
        mapping = block.get(part) or {}
        if not isinstance(mapping, dict):
            out.append(Problem("P002", f"profile › {part}", "须为「题目: 单位字段」的映射"))
            continue
        for q, attr in mapping.items():
            if q not in questions:
                out.append(Problem("P002", f"profile › {part} › {q}", "引用了不存在的题目"))
            if attr not in ORG_ATTRIBUTES:
                out.append(Problem("P002", f"profile › {part} › {q}", f"单位字段须为 {'、'.join(ORG_ATTRIBUTES)} 之一（「{attr}」）"))
    size = block.get("size") or {}
    if not isinstance(size, dict) or set(size) != {"employees", "revenue"}:
        out.append(Problem("P003", "profile › size", "须为 {employees: 题目, revenue: 题目}（企业规模由此计算）"))
    else:
        out += [Problem("P003", f"profile › size › {k}", f"引用了不存在的题目「{q}」") for k, q in size.items() if q not in questions]
    return out


def check_file(path: str | Path) -> list[Problem]:
    """Problems of a profile definition file (the forms loader's D-codes, then the block's P-codes)."""
    return check_with_block(path, _block_problems)


@functools.lru_cache(maxsize=1)
def _loaded() -> tuple[Definition, dict[str, Any]]:
    doc = read_document(PATH.read_text(encoding="utf-8"), str(PATH))
    d = load_definition(doc, str(PATH))
    problems = _block_problems(doc, {q.name for q in d.questions()})
    assert not problems, problems
    return d, dict(doc["profile"])


def definition() -> Definition:
    return _loaded()[0]


def _block(part: str) -> dict[str, str]:
    return dict(_loaded()[1].get(part) or {})


def _org(session: Session, actor: Actor, *, lock: bool = False) -> Organisation:
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        raise NotFound(NO_ORG)
    org = session.get(Organisation, actor.org_id, with_for_update=lock)
    if org is None:
        raise NotFound(NO_ORG)
    if org.kind != "enterprise":
        raise PermissionDenied("企业信息仅由企业用户填写。")
    return org


def _plain(v: Any) -> Any:
    return str(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, dt.date) else v


def _clean(answers: dict[str, Any]) -> dict[str, Any]:
    names = {q.name for q in definition().questions()}
    return {k: _plain(v) for k, v in (answers or {}).items()
            if k in names and v is not None and v != "" and v != []}


def size_of(org: Any, answers: dict[str, Any]) -> tuple[str | None, str]:
    """企业规模 from the organisation's industry and the profile's employees and revenue (and the
    organisation's assets where the industry's rule needs them): (size, "") or (None, why not)."""
    industry = getattr(org, "industry_code", None) or answers.get("industry")
    if not industry:
        return None, "请先在单位注册信息中选择所属行业，系统据此计算企业规模。"
    m = _block("size")
    try:
        return classify_size(str(industry), answers.get(m["employees"]), answers.get(m["revenue"]),
                             getattr(org, "assets", None)), ""
    except (ValueError, KeyError) as err:
        return None, f"暂不能计算企业规模：{err}"


def _view(org: Organisation) -> Profile:
    stored = (org.details or {}).get(KEY) or {}
    answers = dict(stored.get("answers") or org_values(org, _block("initial")))
    fixed = org_values(org, _block("prefill"))
    answers = {**answers, **fixed}
    size, note = size_of(org, answers)
    saved = stored.get("saved_at")
    return Profile(answers, tuple(fixed), size, note, china_time(dt.datetime.fromisoformat(saved)) if saved else None)


def form(actor: Actor) -> Profile:
    """The profile as the page shows it (saved answers, else the organisation's; size computed)."""
    with session_scope(read=True) as session:
        return _view(_org(session, actor))


def _checked(org: Organisation, answers: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    data = {**_clean(answers), **org_values(org, _block("prefill"))}
    if problem := too_big("企业信息", data, MAX_BYTES):
        raise ValidationFailed({"企业信息": problem})
    context = org_context(org)
    visible = evaluate(definition(), data, Context(org=context), with_scores=False).visible
    data = {k: v for k, v in data.items() if k in visible}      # "其他" text of a choice that is not 其他
    problems = definition_problems(definition(), data, complete=True, org=context)
    if problems:
        raise ValidationFailed(problems)
    return data, size_of(org, data)[0]


def _keep(session: Session, actor: Actor, org: Organisation, data: dict[str, Any], size: str | None,
          attempt_id: int | None) -> None:
    when = utcnow().isoformat()
    record = {"answers": data, "size": size, "saved_at": when, "saved_by": actor.account_id}
    details = {**(org.details or {}), KEY: record}
    if attempt_id is not None:
        details[ATTEMPTS_KEY] = {**(details.get(ATTEMPTS_KEY) or {}), str(attempt_id): record}
    org.details = details


def save(actor: Actor, answers: dict[str, Any], request_id: str | None = None) -> Profile:
    """【保存】: check every field and rule, keep the profile on the organisation (the latest save wins)."""
    with session_scope() as session:
        org = _org(session, actor, lock=True)
        if audit.replayed(session, request_id) is None:
            data, size = _checked(org, answers)
            _keep(session, actor, org, data, size, None)
            audit.record(session, actor.account_id, "quality.profile_saved", "organisation", org.id,
                         {"fields": len(data), "size": size}, request_id=request_id)
        session.flush()
        return _view(org)


def confirm(actor: Actor, attempt_id: int, answers: dict[str, Any], request_id: str | None = None) -> Profile:
    """Step 1 【下一步】 of an assessment in progress: save the profile and keep a copy with the attempt."""
    with session_scope() as session:
        org = _org(session, actor, lock=True)
        if audit.replayed(session, request_id) is None:
            row = session.get(AssessmentAttempt, attempt_id)
            if row is None or row.org_id != org.id:
                raise NotFound("未找到该自评估记录。")
            if row.status != "in_progress":
                raise Conflict("该自评估已结束，企业信息不能再修改。")
            data, size = _checked(org, answers)
            _keep(session, actor, org, data, size, attempt_id)
            audit.record(session, actor.account_id, "quality.profile_confirmed", "assessment_attempt", attempt_id,
                         {"fields": len(data), "size": size}, request_id=request_id)
        session.flush()
        return _view(org)


def of_attempt(actor: Actor, attempt_id: int) -> Profile | None:
    """The profile as confirmed for one of the organisation's attempts (None if it never passed step 1)."""
    with session_scope(read=True) as session:
        org = _org(session, actor)
        row = session.get(AssessmentAttempt, attempt_id)
        if row is None or row.org_id != org.id:
            raise NotFound("未找到该自评估记录。")
        return copy_of(org, attempt_id)


def copy_of(org: Organisation, attempt_id: int) -> Profile | None:
    """The copy kept for ``attempt_id`` on ``org`` (for callers that scoped the organisation themselves)."""
    kept = ((org.details or {}).get(ATTEMPTS_KEY) or {}).get(str(attempt_id))
    if not kept:
        return None
    answers = dict(kept.get("answers") or {})
    return Profile(answers, tuple(_block("prefill")), kept.get("size"), "" if kept.get("size") else "未计算",
                   china_time(dt.datetime.fromisoformat(kept["saved_at"])) if kept.get("saved_at") else None)


def answer_text(q: Question, value: Any) -> str:
    from services.market.background import answer_text as text
    return text(q, value)


OTHER, OTHER_SUFFIX = "other", "_other"


def rows(answers: dict[str, Any], size: str | None) -> list[tuple[str, str]]:
    """(section·label, text) of the answered fields in the definition's order, 企业规模 at the end of 经营信息;
    a choice of "其他" reads "其他：<the text typed beside it>"."""
    out: list[tuple[str, str]] = []
    d = definition()
    for s in d.sections:
        for q in s.questions:
            value = answers.get(q.name)
            if value is None or value == "" or value == [] or q.name.endswith(OTHER_SUFFIX):
                continue
            other = answers.get(q.name + OTHER_SUFFIX)
            text = f"其他：{other}" if value == OTHER and other else answer_text(q, value)
            out.append((f"{s.title}·{q.label}", text))
        if s.name == "business":
            out.append((f"{s.title}·{SIZE_LABEL}", size or "—"))
    return out
