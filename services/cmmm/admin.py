"""Administrators' side of the self-diagnosis (CMMM admin manual 一): record query, detail, exports,
and progress of every registered enterprise — always inside the administrator's jurisdiction."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from functools import lru_cache
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, exists, func, select

from db.cmmm import Diagnosis
from db.engine import session_scope
from db.forms import ResponseSection
from db.organisation import Organisation
from services.core.timefmt import china_minutes, china_time
from services.cmmm.diagnosis import CHINA, STATUS_LABEL, level_label, tailorable
from services.core.errors import NotFound, ValidationFailed
from services.forms.definitions import definition_for_version
from services.io.excel import stream_xlsx
from services.core.numfmt import round_half_up
from services.core.permissions import P_DIAG_ADMIN, Actor, require
from services.reference import industry, region, region_full_name, region_path
from services.core.scope import jurisdiction, org_clause, within
from services.core.labels import STATUS

PROGRESS_LABEL = STATUS["diagnosis_progress"]


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


NEWEST = (Diagnosis.completed_at.desc(), Diagnosis.id.desc())


def query_records(actor: Actor, f: Filters, page: int = 1, page_size: int = 20,
                  order: tuple[Any, ...] = ()) -> tuple[int, list[Record]]:
    """Return (total count, one page of records), newest first unless ``order`` (clauses on diagnosis columns)."""
    with session_scope(read=True) as session:
        conds = _conditions(session, actor, f)
        total = session.scalar(select(func.count()).select_from(Diagnosis).where(and_(*conds))) or 0
        ids = list(session.scalars(select(Diagnosis.id).where(and_(*conds))
                                   .order_by(*order, *NEWEST)
                                   .offset(max(0, page - 1) * page_size).limit(page_size)))
        rows = session.execute(select(Diagnosis, Organisation).join(Organisation, Organisation.id == Diagnosis.org_id)
                               .where(Diagnosis.id.in_(ids))).all()
        by_id = {d.id: _record(d, org) for d, org in rows}
        return int(total), [by_id[i] for i in ids if i in by_id]


EXPORT_COLUMNS = ["编号", "企业名称", "统一社会信用代码", "省", "市", "区县", "行政区划代码", "行业代码", "所属行业",
                  "企业规模", "完成时间", "总分", "成熟度等级", "一级得分", "二级得分", "三级得分", "四级得分", "五级得分",
                  "裁剪的能力域", "开始时间"]
TEXT_COLUMNS = (2, 6, 7)  # credit code, adcode, industry code stay text


def _export_rows(actor: Actor, f: Filters, order: tuple[Any, ...] = ()) -> Iterator[list[Any]]:
    # The export's fast path (issue 15): plain Core rows (no ORM loading), times formatted as China time by
    # the database, the level scores picked out of the JSON by the database, and every value that repeats
    # (region and industry names, scores to round, tailoring lists) converted once and then looked up.
    scores = (Diagnosis.level_scores[k].as_float() for k in ("level1", "level2", "level3", "level4", "level5"))
    columns = (Diagnosis.id, Organisation.name, Organisation.credit_code, Diagnosis.province_code, Diagnosis.city_code,
               Diagnosis.county_code, Organisation.region_code, Diagnosis.division_code, Diagnosis.size,
               china_minutes(Diagnosis.completed_at), Diagnosis.total_score, Diagnosis.level, *scores,
               cast(Diagnosis.tailoring, Text), china_minutes(Diagnosis.started_at))
    levels, tailored = {n: level_label(n) for n in range(6)}, tailorable()
    memo = lru_cache(maxsize=1 << 16)  # bounded: a value seen again costs one C-level lookup
    name = memo(lambda code: (node.name if (node := region(code) if code else None) else ""))
    division = memo(lambda code: (node.name if (node := industry(code) if code else None) else ""))
    rounded = memo(round_half_up)
    tailoring = memo(lambda raw: "、".join(tailored.get(t, t) for t in (json.loads(raw) if raw else None) or []))
    with session_scope(read=True) as session:
        stmt = (select(*columns).join(Organisation, Organisation.id == Diagnosis.org_id)
                .where(and_(*_conditions(session, actor, f)))
                .order_by(*order, *NEWEST))
        for (id_, org_name, credit, province, city, county, org_region, div, size, completed, total, level,
             l1, l2, l3, l4, l5, tail, started) in session.connection().execute(stmt.execution_options(yield_per=5000)):
            yield [id_, org_name, credit, name(province), name(city), name(county), county or org_region, div,
                   division(div), size, completed, rounded(total or 0), levels.get(level or 0, ""),
                   rounded(l1), rounded(l2), rounded(l3), rounded(l4), rounded(l5), tailoring(tail), started]


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
    from services.core.permissions import has_perm
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


def _progress_matching(base: Any, status: str | None, order: tuple[Any, ...] = ()):  # type: ignore[no-untyped-def]
    """Return the rows of ``base`` (a ``_progress_stmt`` subquery) whose progress is ``status`` (None = any)."""
    if status is not None and status not in PROGRESS_LABEL:
        raise ValidationFailed({"进度": [f"进度只能是{'、'.join(PROGRESS_LABEL.values())}之一。"]})
    stmt = select(base).order_by(*order, base.c.id)
    return stmt.where(base.c.progress == status) if status else stmt


def progress(actor: Actor, region_code: str | None = None, keyword: str = "", status: str | None = None,
             page: int = 1, page_size: int = 20, order: tuple[Any, ...] = ()) -> tuple[dict[str, int], int, list[ProgressRow]]:
    """Return (counts per status, total matching, one page) of registered enterprises' progress
    (by enterprise id unless ``order``: clauses on the columns name / credit_code / region_code / progress)."""
    base = _progress_stmt(actor, region_code, keyword).subquery()
    stmt = _progress_matching(base, status, order)
    with session_scope(read=True) as session:
        counts = {k: 0 for k in PROGRESS_LABEL}
        for k, n in session.execute(select(base.c.progress, func.count()).group_by(base.c.progress)):
            counts[str(k)] = int(n)
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = session.execute(stmt.offset(max(0, page - 1) * page_size).limit(page_size)).all()
        return counts, int(total), [ProgressRow(r.id, r.name, r.credit_code, region_full_name(r.region_code), r.progress,
                                                PROGRESS_LABEL[r.progress]) for r in rows]


def _progress_rows(actor: Actor, region_code: str | None, keyword: str, status: str | None,
                   order: tuple[Any, ...] = ()) -> Iterator[list[Any]]:
    base = _progress_stmt(actor, region_code, keyword).subquery()
    stmt = _progress_matching(base, status, order)
    with session_scope(read=True) as session:
        for r in session.execute(stmt.execution_options(yield_per=2000)):
            yield [r.name, r.credit_code, region_full_name(r.region_code), r.region_code, PROGRESS_LABEL[r.progress]]


PROGRESS_EXPORT = ["企业名称", "统一社会信用代码", "所在地区", "行政区划代码", "自诊断进度"]


def export_progress(actor: Actor, region_code: str | None = None, keyword: str = "", status: str | None = None) -> bytes:
    """Return every matching enterprise (the rows ``progress`` pages through) with its progress as .xlsx."""
    return stream_xlsx(PROGRESS_EXPORT, _progress_rows(actor, region_code, keyword, status), "自诊断情况", (1, 3))


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


# --- the list sources (specs/lists/cmmm_records.yaml, cmmm_progress.yaml) ------------------------
def _record_filters(p: dict[str, Any]) -> Filters:
    years = p.get("year") or (None, None)
    return Filters(years[0], years[1], p.get("keyword") or "", p.get("region"), p.get("industry"), p.get("level"))


def _records_page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Any:
    from services.lists import Page
    total, rows = query_records(actor, _record_filters(p), index + 1, size, order.clauses)
    return Page(total, rows)


RECORD_EXPORT_KEYS = ("id", "org_name", "credit_code", "province", "city", "county", "adcode", "industry_code",
                      "division_name", "size", "completed_at", "total_score", "level_label", "level1", "level2",
                      "level3", "level4", "level5", "tailoring", "started_at")


def _records_stream(actor: Actor, p: dict[str, Any], order: Any) -> Iterator[list[Any]]:
    return _export_rows(actor, _record_filters(p), order.clauses)  # sequences in RECORD_EXPORT_KEYS order


def _progress_page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Any:
    from services.lists import Page
    counts, total, rows = progress(actor, p.get("region"), p.get("keyword") or "", p.get("status"), index + 1, size,
                                   order.clauses)
    return Page(total, rows, [(PROGRESS_LABEL[k], counts[k]) for k in PROGRESS_LABEL])


def _progress_stream(actor: Actor, p: dict[str, Any], order: Any) -> Iterator[dict[str, Any]]:
    keys = ("org_name", "credit_code", "region_name", "adcode", "status_label")
    for row in _progress_rows(actor, p.get("region"), p.get("keyword") or "", p.get("status"), order.clauses):
        yield dict(zip(keys, row))


def _register() -> None:
    from services.lists.source import Field as F, Param, Source, register
    register(Source(
        "cmmm_records", P_DIAG_ADMIN,
        {"id": F("编号", "number", Diagnosis.id), "org_name": F("企业名称"), "credit_code": F("统一社会信用代码", "code"),
         "region_name": F("所在地区", export=False),
         "province": F("省", screen=False), "city": F("市", screen=False), "county": F("区县", screen=False),
         "adcode": F("行政区划代码", "code", screen=False), "industry_code": F("行业代码", "code", screen=False),
         "industry_name": F("所属行业", export=False), "division_name": F("所属行业", screen=False),
         "size": F("企业规模", screen=False),
         "completed_at": F("完成时间", "datetime", Diagnosis.completed_at),
         "total_score": F("总分", "number", Diagnosis.total_score), "level_label": F("成熟度等级", sort=Diagnosis.level),
         **{f"level{n}": F(f"{'一二三四五'[n - 1]}级得分", "number", screen=False) for n in range(1, 6)},
         "tailoring": F("裁剪的能力域", screen=False), "started_at": F("开始时间", "datetime", screen=False)},
        {"year": Param("year_range", "年份"), "keyword": Param("text", "企业名称关键词"),
         "region": Param("region", "所在地区"), "industry": Param("industry", "所属行业"),
         "level": Param("select", "成熟度等级", lambda: {n: level_label(n) for n in range(6)})},
        _records_page, _records_stream, RECORD_EXPORT_KEYS))
    register(Source(
        "cmmm_progress", P_DIAG_ADMIN,
        {"org_name": F("企业名称", sort="name"), "credit_code": F("统一社会信用代码", "code", sort="credit_code"),
         "region_name": F("所在地区"), "adcode": F("行政区划代码", "code", screen=False),
         "status_label": F("自诊断进度", sort="progress")},
        {"region": Param("region", "所在地区"), "keyword": Param("text", "企业名称关键词"),
         "status": Param("select", "进度", lambda: PROGRESS_LABEL)},
        _progress_page, _progress_stream))


_register()
