"""问卷调查管理 — the administrators' questionnaires: list with filters, 新增 / 编辑 (through the designer,
``services.forms.designer``), 删除 before 启用, 启用 / 停用 / 复制 (``definitions``), 分发 to subordinate
administrators, and 导出 of the submissions.

分发 hands a published questionnaire to the administrators of regions below its owner (and inside its
scope): they find it under 分发给我的 with 预览 / 查看 / 分析 / 导出 limited to their own jurisdiction, get
a notification, and the questionnaire reaches their enterprises (it already does by its scope; 分发 never
widens a scope, and a region outside it is refused). Who sees what a questionnaire collected is the
jurisdiction of the viewer (``analysis``); which enterprises it reaches is ``ownership.reaches`` (the
owner's region) and ``designer.audience_matches`` (the scope and survey window).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

import clock
from db.account import Account
from db.engine import session_scope
from db.forms import FormDefinition, FormDistribution, FormVersion
from services.core import audit, notify
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.core.permissions import P_FORMS_DESIGN, P_FORMS_RESULTS, Actor, has_perm, in_jurisdiction, require
from services.core.timefmt import china_time
from services.forms import analysis, definitions, designer, ownership
from services.forms.functions import to_number
from services.forms.types import NUMERIC
from services.io.excel import stream_xlsx
from services.reference import region, region_ancestors, region_full_name, region_path

STATUS = {"draft": "未启用", "published": "已启用", "stopped": "已停用"}


@dataclass(frozen=True)
class Row:
    """One questionnaire version in the list."""
    id: int
    code: str
    title: str
    version: int
    status: str
    status_label: str
    frequency: str
    frequency_label: str
    start: str
    end: str
    owner_label: str
    created_at: str
    published_at: str
    mine: bool
    changeable: bool
    designed: bool              # the visual designer can edit it (else: YAML, 高级)
    distributed_to_me: bool
    distributed: tuple[str, ...]  # region names it was handed to


def check_scope(actor: Actor, owner_region: str | None, theme: designer.Theme) -> None:
    """Refuse scope regions outside the owner's region or the actor's jurisdiction (a province's
    questionnaire never names another province's regions)."""
    for code in theme.regions:
        path = region_path(code)
        inside_owner = owner_region is None or owner_region in (path.province_code, path.city_code, path.county_code)
        if not inside_owner or not in_jurisdiction(actor, path):
            raise ValidationFailed({"调查范围": [f"调查范围：「{region_full_name(code)}」不在本问卷归属地区"
                                               f"（{ownership.owner_label(owner_region)}）之内。"]})


def create(actor: Actor, theme: designer.Theme, request_id: str | None = None) -> int:
    """新增: a new questionnaire of the actor's scope from its 主题定义; return its draft version id."""
    require(actor, P_FORMS_DESIGN)
    check_scope(actor, ownership.scope_of(actor), theme)
    with session_scope(read=True) as session:
        if (done := audit.replayed(session, request_id)) is not None:
            return int(done.target_id or 0)
        code = ownership.free_code(session, f"qs_{actor.account_id}_{clock.china_now():%Y%m%d%H%M%S}")
    return definitions.save_draft(actor, designer.new_document(code, theme), request_id)


def save(actor: Actor, version_id: int, doc: dict[str, Any], expected: dict[str, Any]) -> None:
    """编辑: store the designer's document over the draft it was loaded from (``expected``); refused when
    another administrator saved it since (``Conflict``), after 启用, or for a level other than the owner's."""
    require(actor, P_FORMS_DESIGN)
    with session_scope(read=True) as session:
        v = session.get(FormVersion, version_id)
        d = session.get(FormDefinition, v.definition_id) if v else None
        if v is None or d is None:
            raise NotFound("未找到该问卷。")
        owner = d.owner_region
    check_scope(actor, owner, designer.theme_of(doc))
    definitions.update_content(actor, version_id, doc, expected)


def document(actor: Actor, version_id: int) -> dict[str, Any]:
    """Return a version's document if the actor sees its questionnaire (预览 / 编辑): a designer the
    questionnaires on their path, an administrator without 问卷设计 those distributed to their region or one above it."""
    require(actor, P_FORMS_RESULTS)
    with session_scope(read=True) as session:
        v = session.get(FormVersion, version_id)
        d = session.get(FormDefinition, v.definition_id) if v else None
        seen = has_perm(actor, P_FORMS_DESIGN) and ownership.can_see(actor, d.owner_region) if d else False
        if v is None or d is None or not (seen or _distributed_to(session, actor, d.id)):
            raise NotFound("未找到该问卷。")
        return dict(v.content)


def _distributed_to(session: Any, actor: Actor, definition_id: int) -> bool:
    codes = set(session.scalars(select(FormDistribution.region_code).where(FormDistribution.definition_id == definition_id)))
    return _for_me(actor, codes)


def _for_me(actor: Actor, codes: Any) -> bool:
    """True if a distribution to ``codes`` reaches the actor: their region or one above it (a city's
    distribution reaches its counties' administrators too)."""
    if actor.region_code is None:
        return False
    mine = {n.code for n in region_ancestors(actor.region_code)}
    return any(c in mine for c in codes)


def list_rows(actor: Actor, frequency: str | None = None, status: str | None = None, date_from: dt.date | None = None,
              date_to: dt.date | None = None, mine: bool = False) -> list[Row]:
    """The questionnaires (kind survey) the actor sees, newest version first, filtered by 调查频率, 调查状态,
    the creation date (China time, 起始时间–截止时间) and 只看我发布的 (created by the actor). An administrator
    without 问卷设计 (a city or county) sees only the enabled questionnaires distributed to their region or one above it."""
    require(actor, P_FORMS_RESULTS)
    designs = has_perm(actor, P_FORMS_DESIGN)
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed({"截止时间": ["截止时间：不能早于起始时间。"]})
    with session_scope(read=True) as session:
        dist: dict[int, list[str]] = {}
        for def_id, code in session.execute(select(FormDistribution.definition_id, FormDistribution.region_code)):
            dist.setdefault(def_id, []).append(code)
        rows = session.execute(select(FormDefinition, FormVersion).join(FormVersion)
                               .where(FormDefinition.kind == "survey")
                               .order_by(FormVersion.created_at.desc(), FormVersion.id.desc()))
        out = []
        for d, v in rows:
            to_me = _for_me(actor, dist.get(d.id, []))
            if not (designs and ownership.can_see(actor, d.owner_region)) and not (to_me and v.status != "draft"):
                continue
            created = clock_date(v.created_at)
            content = v.content or {}
            if frequency and content.get("period") != frequency:
                continue
            if status and v.status != status:
                continue
            if (date_from and created < date_from) or (date_to and created > date_to):
                continue
            if mine and d.created_by != actor.account_id:
                continue
            window = (content.get("settings") or {}).get("window") or {}
            out.append(Row(v.id, d.code, str(content.get("title", d.title)), v.version, v.status, STATUS[v.status],
                           str(content.get("period", "none")),
                           designer.FREQUENCIES.get(str(content.get("period")), "不定期"),
                           str(window.get("start", "")), str(window.get("end", "")), ownership.owner_label(d.owner_region),
                           china_time(v.created_at), china_time(v.published_at), d.created_by == actor.account_id,
                           designs and ownership.can_change(actor, d.owner_region), designer.is_designed(content), to_me,
                           tuple(region_full_name(c) for c in sorted(dist.get(d.id, [])))))
        return out


def clock_date(value: dt.datetime | None) -> dt.date:
    text = china_time(value, "%Y-%m-%d")
    return dt.date.fromisoformat(text) if text else dt.date.min


def subordinate_regions(actor: Actor, version_id: int) -> list[tuple[str, str]]:
    """The regions 分发 may hand this questionnaire to: the regions directly below its owner (provinces for
    a national one) inside its scope and the actor's jurisdiction, as (code, name)."""
    from services.reference import region_children
    with session_scope(read=True) as session:
        v = session.get(FormVersion, version_id)
        d = session.get(FormDefinition, v.definition_id) if v else None
        if v is None or d is None:
            raise NotFound("未找到该问卷。")
        owner, content = d.owner_region, dict(v.content)
    scope = ((content.get("settings") or {}).get("scope") or {}).get("regions") or []
    out = []
    for node in region_children(owner):
        chain = {n.code for n in region_ancestors(node.code)}
        if scope and not (chain & set(scope) or any(node.code in {n.code for n in region_ancestors(s)} for s in scope)):
            continue
        if in_jurisdiction(actor, region_path(node.code)):
            out.append((node.code, node.name))
    return out


def distribute(actor: Actor, version_id: int, region_codes: list[str], request_id: str | None = None) -> int:
    """分发: hand an enabled questionnaire to the administrators of subordinate regions (see the module
    docstring); return how many regions were added. Only the owner's level may distribute."""
    require(actor, P_FORMS_DESIGN)
    if not region_codes:
        raise ValidationFailed({"分发地区": ["分发地区：请至少选择一个下级地区。"]})
    allowed = dict(subordinate_regions(actor, version_id))
    bad = [c for c in region_codes if c not in allowed]
    if bad:
        names = "、".join(region_full_name(c) if region(c) else c for c in bad)
        raise ValidationFailed({"分发地区": [f"分发地区：「{names}」不是本问卷调查范围内的直属下级地区。"]})
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return 0
        v = session.get(FormVersion, version_id, with_for_update=True)
        d = session.get(FormDefinition, v.definition_id) if v else None
        if v is None or d is None:
            raise NotFound("未找到该问卷。")
        ownership.require_change(actor, d, "分发")
        if v.status != "published":
            raise Conflict("只有已启用的问卷可以分发。")
        have = set(session.scalars(select(FormDistribution.region_code).where(FormDistribution.definition_id == d.id)))
        new = [c for c in dict.fromkeys(region_codes) if c not in have]
        for c in new:
            session.add(FormDistribution(definition_id=d.id, region_code=c, distributed_by=actor.account_id))
        admins = [a.id for a in session.scalars(select(Account).where(Account.region_code.in_(new), Account.org_id.is_(None)))] if new else []
        notify.send(session, admins, f"问卷分发：{d.title}"[:120],
                    "上级管理员向您分发了调查问卷，可在「问卷调查管理」中预览、查看、分析和导出本辖区的填报。")
        audit.record(session, actor.account_id, "definition.distributed", "form_definition", d.id,
                     {"code": d.code, "regions": new}, request_id=request_id)
        return len(new)


def export_submissions(actor: Actor, version_id: int) -> bytes:
    """导出: the submissions within the actor's jurisdiction as .xlsx (streamed, text never a formula)."""
    require(actor, P_FORMS_RESULTS)
    rows = analysis.responses_table(actor, version_id, limit=1_000_000)
    columns = list(dict.fromkeys(k for r in rows for k in r)) or ["单位名称", "所在地区", "期别", "状态", "提交时间"]
    numeric = {q.label or q.name for q in definitions.definition_for_version(version_id).questions() if q.type in NUMERIC}

    def cell(column: str, value: Any) -> Any:
        number = to_number(value) if column in numeric and isinstance(value, str) else None
        return float(number) if number is not None else value
    return stream_xlsx(columns, ([cell(c, r.get(c)) for c in columns] for r in rows), "填报数据",
                       range(5))  # 单位名称 … 提交时间 always text; answers keep numbers

