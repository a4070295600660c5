"""Typed answer rows: each visible answer as (question, path, num_value, text_value) rows, and the
score rows, which statistics and queries read instead of the JSON answers."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from db.forms import AnswerValue, FormResponse, ResponseScore
from services.forms.engine import Evaluation, is_empty
from services.forms.functions import to_number
from services.forms.schema import Definition, Question


def write_typed_rows(session: Session, r: FormResponse, d: Definition, ev: Evaluation) -> None:
    """Replace the response's typed answer and score rows (visible answers only)."""
    session.execute(delete(AnswerValue).where(AnswerValue.response_id == r.id))
    session.execute(delete(ResponseScore).where(ResponseScore.response_id == r.id))
    rows = typed_rows(d, ev)
    if rows:
        session.execute(insert(AnswerValue),
                        [{**x, "response_id": r.id, "version_id": r.version_id} for x in rows])
    sc = ev.scores
    if sc is not None:
        scores = [("total", sc.total, sc.outcome)] + [(f"section:{k}", v, None) for k, v in sc.sections.items()] + \
            [(f"group:{k}", v, None) for k, v in sc.groups.items()] + \
            [(f"tag:{t}:{k}", v, None) for t, m in sc.by_tag.items() for k, v in m.items()]
        session.add_all(ResponseScore(response_id=r.id, key=k, value=round(v, 6), outcome=o)
                        for k, v, o in scores if v is not None)


def typed_rows(d: Definition, ev: Evaluation) -> list[dict[str, Any]]:
    """Return the typed answer rows (question, path, num_value, text_value) of the visible answers."""
    rows: list[dict[str, Any]] = []
    for q in d.questions():
        if q.name in ev.visible:
            rows.extend(_flatten(q, q.name, ev.values.get(q.name)))
    for s in d.sections:
        for g in s.groups:
            if g.repeat and g.name in ev.visible:
                for i, row in enumerate(ev.values.get(g.name) or []):
                    for q in g.questions:
                        rows.extend(_flatten(q, f"{g.name}[{i}].{q.name}", (row or {}).get(q.name)))
    return rows


def _flatten(q: Question, path: str, v: Any) -> list[dict[str, Any]]:
    if is_empty(v) or q.type == "note":
        return []

    def one(p: str, x: Any) -> dict[str, Any]:
        n = to_number(x) if not isinstance(x, (dict, list)) else None
        text = x.get("name") if isinstance(x, dict) else (None if n is not None and q.type != "single" else str(x))
        return {"question": q.name, "path": p, "num_value": n, "text_value": text}

    if q.type == "multiple":
        return [one(path, x) for x in v]
    if q.type == "matrix_fill" and isinstance(v, dict):
        return [one(f"{path}.{row}.{cell}", x) for row, cells in v.items() if isinstance(cells, dict)
                for cell, x in cells.items() if not is_empty(x)]
    if q.qtype.matrix and isinstance(v, dict):
        return [one(f"{path}.{row}", x) for row, xs in v.items() for x in (xs if isinstance(xs, list) else [xs])
                if not is_empty(x)]
    if q.type == "file":
        return [one(path, f) for f in (v if isinstance(v, list) else [v])]
    return [one(path, v)]
