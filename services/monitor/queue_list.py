"""The monthly-report review queue as a list source (specs/lists/monitor_review.yaml).

An adapter over ``services.monitor.review.queue``, which keeps the queue's rules (jurisdiction in
SQL, "waiting for me", settling frozen reports): this module only names the fields and filters a
declaration may use and turns queue rows into list rows. The queue has its own fixed order
(month, then report time), so no field is sortable here.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.lists.source import Field as F
from services.lists.source import Page, Param, Source, register
from services.monitor import reports, review, reviewers
from services.monitor.review import QueueFilter, QueueRow
from services.core.permissions import P_MONITOR_REVIEW, Actor
from services.reference import region_full_name

STATUS = {"waiting": "等待我审核", "reviewing": "审核中", "returned": "退回", "accepted": "审核通过", "frozen": "冻结",
          "editing": "编辑", "unfrozen": "解除冻结", "all": "全部"}
SCREENING = {True: "通过", False: "未通过"}
EXPORT_CHUNK = 500


def _filter(p: dict[str, Any]) -> QueueFilter:
    return QueueFilter(period=p.get("period") or None, region_code=p.get("region"), status=p.get("status") or "waiting",
                       screening=p.get("screening"), keyword=p.get("keyword") or "")


def row(r: QueueRow) -> dict[str, Any]:
    """Return the list row of a queue row (``row["row"]`` is the queue row itself)."""
    return {"id": r.id, "period": r.period, "org_name": r.org_name, "credit_code": r.credit_code,
            "region_name": region_full_name(r.region_code), "status_label": r.status_label,
            "level": reviewers.LEVEL_NAME.get(r.holder_level or "", "") if r.status == "reviewing" else "",
            "screening": {True: "通过", False: "未通过", None: "—"}[r.screening_passed], "warning_count": r.warning_count,
            "submitted_at": r.submitted_at, "waiting_for_me": "是" if r.waiting_for_me else "", "row": r}


def _page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Page:
    total, rows = review.queue(actor, _filter(p), index, size)
    return Page(total, [row(r) for r in rows])


def _stream(actor: Actor, p: dict[str, Any], order: Any) -> Iterator[dict[str, Any]]:
    f, index = _filter(p), 0
    while True:
        _, rows = review.queue(actor, f, index, EXPORT_CHUNK)
        yield from (row(r) for r in rows)
        if len(rows) < EXPORT_CHUNK:
            return
        index += 1


register(Source(
    "monitor_review", P_MONITOR_REVIEW,
    {"period": F("报表月份"), "org_name": F("企业名称"), "credit_code": F("统一社会信用代码", "code"),
     "region_name": F("所在地区"), "status_label": F("状态"), "level": F("当前审核级别"), "screening": F("系统筛查"),
     "warning_count": F("提示数", "number"), "submitted_at": F("上报时间", "datetime"), "waiting_for_me": F("等待我审核")},
    {"period": Param("select", "报表月份", lambda: {p: p for p in reports.period_options()}),
     "status": Param("select", "报表状态", lambda: STATUS), "screening": Param("select", "系统筛查", lambda: SCREENING),
     "keyword": Param("text", "企业名称 / 统一社会信用代码"), "region": Param("region", "地区")},
    _page, _stream))
