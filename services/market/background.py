"""企业背景信息: the enterprise fills the definition specs/market/enterprise_background.yaml.

* ``form(actor)``: what the page shows — the saved draft (server-side, so it is restored after the
  browser closes), else the submitted answers, with the registration's own answers (企业名称, 统一社会信用代码,
  注册法人, 联系人 … — the file's ``background.prefill``) always taken from the organisation, read-only.
* ``save_draft(actor, answers)``: keeps the answers in ``form_draft`` (key ``enterprise_background``) and
  returns the problems found so far (what is only missing is not reported).
* ``submit(actor, answers, request_id=)``: the forms engine checks every field and rule (Chinese messages
  naming the field and the rule → ``ValidationFailed``); the answers go to
  ``Organisation.details["background"]`` (``{"answers", "submitted_at", "submitted_by"}``), the draft is
  dropped, one audit row ``market.background_submitted``. It may be submitted again (corrections).
* ``rows(details)``: (label, text) of the submitted answers for the registration review detail.

Certification: grabbing vouchers and buying need it submitted (``services.market.access.certified_org``
for kind "enterprise"); the registration review itself does not wait for it — an enterprise registers
first (the form needs the organisation), then fills it before using the marketplace.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from db.base import utcnow
from db.draft import FormDraft
from db.engine import session_scope
from db.organisation import Organisation
from db.account import Account
from services.core import audit
from services.core.errors import NotFound, PermissionDenied, ValidationFailed
from services.core.lengths import too_big
from services.core.permissions import P_MARKET_BUY, Actor, require
from services.core.timefmt import china_time
from services.forms.responses import org_context
from services.market import background_form

KIND = "enterprise"
DRAFT_KEY = "enterprise_background"
PAGE = "企业背景信息"
MAX_DRAFT_BYTES = 200_000
NO_ORG = "请先在「单位注册信息」提交企业注册信息，再填写企业背景信息。"


@dataclass(frozen=True)
class BackgroundForm:
    answers: dict[str, Any]
    locked: tuple[str, ...]               # questions filled from the registration (read-only)
    status: str                           # none / draft / submitted
    submitted_at: str | None = None
    has_draft: bool = False
    sections: tuple[tuple[str, str], ...] = field(default_factory=tuple)   # (name, title)


def _org(session: Session, actor: Actor, *, lock: bool = False) -> Organisation:
    require(actor, P_MARKET_BUY)
    org_id = actor.org_id
    if org_id is None:
        account = session.get(Account, actor.account_id)
        org_id = account.org_id if account else None
    if org_id is None:
        raise NotFound(NO_ORG)
    org = session.get(Organisation, org_id, with_for_update=lock)
    if org is None:
        raise NotFound(NO_ORG)
    if org.kind != KIND:
        raise PermissionDenied("企业背景信息仅由企业用户填写。")
    return org


def _clean(answers: dict[str, Any]) -> dict[str, Any]:
    names = set(background_form.labels(KIND))
    return {k: v for k, v in (answers or {}).items() if k in names and v is not None and v != "" and v != []}


def submitted(org: Organisation) -> bool:
    return bool(((org.details or {}).get("background") or {}).get("submitted_at"))


def form(actor: Actor) -> BackgroundForm:
    with session_scope(read=True) as session:
        org = _org(session, actor)
        stored = (org.details or {}).get("background") or {}
        draft = session.get(FormDraft, (actor.account_id, DRAFT_KEY))
        answers = dict(draft.data) if draft is not None else dict(stored.get("answers") or {})
        fixed = background_form.prefilled(KIND, org)
        status = "draft" if draft is not None else ("submitted" if stored.get("submitted_at") else "none")
        return BackgroundForm({**answers, **fixed}, tuple(fixed), status, stored.get("submitted_at"), draft is not None,
                              tuple((s.name, s.title) for s in background_form.definition(KIND).sections))


def _license_problems(session: Session, actor: Actor, org: Organisation, answers: dict[str, Any]) -> dict[str, list[str]]:
    from db.market import MarketFile
    value = answers.get("license")
    if value is None:
        return {}
    file_id = value.get("id") if isinstance(value, dict) else None
    row = session.get(MarketFile, file_id) if isinstance(file_id, int) else None
    if row is None or row.purpose != "license" or not (row.account_id == actor.account_id or row.org_id == org.id):
        return {"企业营业执照": ["企业营业执照：请重新上传。"]}
    return {}


def save_draft(actor: Actor, answers: dict[str, Any]) -> dict[str, list[str]]:
    """Keep the answers as the actor's draft; return the problems found so far (missing ones not reported)."""
    data = _clean(answers)
    if problem := too_big("暂存内容", data, MAX_DRAFT_BYTES):
        raise ValidationFailed({"暂存": problem})
    with session_scope() as session:
        org = _org(session, actor)
        data = {**data, **background_form.prefilled(KIND, org)}
        problems = background_form.problems(KIND, data, complete=False, org=org_context(org))
        for label, msgs in _license_problems(session, actor, org, data).items():
            problems.setdefault(label, []).extend(msgs)
        draft = session.get(FormDraft, (actor.account_id, DRAFT_KEY))
        if draft is None:
            session.add(FormDraft(account_id=actor.account_id, form_key=DRAFT_KEY, data=data))
        else:
            draft.data = data
        return problems


def submit(actor: Actor, answers: dict[str, Any], request_id: str | None = None) -> None:
    """Check every field and rule of the definition and keep the answers on the organisation."""
    data = _clean(answers)
    with session_scope() as session:
        if audit.replayed(session, request_id) is not None:
            return
        org = _org(session, actor, lock=True)
        data = {**data, **background_form.prefilled(KIND, org)}
        problems = background_form.problems(KIND, data, complete=True, org=org_context(org))
        for label, msgs in _license_problems(session, actor, org, data).items():
            problems.setdefault(label, []).extend(msgs)
        if problems:
            raise ValidationFailed(problems)
        when = utcnow()
        org.details = {**(org.details or {}), "background": {"answers": data, "submitted_at": when.isoformat(),
                                                             "submitted_by": actor.account_id}}
        draft = session.get(FormDraft, (actor.account_id, DRAFT_KEY))
        if draft is not None:
            session.delete(draft)
        audit.record(session, actor.account_id, "market.background_submitted", "organisation", org.id,
                     {"fields": len(data)}, request_id=request_id)


def answer_text(q: Any, value: Any) -> str:
    """An answer as the reviewer reads it (option labels, region and industry names, 已上传 for a file)."""
    if q.type == "file":
        return "已上传" if value else ""
    if q.type in ("single", "multiple"):
        labels = {c.value: c.label for c in q.choices}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in values)
    if q.type == "industry":
        from services.reference import industry_full_name
        return industry_full_name(str(value))
    if q.type == "region":
        from services.reference import region_full_name
        return region_full_name(str(value))
    return f"{value}{' ' + q.unit if q.unit and q.unit not in q.label else ''}"


def rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of the submitted 企业背景信息 — ``section·field`` in the definition's order — for the
    registration review detail; a single row saying it is not submitted yet when it is not."""
    stored = (details or {}).get("background") or {}
    if not stored.get("submitted_at"):
        return [("企业背景信息", "尚未提交")]
    import datetime as dt
    out = [("企业背景信息", f"已提交（{china_time(dt.datetime.fromisoformat(stored['submitted_at']))}）")]
    answers = stored.get("answers") or {}
    for s in background_form.definition(KIND).sections:
        for q in s.questions:
            value = answers.get(q.name)
            if q.type == "calculated" or value is None or value == "" or value == []:
                continue
            out.append((f"{s.title}·{q.label}", answer_text(q, value)))
    return out


def store_license(actor: Actor, data: bytes, filename: str) -> dict[str, Any]:
    """Keep the 企业营业执照 image (JPEG/PNG by content, ≤ 10 MB — services.orgs.registration.store_license);
    return the answer the form carries for it: ``{"id", "name", "size"}``."""
    from services.orgs.registration import store_license as keep
    require(actor, P_MARKET_BUY)
    file_id = keep(actor, data, filename)
    return {"id": file_id, "name": (filename or "license.png").rsplit("/", 1)[-1][:128], "size": len(data)}
