"""Benchmark the quality self-assessment at 300 clauses, and the administrators' tier statistics.

1. A generated assessment definition of the shipped shape, scaled to 300 clauses (the shipped 13
   second-level indicators × 10 clauses, plus copies of its indicators — renamed, same tiers, same rules —
   up to 30 indicators), published under the shipped code in a temporary database.
2. One enterprise with a full attempt (every clause answered, the performance parameters filled);
   under AppTest, signed in, the page rerun of one indicator (the clause screen: tree with progress,
   tier characteristics, the indicator's 10 clause forms) — goal < 300 ms; baselines: a trivial
   one-line script and the app's 工作台 page, both under the same AppTest.
3. Submit + tier computation (``graded.submit``: completeness check, submit, tiers, result rows — one
   transaction) on fresh full attempts — goal < 1 s; and ``tiers.grade`` alone.
4. 质量等级统计 read live (services/quality/stats.py) over ``--enterprises`` completed assessments
   (Core bulk inserts): by region for the nation / a province / a city, by industry for a province;
   and the 质量自评估查询 first page + count.

    .venv/bin/python bench/bench_quality.py [--clauses 300] [--reruns 20] [--submits 10] [--enterprises 5000]
    .venv/bin/python bench/bench_quality.py --database-url postgresql+psycopg://…   (an empty database)
"""
from __future__ import annotations

import argparse
import copy
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")

from _timing import analyze, timed  # noqa: E402


def scaled(doc: dict[str, Any], clauses: int) -> dict[str, Any]:
    """Return the shipped document with copies of its second-level indicators added until ``clauses``."""
    doc = copy.deepcopy(doc)
    graded = [s for s in doc["sections"] if s["name"] in doc["assessment"]["grading"]["sections"]]
    indicators: list[tuple[dict[str, Any], str, list[dict[str, Any]]]] = []
    for s in graded:
        by: dict[str, list[dict[str, Any]]] = {}
        for g in s["groups"]:
            by.setdefault(g["tags"]["indicator"], []).append(g)
        indicators += [(s, name, groups) for name, groups in by.items()]
    total, k = sum(len(s["groups"]) for s in graded), 0
    while total < clauses:
        section, name, groups = indicators[k % len(indicators)]
        copy_no = k // len(indicators) + 1
        for g in groups[: clauses - total]:
            old = g["name"]
            new = f"{old}x{copy_no}"
            text = repr(g).replace(f"{old}_", f"{new}_")
            ng = eval(text)  # noqa: S307 - our own literal dict
            ng["name"], ng["tags"] = new, {**g["tags"], "indicator": f"{name}（副本{copy_no}）"}
            ng["title"] = f"{g['title']}（副本{copy_no}）"
            section["groups"].append(ng)
            total += 1
        k += 1
    return doc


def prepare(args: argparse.Namespace) -> str:
    from db.engine import configure
    from services.core.bootstrap import init_db
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench_quality.db"
    configure(url)
    init_db(url)
    return url


def full_attempt(user: Any, d: Any) -> int:
    """Start an attempt and write every clause row and the performance section; return the attempt id."""
    from db.assessment import AssessmentAttempt
    from db.engine import session_scope
    from db.forms import ResponseSection
    from services.assessment import flow, quality
    from services.forms import responses
    from tests.quality.test_performance import _inputs
    aid = flow.start(quality.KIND, user, [])
    with session_scope() as s:
        row = s.get(AssessmentAttempt, aid)
        assert row is not None
        rid = row.response_id
        g = d.assessment.grading
        for sec in d.sections:
            if sec.name in g.sections:
                for grp in sec.groups:
                    s.add(ResponseSection(response_id=rid, section=f"clause:{grp.name}", version=1,
                                          data={f"{grp.name}_conf": "2", f"{grp.name}_desc": "已建立并执行，有记录。",
                                                f"{grp.name}_files": [{"id": 1, "name": "记录.pdf"}]}))
    perf: dict[str, Any] = dict(_inputs())
    for grp in next(sec for sec in d.sections if sec.name == g.performance_section).groups:
        perf[f"{grp.name}_basis"], perf[f"{grp.name}_desc"] = "2025 年财务报表", "按年度统计。"
    responses.save_section(user, rid, g.performance_section, perf, 0)
    return aid


def bulk_assessments(n: int, version_id: int) -> None:
    """``n`` enterprises across 江苏 / 广东 / 浙江 counties, each with one completed assessment (Core inserts)."""
    from sqlalchemy import insert, select

    from db.assessment import AssessmentAttempt, AssessmentResult
    from db.base import utcnow
    from db.engine import session_scope
    from db.forms import FormResponse, FormVersion
    from db.organisation import Organisation
    from services.core.rules import MANUFACTURING_DIVISIONS
    from services.reference import regions_at_level
    rng = random.Random(17)
    counties = [c for c in regions_at_level("county") if c.code[:2] in ("32", "44", "33")]
    now = utcnow()
    with session_scope() as s:
        v = s.get(FormVersion, version_id)
        assert v is not None
        orgs, first_id = [], (s.scalar(select(Organisation.id).order_by(Organisation.id.desc()).limit(1)) or 0) + 1
        for i in range(n):
            c = counties[rng.randrange(len(counties))]
            div = rng.choice(MANUFACTURING_DIVISIONS)
            orgs.append({"id": first_id + i, "kind": "enterprise", "name": f"压测质量企业{i:06d}", "credit_code": f"Q{i:017d}",
                         "region_code": c.code, "province_code": c.code[:2] + "0000", "city_code": c.code[:4] + "00",
                         "county_code": c.code, "industry_code": None, "division_code": div,
                         "size": rng.choice(["大型", "中型", "小型", "微型"]), "status": "approved", "details": {},
                         "version": 1})
        s.execute(insert(Organisation), orgs)
        first_r = (s.scalar(select(FormResponse.id).order_by(FormResponse.id.desc()).limit(1)) or 0) + 1
        s.execute(insert(FormResponse), [{"id": first_r + i, "version_id": v.id, "definition_id": v.definition_id,
                                          "org_id": o["id"], "period": "", "status": "submitted", "current_section": "",
                                          "warnings": [], "submitted_at": now} for i, o in enumerate(orgs)])
        first_a = (s.scalar(select(AssessmentAttempt.id).order_by(AssessmentAttempt.id.desc()).limit(1)) or 0) + 1
        attempts, results = [], []
        for i, o in enumerate(orgs):
            first = {sec: rng.randrange(6) for sec in ("q62", "q63", "q64")}
            overall = min(first.values())
            attempts.append({"id": first_a + i, "code": "quality_capability", "response_id": first_r + i, "org_id": o["id"],
                             "status": "completed", "current_section": "done", "tailoring": [], "period_key": "2026-11",
                             "started_at": now, "completed_at": now, "year": 2026, "tier": overall, "tier_scores": first})
            results += [{"attempt_id": first_a + i, "dimension": "overall", "key": "overall", "code": "quality_capability",
                         "value": overall}]
            results += [{"attempt_id": first_a + i, "dimension": "first_level", "key": k, "code": "quality_capability",
                         "value": t} for k, t in first.items()]
        s.execute(insert(AssessmentAttempt), attempts)
        s.execute(insert(AssessmentResult), results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--clauses", type=int, default=300)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--submits", type=int, default=10)
    parser.add_argument("--enterprises", type=int, default=5000)
    args = parser.parse_args()
    url = prepare(args)
    print(f"database: {url.split('@')[-1]}")
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())

    from services.assessment import graded, quality
    from services.assessment.tiers import grade
    from services.forms import definitions, responses
    from services.forms.definitions import definition_for_version
    from db.engine import session_scope
    from tests.factories import PASSWORD, make_admin, make_enterprise_user
    from tests.quality.shipped import raw

    national = make_admin(None)
    doc = scaled(raw(), args.clauses)
    vid = definitions.save_draft(national, doc)
    definitions.publish(national, vid)
    d = definition_for_version(vid)
    g = d.assessment.grading  # type: ignore[union-attr]
    n_clauses = sum(len(s.groups) for s in d.sections if s.name in g.sections)  # type: ignore[union-attr]
    print(f"definition: {n_clauses} clauses, {len(quality.indicators(d))} second-level indicators")
    user, _ = make_enterprise_user("320102")

    # --- submit + tiers, on fresh full attempts ---------------------------------------------------
    samples = []
    for _ in range(args.submits):
        aid = full_attempt(user, d)
        start = time.perf_counter()
        grades = graded.submit(quality.KIND, user, aid)
        samples.append((time.perf_counter() - start) * 1000)
        assert grades.overall == 5
    samples.sort()
    print(f"submit + tier computation ({n_clauses} clauses): median {samples[len(samples) // 2]:.0f} ms, "
          f"p95 {samples[max(0, int(len(samples) * 0.95) - 1)]:.0f} ms, max {samples[-1]:.0f} ms  (goal < 1000 ms)")
    with session_scope() as s:
        from db.assessment import AssessmentAttempt
        rid = s.get(AssessmentAttempt, aid).response_id  # type: ignore[union-attr]
        answers = responses.answers_of(s, rid)
    med, p95 = timed(lambda: grade(d, answers), 20)
    print(f"tiers.grade alone: median {med:.1f} ms, p95 {p95:.1f} ms")

    # --- the page rerun of one indicator (full attempt in progress) --------------------------------
    aid = full_attempt(user, d)
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP, navigation_mode, sign_in
    with navigation_mode():
        at = sign_in(AppTest.from_file(APP, default_timeout=120), user.username, PASSWORD)
        assert not at.exception, at.exception
        med, p95 = timed(at.run, args.reruns)
        print(f"baseline: app 工作台 page rerun: median {med:.0f} ms, p95 {p95:.0f} ms")
        at.switch_page("pages/quality/quality_assess.py").run()
        # the clause screen (step 2): without q_step the page shows step 1 (企业信息)
        at.session_state["q_attempt"], at.session_state["q_ind"], at.session_state["q_step"] = aid, 0, "条款符合性评估"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        forms = sum(1 for b in at.button if b.label == "暂存")
        assert forms > 0, "the clause screen did not render"
        med, p95 = timed(at.run, args.reruns)
        assert not at.exception, [e.value for e in at.exception]
        print(f"page rerun of one indicator ({forms} clause forms, {n_clauses}-clause attempt): "
              f"median {med:.0f} ms, p95 {p95:.0f} ms  (goal < 300 ms)")
    trivial = AppTest.from_string("import streamlit as st\nst.title('trivial')\nst.write('one line')\n").run()
    med, p95 = timed(trivial.run, args.reruns)
    print(f"baseline: trivial one-line script rerun: median {med:.1f} ms, p95 {p95:.1f} ms")

    # --- statistics, read live --------------------------------------------------------------------
    from services.quality import stats
    from services import lists
    start = time.perf_counter()
    bulk_assessments(args.enterprises, vid)
    analyze(url)
    print(f"{args.enterprises:,} completed assessments inserted in {time.perf_counter() - start:.1f} s")
    for label, who, fn in (("by region, nation", make_admin(None), stats.by_region),
                           ("by region, province 320000", make_admin("320000"), stats.by_region),
                           ("by region, city 320100", make_admin("320100"), stats.by_region),
                           ("by industry, province 320000", make_admin("320000"), stats.by_industry),
                           ("by industry, nation", national, stats.by_industry)):
        total, _ = fn(who)
        med, p95 = timed(lambda: fn(who), 20)
        print(f"stats {label} ({total.n:,} enterprises): median {med:.1f} ms, p95 {p95:.1f} ms")
    med, p95 = timed(lambda: lists.page(national, "quality_assessments", {}), 20)
    print(f"质量自评估查询 first page + count, national: median {med:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
