"""Administrators' side of the self-diagnosis (CMMM admin manual 一): record query, detail, exports,
and progress of every registered enterprise — always inside the administrator's jurisdiction."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select

from db.cmmm import Diagnosis
from db.engine import session_scope
from db.forms import ResponseSection
from db.organisation import Organisation
from services.timefmt import china_time
from services.cmmm.diagnosis import CHINA, STATUS_LABEL, level_label, tailorable
from services.errors import NotFound, ValidationFailed
from services.forms.definitions import definition_for_version
from services.io.excel import stream_xlsx
from services.numfmt import round_half_up
from services.permissions import P_DIAG_ADMIN, Actor, require
from services.reference import industry, region, region_full_name, region_path
from services.scope import jurisdiction, org_clause, within

PROGRESS_LABEL = {"none": "未诊断", "in_progress": "诊断中", "completed": "已完成"}


@dataclass(frozen=True)
class Filters:
    year_from: int | None = None
    year_to: int | None = None
    keyword: str = ""
    region_code: str | None = None      # any level inside the jurisdiction
    industry_code: str | None = None    # GB/T 4754 at any level: 门类 "C", 大类 "38", 中类 "382", 小类 "3821"
    level: int | None = None            # 0 = below level 1


@dataclass(frozen=True)
class Record:
    id: int
    org_id: int
    org_name: str
    credit_code: str | None
    region_name: str
    industry_name: str
    completed_at: str
    total_score: float
    level: int
    level_label: str


DIAG_PATH = (Diagnosis.province_code, Diagnosis.city_code, Diagnosis.county_code)


def _conditions(session: Any, actor: Actor, f: Filters) -> list[ColumnElement[bool]]:
    """Return WHERE conditions on the diagnosis table alone (each served by an index).

    Years become a ``completed_at`` range (China time), so the scope indexes
    ``(province_code|city_code|county_code, completed_at)`` serve them; a name keyword is first
    resolved to organisation ids.
    """
    require(actor, P_DIAG_ADMIN)
    if f.year_from and f.year_to and f.year_from > f.year_to:
        raise ValidationFailed({"起始年份": [f"起始年份（{f.year_from}）不能晚于截止年份（{f.year_to}），请重新选择。"]})
    conds: list[ColumnElement[bool]] = [Diagnosis.status == "completed", jurisdiction(actor, *DIAG_PATH)]
    if f.year_from:
        conds.append(Diagnosis.completed_at >= dt.datetime(f.year_from, 1, 1, tzinfo=CHINA))
    if f.year_to:
        conds.append(Diagnosis.completed_at < dt.datetime(f.year_to + 1, 1, 1, tzinfo=CHINA))
    if f.region_code and region(f.region_code) is not None:
        conds.append(within(f.region_code, *DIAG_PATH))
    if f.industry_code:
        conds.extend(_industry_conditions(actor, f.industry_code))
    if f.level is not None:
        conds.append(Diagnosis.level == f.level)
    if f.keyword.strip():
        like = select(Organisation.id).where(Organisation.name.like(f"%{f.keyword.strip()}%"), org_clause(actor))
        ids = list(session.scalars(like.limit(KEYWORD_IDS + 1)))
        conds.append(Diagnosis.org_id.in_(ids) if len(ids) <= KEYWORD_IDS else Diagnosis.org_id.in_(like))
    return conds


KEYWORD_IDS = 5000


def _industry_conditions(actor: Actor, code: str) -> list[ColumnElement[bool]]:
    """Return the conditions for an industry at any GB/T 4754 level.

    A diagnosis records its 大类 (``division_code``): a 门类 is its 大类 list; a 中类 or 小类 is its
    大类 and, as the diagnosis keeps nothing finer, the enterprise's registered industry code below it.
    """
    node = industry(code)
    if node is None:
        raise ValidationFailed({"所属行业": [f"所属行业代码「{code}」不在国民经济行业分类（GB/T 4754-2017）中。"]})
    if node.level == "section":
        return [Diagnosis.division_code.in_([c.code for c in node.children])]
    conds = [Diagnosis.division_code == node.code[:2]]
    if len(node.code) > 2:
        finer = select(Organisation.id).where(Organisation.industry_code.startswith(node.code), org_clause(actor))
        conds.append(Diagnosis.org_id.in_(finer))
    return conds


def _record(d: Diagnosis, org: Organisation) -> Record:
    div = industry(d.division_code) if d.division_code else None
    return Record(d.id, org.id, org.name, org.credit_code, region_full_name(d.county_code or org.region_code),
                  f"{div.code} {div.name}" if div else "",
                  china_time(d.completed_at),
                  float(d.total_score or 0), int(d.level or 0), level_label(d.level))


def query_records(actor: Actor, f: Filters, page: int = 1, page_size: int = 20) -> tuple[int, list[Record]]:
    """Return (total count, one page of records), newest first."""
    with session_scope(read=True) as session:
        conds = _conditions(session, actor, f)
        total = session.scalar(select(func.count()).select_from(Diagnosis).where(and_(*conds))) or 0
        ids = list(session.scalars(select(Diagnosis.id).where(and_(*conds))
                                   .order_by(Diagnosis.completed_at.desc(), Diagnosis.id.desc())
                                   .offset(max(0, page - 1) * page_size).limit(page_size)))
        rows = session.execute(select(Diagnosis, Organisation).join(Organisation, Organisation.id == Diagnosis.org_id)
                               .where(Diagnosis.id.in_(ids))).all()
        by_id = {d.id: _record(d, org) for d, org in rows}
        return int(total), [by_id[i] for i in ids if i in by_id]


EXPORT_COLUMNS = ["编号", "企业名称", "统一社会信用代码", "省", "市", "区县", "行政区划代码", "行业代码", "所属行业",
                  "企业规模", "完成时间", "总分", "成熟度等级", "一级得分", "二级得分", "三级得分", "四级得分", "五级得分",
                  "裁剪的能力域", "开始时间"]
TEXT_COLUMNS = (2, 6, 7)  # credit code, adcode, industry code stay text


def _export_rows(actor: Actor, f: Filters) -> Iterator[list[Any]]:
    # Plain columns, not ORM entities: loading 100k entities costs seconds; tuples cost milliseconds.
    columns = (Diagnosis.id, Organisation.name, Organisation.credit_code, Diagnosis.province_code, Diagnosis.city_code,
               Diagnosis.county_code, Organisation.region_code, Diagnosis.division_code, Diagnosis.size,
               Diagnosis.completed_at, Diagnosis.total_score, Diagnosis.level, Diagnosis.level_scores, Diagnosis.tailoring,
               Diagnosis.started_at)
    names: dict[str | None, str] = {}
    divisions: dict[str | None, str] = {}
    levels, tailored = {n: level_label(n) for n in range(6)}, tailorable()

    def name(code: str | None) -> str:
        if code not in names:
            node = region(code) if code else None
            names[code] = node.name if node else ""
        return names[code]

    def division(code: str | None) -> str:
        if code not in divisions:
            node = industry(code) if code else None
            divisions[code] = node.name if node else ""
        return divisions[code]

    with session_scope(read=True) as session:
        stmt = (select(*columns).join(Organisation, Organisation.id == Diagnosis.org_id)
                .where(and_(*_conditions(session, actor, f)))
                .order_by(Diagnosis.completed_at.desc(), Diagnosis.id.desc()))
        for r in session.execute(stmt.execution_options(yield_per=5000)):
            ls = r.level_scores or {}
            yield [r.id, r.name, r.credit_code, name(r.province_code), name(r.city_code), name(r.county_code),
                   r.county_code or r.region_code, r.division_code, division(r.division_code), r.size, china_time(r.completed_at),
                   round_half_up(r.total_score or 0), levels.get(r.level or 0, ""),
                   *[round_half_up(ls[k]) if k in ls else None for k in ("level1", "level2", "level3", "level4", "level5")],
                   "、".join(tailored.get(t, t) for t in r.tailoring or []), china_time(r.started_at)]


def export_records(actor: Actor, f: Filters) -> bytes:
    """Return every matching record as .xlsx (streamed: memory does not grow with the row count)."""
    return stream_xlsx(EXPORT_COLUMNS, _export_rows(actor, f), "自诊断记录", TEXT_COLUMNS)


def answer_sheet(actor: Actor, diagnosis_id: int) -> bytes:
    """Return one diagnosis's answer sheet (every question shown, its answer and score) as .xlsx."""
    require(actor, P_DIAG_ADMIN)
    with session_scope(read=True) as session:
        d = session.get(Diagnosis, diagnosis_id)
        org = session.get(Organisation, d.org_id) if d else None
        if d is None or org is None or not _in_scope(actor, org):
            raise NotFound("未找到该自诊断记录。")
        answers: dict[str, Any] = {}
        for part in session.scalars(select(ResponseSection).where(ResponseSection.response_id == d.response_id)):
            answers.update(part.data or {})
        from db.forms import FormResponse
        r = session.get(FormResponse, d.response_id)
        assert r is not None
        definition = definition_for_version(r.version_id, session)
    rows = []
    for s in definition.sections:
        for g in s.groups:
            for q in g.questions:
                v = answers.get(q.name)
                if v is None or q.type == "note":
                    continue
                labels = {c.value: c.label for c in q.choices}
                shown = "、".join(labels.get(str(x), str(x)) for x in v) if isinstance(v, list) else labels.get(str(v), str(v))
                score = next((c.score for c in q.choices if c.value == str(v)), None) if q.choices else None
                rows.append([s.title, g.title, q.name, q.label, shown, score])
    return stream_xlsx(["部分", "能力子域", "题号", "题目", "回答", "得分"], rows, "答题记录")


def _in_scope(actor: Actor, org: Organisation) -> bool:
    from services.permissions import has_perm
    return has_perm(actor, P_DIAG_ADMIN, region=region_path(org.region_code))


# --- 自诊断情况查询 -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgressRow:
    org_id: int
    org_name: str
    credit_code: str | None
    region_name: str
    status: str
    status_label: str


def _progress_stmt(actor: Actor, region_code: str | None, keyword: str):  # type: ignore[no-untyped-def]
    require(actor, P_DIAG_ADMIN)
    completed = exists().where(Diagnosis.org_id == Organisation.id, Diagnosis.status == "completed")
    running = exists().where(Diagnosis.org_id == Organisation.id, Diagnosis.status == "in_progress")
    status = case((completed, "completed"), (running, "in_progress"), else_="none").label("progress")
    stmt = select(Organisation.id, Organisation.name, Organisation.credit_code, Organisation.region_code, status).where(
        org_clause(actor), Organisation.kind == "enterprise", Organisation.status == "approved")
    if region_code and region(region_code) is not None:
        stmt = stmt.where(within(region_code, Organisation.province_code, Organisation.city_code,
                                 Organisation.county_code))
    if keyword.strip():
        stmt = stmt.where(Organisation.name.like(f"%{keyword.strip()}%"))
    return stmt


def _progress_matching(base: Any, status: str | None):  # type: ignore[no-untyped-def]
    """Return the rows of ``base`` (a ``_progress_stmt`` subquery) whose progress is ``status`` (None = any)."""
    if status is not None and status not in PROGRESS_LABEL:
        raise ValidationFailed({"进度": [f"进度只能是{'、'.join(PROGRESS_LABEL.values())}之一。"]})
    stmt = select(base)
    return stmt.where(base.c.progress == status) if status else stmt


def progress(actor: Actor, region_code: str | None = None, keyword: str = "", status: str | None = None,
             page: int = 1, page_size: int = 20) -> tuple[dict[str, int], int, list[ProgressRow]]:
    """Return (counts per status, total matching, one page) of registered enterprises' progress."""
    base = _progress_stmt(actor, region_code, keyword).subquery()
    stmt = _progress_matching(base, status)
    with session_scope(read=True) as session:
        counts = {k: 0 for k in PROGRESS_LABEL}
        for k, n in session.execute(select(base.c.progress, func.count()).group_by(base.c.progress)):
            counts[str(k)] = int(n)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = session.execute(stmt.order_by(base.c.id).offset(max(0, page - 1) * page_size).limit(page_size)).all()
        return counts, int(total), [ProgressRow(r.id, r.name, r.credit_code, region_full_name(r.region_code), r.progress,
                                                PROGRESS_LABEL[r.progress]) for r in rows]


def export_progress(actor: Actor, region_code: str | None = None, keyword: str = "", status: str | None = None) -> bytes:
    """Return every matching enterprise (the rows ``progress`` pages through) with its progress as .xlsx."""
    base = _progress_stmt(actor, region_code, keyword).subquery()
    stmt = _progress_matching(base, status).order_by(base.c.id)

    def rows() -> Iterator[list[Any]]:
        with session_scope(read=True) as session:
            for r in session.execute(stmt.execution_options(yield_per=2000)):
                yield [r.name, r.credit_code, region_full_name(r.region_code), r.region_code, PROGRESS_LABEL[r.progress]]
    return stream_xlsx(["企业名称", "统一社会信用代码", "所在地区", "行政区划代码", "自诊断进度"], rows(), "自诊断情况", (1, 3))


def enterprise_diagnoses(actor: Actor, org_id: int) -> tuple[str, list[Record | tuple[int, str, str]]]:
    """Return an enterprise's name and all its diagnoses (进入企业), inside the jurisdiction."""
    require(actor, P_DIAG_ADMIN)
    with session_scope(read=True) as session:
        org = session.get(Organisation, org_id)
        if org is None or not _in_scope(actor, org):
            raise NotFound("未找到该企业。")
        out: list[Record | tuple[int, str, str]] = []
        for d in session.scalars(select(Diagnosis).where(Diagnosis.org_id == org_id).order_by(Diagnosis.id.desc())):
            if d.status == "completed":
                out.append(_record(d, org))
            else:
                out.append((d.id, STATUS_LABEL[d.status], china_time(d.started_at)))
        return org.name, out
