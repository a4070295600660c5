"""A printable HTML view of a response (pure: definition + answers in, HTML out)."""
from __future__ import annotations

import html
from typing import Any

from services.forms.engine import evaluate, is_empty, NA
from services.forms.schema import Definition, Question
from services.reference import industry, region, region_full_name

CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:32px;color:#222}
h1{font-size:22px;text-align:center}h2{font-size:17px;border-bottom:2px solid #c0392b;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;width:100%;margin:8px 0}td,th{border:1px solid #bbb;padding:6px 8px;font-size:13px;vertical-align:top}
th{background:#f4f4f4;width:38%;text-align:left}.meta{text-align:center;color:#555;font-size:13px}
@media print{button{display:none}}"""


def coded_answer(q: Question, v: Any) -> str | None:
    """Return a region or industry answer by name ("3819 其他照明器具制造", "江苏省 / 南京市 / 玄武区"),
    not by its code; None for other questions or an unknown code."""
    if q.type == "industry" and isinstance(v, str) and (node := industry(v)) is not None:
        return f"{node.code} {node.name}"
    if q.type == "region" and isinstance(v, str) and region(v) is not None:
        return region_full_name(v)
    return None


def _plain(q: Question, v: Any) -> str | list[str]:
    """An answer as plain text (a list: one line per key of a dict answer)."""
    if is_empty(v):
        return "—"
    if (named := coded_answer(q, v)) is not None:
        return named
    if v == NA:
        return "不适用"
    labels = {c.value: c.label for c in q.choices}
    if isinstance(v, list):
        return "、".join(str(x.get("name")) if isinstance(x, dict) else labels.get(str(x), str(x)) for x in v)
    if isinstance(v, dict) and q.type == "file":
        return f"附件：{v.get('name')}"
    if isinstance(v, dict):
        return [f"{k}：{x}" for k, x in v.items()]
    return f"{labels.get(str(v), v)} {q.unit}".strip()


def _text(q: Question, v: Any) -> str:
    """An answer as HTML: every piece of user text escaped (file names, free text, keys, labels)."""
    plain = _plain(q, v)
    return "<br>".join(map(html.escape, plain)) if isinstance(plain, list) else html.escape(plain)


def printable_html(d: Definition, answers: dict[str, Any], title: str = "", org: str = "", period: str = "",
                   status: str = "") -> str:
    """Return a self-contained HTML page of the visible questions and answers, ready to print."""
    ev = evaluate(d, answers, with_scores=False)
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title or d.title)}"
             f"</title><style>{CSS}</style></head><body><h1>{html.escape(title or d.title)}</h1>",
             f"<p class='meta'>{html.escape(org)} {html.escape(period)} {html.escape(status)}</p>",
             "<button onclick='window.print()'>打印</button>"]
    for s in d.sections:
        if s.name not in ev.visible_sections:
            continue
        parts.append(f"<h2>{html.escape(s.title)}</h2><table>")
        for q in s.questions:
            if q.name in ev.visible and q.type != "note":
                value = _text(q, ev.values.get(q.name))
                parts.append(f"<tr><th>{html.escape(q.label)}</th><td>{value}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
