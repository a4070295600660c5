"""A monthly report's detail as the enterprise (历史报送 › 查看) and reviewers (月报审核) see it:
the indicator table, products, recorded warnings, key-field changes and history; Excel export and
a printable HTML page. Pure presentation over ``services.monitor.review.ReportDetail``."""
from __future__ import annotations

import html
from typing import Any

import pandas as pd
import streamlit as st

from components.form_print import CSS
from components.text import md
from services.forms.definitions import definition_for_version
from services.forms.functions import to_number
from services.io.excel import rows_to_xlsx
from services.monitor import reports
from services.monitor.review import ReportDetail
from services.reference import industry_full_name


NUMERIC = ("integer", "decimal", "percent")


def _product_columns(d: ReportDetail) -> dict[str, tuple[str, bool]]:
    """Return the 主要产品 columns: question name → (label with unit, numeric)."""
    group = next(g for s in definition_for_version(d.version_id).sections for g in s.groups if g.name == "products")
    return {q.name: (q.label + (f"（{q.unit}）" if q.unit else ""), q.type in NUMERIC)
            for q in group.questions if q.type != "note"}


def product_rows(d: ReportDetail) -> list[dict[str, Any]]:
    """Return the 主要产品 rows with the definition's column labels."""
    labels = {name: label for name, (label, _) in _product_columns(d).items()}
    return [{label: row.get(name) for name, label in labels.items()} for row in d.answers.get("products") or []]


def _as_numbers(rows: list[dict[str, Any]], columns: set[str]) -> list[dict[str, Any]]:
    """Return ``rows`` with the numeric ``columns`` as numbers (a spreadsheet sums them); codes stay text."""
    return [{k: (n if k in columns and (n := to_number(v)) is not None else v) for k, v in r.items()} for r in rows]


def change_rows(d: ReportDetail) -> list[dict[str, str]]:
    """Return the frozen key-field changes as 项目 / 原值 / 新值."""
    def shown(key: str, v: Any) -> str:
        return (industry_full_name(v) or str(v)) if key == "industry" and v else str(v or "（空）")
    return [{"项目": reports.KEY_FIELDS.get(k, k), "原值": shown(k, old), "新值": shown(k, new)}
            for k, (old, new) in d.frozen_changes.items()]


def summary(d: ReportDetail) -> str:
    screening = {True: "通过", False: f"未通过（{len(d.warnings)} 条提示）", None: "—"}[d.screening_passed]
    holder = f" · 待 {d.holder} 审核" if d.status == "reviewing" and d.holder else ""
    return (f"{d.org_name}（{d.credit_code}） · {d.period} · 状态：{d.status_label}{holder} · 系统筛查：{screening}"
            + (f" · 填报人：{d.reporter}" if d.reporter else "") + (f" · 上报时间：{d.submitted_at}" if d.submitted_at else ""))


def render_detail(d: ReportDetail, key: str, history: bool = True, exports: bool = True) -> None:
    """Show one report: summary, return reason, changes, warnings, indicators, products (and history)."""
    st.caption(md(summary(d)))
    if d.return_reason and d.status in ("returned", "editing"):
        st.error(f"退回原因：{md(d.return_reason, multiline=True)}")
    if d.frozen_changes:
        st.warning("冻结：企业修改了关键信息，等待管理员确认变更。")
        st.dataframe(pd.DataFrame(change_rows(d)), hide_index=True, width="stretch")
    for w in d.warnings:
        st.warning(f"系统筛查提示：{md(w)}")
    indicators = d.indicators
    st.markdown("**主要经济指标**")
    if indicators:
        st.dataframe(pd.DataFrame(indicators), hide_index=True, width="stretch", key=f"{key}_ind")
    else:
        st.caption("尚未填写。")
    products = product_rows(d)
    st.markdown("**主要产品产销存**")
    if products:
        st.dataframe(pd.DataFrame(products), hide_index=True, width="stretch", key=f"{key}_prod")
    else:
        st.caption("未填写产品。")
    if history:
        render_history(d)
    if exports:
        export_buttons(d, key)


def render_history(d: ReportDetail) -> None:
    st.markdown("**审核记录**")
    if d.history:
        st.dataframe(pd.DataFrame(d.history), hide_index=True, width="stretch")
    else:
        st.caption("暂无记录。")


def detail_xlsx(d: ReportDetail) -> bytes:
    """The indicator table and the products in one sheet, under a title naming the enterprise and month."""
    cells = {c.label for c in definition_for_version(d.version_id).question("ind").cells}
    rows: list[dict[str, Any]] = _as_numbers(list(d.indicators), cells)
    products = product_rows(d)
    if products:
        rows.append({})
        numeric = {label for label, is_number in _product_columns(d).values() if is_number}
        rows += _as_numbers([{"指标名称": "主要产品：" + str(p.get("产品名称") or ""), **p} for p in products], numeric)
    return rows_to_xlsx(rows, sheet="月报", title=f"{d.org_name} {d.period} 中小企业运行监测月报（{d.status_label}）")


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>（无）</p>"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if r.get(c) is None else str(r.get(c)))}</td>" for c in cols)
                   + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def printable_report_html(d: ReportDetail) -> str:
    """Return a self-contained printable page of the report."""
    title = f"中小企业运行监测月报 {d.period}"
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{CSS} th{{width:auto}}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<p class='meta'>{html.escape(summary(d))}</p><button onclick='window.print()'>打印</button>",
             "<h2>主要经济指标</h2>", _table(d.indicators),
             "<h2>主要产品产销存</h2>", _table(product_rows(d))]
    if d.warnings:
        parts += ["<h2>系统筛查提示</h2>", "".join(f"<p>{html.escape(w)}</p>" for w in d.warnings)]
    parts += ["<h2>审核记录</h2>", _table(d.history), "</body></html>"]
    return "".join(parts)


def export_buttons(d: ReportDetail, key: str) -> None:
    c1, c2 = st.columns(2)
    c1.download_button("导出 Excel", detail_xlsx(d), file_name=f"月报_{d.period}_{d.id}.xlsx", key=f"{key}_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("打印版（HTML）", printable_report_html(d), file_name=f"月报_{d.period}_{d.id}.html",
                       mime="text/html", key=f"{key}_print")
