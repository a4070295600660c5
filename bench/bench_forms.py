"""Benchmark the definition engine and print the numbers.

1. load + validate a 500-question definition (20 sections × 25 questions of every common type,
   with show_if, constraints, calculations and declared scoring);
2. evaluate a complete response to it (visibility, calculations, rules, progress, scores);
3. one renderer rerun of a 60-question section under Streamlit's AppTest (server side).
Goal from the issue: well under 100 ms for 1 and 2 on this machine.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench_forms.db"

SAT = [{"value": v, "label": l, "score": s} for v, l, s in
       [("n", "不满足", 0), ("p", "部分满足", 0.5), ("m", "大部分满足", 0.8), ("f", "全部满足", 1)]]


def big_definition(sections: int = 20, per_section: int = 25) -> dict:
    """Return a definition document with ``sections × per_section`` questions."""
    secs = []
    for s in range(sections):
        qs = []
        for i in range(per_section):
            name = f"s{s}_q{i}"
            kind = i % 5
            if kind == 0:
                qs.append({"name": name, "type": "single", "label": f"能力要求 {s}.{i}", "choices": "sat", "required": True,
                           "help": "按实际情况选择满足程度"})
            elif kind == 1:
                qs.append({"name": name, "type": "decimal", "label": f"指标 {s}.{i}", "unit": "万元", "precision": 2,
                           "required": True, "constraints": [{"rule": ". >= 0", "message": "不能为负数"},
                                                             {"rule": ". < 1000000", "message": "偏大", "severity": "warning"}]})
            elif kind == 2:
                qs.append({"name": name, "type": "multiple", "label": f"多选 {s}.{i}",
                           "choices": [{"value": str(k), "label": f"选项{k}"} for k in range(6)],
                           "show_if": f"${{s{s}_q{i - 2}}} != 'n'"})
            elif kind == 3:
                qs.append({"name": name, "type": "calculated", "label": f"计算 {s}.{i}",
                           "calculation": f"round(${{s{s}_q{i - 2}}} * 1.1, 2)"})
            else:
                qs.append({"name": name, "type": "text", "label": f"说明 {s}.{i}",
                           "required": f"${{s{s}_q{i - 4}}} == 'f'"})
        secs.append({"name": f"sec{s}", "title": f"第 {s + 1} 部分",
                     "groups": [{"name": f"g{s}", "title": "", "weight": 1 + s % 3, "tags": {"domain": f"域{s % 6}"},
                                 "questions": qs}]})
    return {"code": "bench_500", "kind": "self_diagnosis", "title": "500 题基准", "choices": {"sat": SAT},
            "scoring": {"group": "mean", "section": "weighted_mean", "total": "cumulative", "pass": 0.8,
                        "aggregate_tags": ["domain"],
                        "outcomes": [{"label": f"{k}级", "min": k - 0.2, "max": k + 0.8} for k in range(1, 6)]},
            "sections": secs}


def answers_for(doc: dict) -> dict:
    out: dict = {}
    for s in doc["sections"]:
        for q in s["groups"][0]["questions"]:
            t = q["type"]
            out[q["name"]] = {"single": "f", "decimal": "1234.5", "multiple": ["1", "3"], "text": "已落实"}.get(t)
    return {k: v for k, v in out.items() if v is not None}




from _timing import timed  # noqa: E402


def main() -> None:
    from services.forms import expr
    from services.forms.engine import evaluate
    from services.forms.loader import load_definition

    doc = big_definition()
    n = sum(len(s["groups"][0]["questions"]) for s in doc["sections"])

    def load_cold() -> None:
        expr.parse.cache_clear()
        load_definition(doc)

    med, p95 = timed(load_cold, 20)
    print(f"load + validate {n}-question definition (cold expression cache): median {med:.1f} ms, p95 {p95:.1f} ms")
    d = load_definition(doc)
    answers = answers_for(doc)
    med, p95 = timed(lambda: evaluate(d, answers), 20)
    ev = evaluate(d, answers)
    print(f"evaluate a complete response ({len(answers)} answers; visibility, calculations, rules, scores): "
          f"median {med:.1f} ms, p95 {p95:.1f} ms  [total score {ev.scores.total:.2f} → {ev.scores.outcome}]")

    # renderer: one rerun of a 60-question section
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from services.identity.accounts import create_account
    from services.core.bootstrap import init_db
    from services.forms import definitions, responses
    from tests.factories import actor_of, make_admin, make_org
    init_db()
    page = big_definition(sections=1, per_section=60)
    page["code"], page["kind"] = "bench_page", "survey"
    designer = make_admin(None, "bench_designer")
    vid = definitions.save_draft(designer, page)
    definitions.publish(designer, vid)
    org = make_org("320102", status="approved")
    create_account("bench_user", "Test@pass1", ["enterprise"], org_id=org)
    user = actor_of("bench_user")
    rid = responses.open_response(user, vid)
    original = PagesManager.__init__

    def init(self, *a, **k):  # type: ignore[no-untyped-def]
        original(self, *a, **k)
        PagesManager.uses_pages_directory = False
    PagesManager.__init__ = init  # type: ignore[method-assign]
    at = AppTest.from_file(str(ROOT / "bench" / "_render_page.py"), default_timeout=60)
    at.session_state["actor"], at.session_state["rid"] = user, rid
    at.run()
    assert not at.exception, at.exception
    med, p95 = timed(at.run, 15)
    print(f"renderer rerun of a 60-question section (AppTest, server side): median {med:.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
