"""Demo monthly reports: 12 months per monitored demo enterprise, in every workflow state.

The panel (监测企业): every approved enterprise of the demo administrators' cities (南京, 深圳) plus a
seeded sample elsewhere. Figures follow one monthly series per enterprise (1-本月 accumulates; the
上年 columns are the series a year earlier), so the balance checks pass except for deliberate slips
(about one report in sixteen) that the real engine then warns about. Answers are evaluated and
stored as the engine stores them; workflow rows, history and audit rows follow workflow.py.
Deterministic (seeded); idempotent (does nothing once any report exists).
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update

from db.account import Account
from db.audit import AuditLog
from db.engine import session_scope
from db.forms import AnswerValue, FormResponse, FormVersion, ResponseSection
from db.monitor import MonitorReport, MonitorReviewer
from db.organisation import Organisation
from services.core import audit
from services.forms import responses
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Context, evaluate
from services.forms.schema import Definition
from services.forms.typed_rows import typed_rows
from services.monitor import reviewers, workflow
from services.monitor.demo_figures import PRODUCTS, SLIP_SHARE, indicator_cells, monthly_series, slip, survey_answers
from services.monitor.reports import basic_from_org, current_period, questionnaires_for
from services.monitor.workflow import response_status
from services.core.timefmt import CHINA, china_now

PANEL_CITIES = ("320100", "440300")
# State shares by the month's age: the current month, the two before it, older months.
WEIGHTS = {
    0: {"unfilled": .22, "editing": .10, "revoked": .04, "frozen": .03, "unfrozen": .02, "returned": .07,
        "reviewing": .45, "accepted": .07},
    1: {"unfilled": .05, "editing": .03, "returned": .05, "reviewing": .27, "accepted": .55, "resubmitted": .05},
    3: {"unfilled": .03, "editing": .01, "returned": .02, "reviewing": .02, "accepted": .84, "resubmitted": .08},
}
# The documented demo enterprise files the current month itself; last month waits for 玄武区.
SHOWCASE = {"qiye_demo": {0: "unfilled", 1: "reported"}}
REASONS = ["用电量与工业总产值变化不匹配，请核实本月用电量。", "营业成本高于营业收入，请核实。",
           "本年1-本月数据与上月累计不衔接，请核对后重新上报。", "从业人员较上月变化较大，请说明原因或更正。",
           "应收账款填报单位有误（应为千元），请更正。", "出口交货值为 0 与企业实际不符，请核实。"]


@dataclass
class _Track:
    """A report's transitions as (actor, action, from, to, from_holder, to_holder, reason)."""

    ent: int
    status: str = "editing"
    holder: int | None = None
    steps: list[tuple[Any, ...]] = field(default_factory=list)

    def go(self, actor: int, action: str, to: str, holder: int | None = None, reason: str | None = None) -> None:
        self.steps.append((actor, action, self.status, to, self.holder, holder, reason))
        self.status, self.holder = to, holder


def _climb(t: _Track, chain: list[int], upto: int, bulk: set[int], rng: random.Random) -> None:
    t.go(t.ent, "report", "reviewing", chain[0])
    for i in range(upto):  # 一键接收 where granted, now and then
        t.go(chain[i], "bulk_accept" if chain[i] in bulk and rng.random() < 0.5 else "accept", "reviewing", chain[i + 1])


def _play(state: str, chain: list[int], ent: int, age: int, bulk: set[int], rng: random.Random,
          unshown: set[str] | None = None, levels: dict[int, str] | None = None) -> tuple[_Track, int]:
    """Return the transitions that lead to ``state`` and the level index reached.

    ``unshown``: review levels (county, city, …; ``levels`` names each reviewer's) that no waiting
    report has reached yet: the first reports waiting in the last two months go there, so that the
    demo has a report waiting at every level whatever today's date is."""
    show = [i for i, a in enumerate(chain) if unshown and levels and levels.get(a) in unshown]
    t, top = _Track(ent), len(chain) - 1
    j = 0
    if state == "reported":   # just 上报: waiting for the direct reviewer
        _climb(t, chain, 0, bulk, rng)
    elif state == "revoked":
        t.go(ent, "report", "reviewing", chain[0])
        t.go(ent, "revoke", "editing")
    elif state in ("frozen", "unfrozen"):
        t.go(ent, "freeze", "frozen", reason="修改了企业名称")
        if state == "unfrozen":
            t.go(chain[0], "unfreeze", "unfrozen")
    elif state == "reviewing" and 1 <= age < 3 and show and unshown is not None and levels is not None:
        j = show[0]
        unshown.discard(levels[chain[j]])
        _climb(t, chain, j, bulk, rng)
    elif state in ("reviewing", "returned"):
        j = top if age >= 3 else 0 if age == 0 and top == 3 else \
            rng.choices(range(top + 1), ([6, 2, 1, 1] if age == 0 else [1, 1, 2, 3])[:top + 1])[0]
        _climb(t, chain, j, bulk, rng)
        if state == "returned":
            t.go(chain[j], "return", "returned", reason=rng.choice(REASONS))
    elif state in ("accepted", "resubmitted"):
        if state == "resubmitted":
            j = rng.randrange(top + 1)
            _climb(t, chain, j, bulk, rng)
            t.go(chain[j], "return", "returned", reason=rng.choice(REASONS))
        _climb(t, chain, top, bulk, rng)
        t.go(chain[top], "final_accept", "accepted", chain[top])
        j = top
    return t, j


def _times(period: str, n: int, now: dt.datetime, rng: random.Random) -> list[dt.datetime]:
    """Return n + 1 increasing UTC times in the month after ``period`` (the first one: opened)."""
    y, m = int(period[:4]), int(period[5:])
    start = dt.datetime(y + (m == 12), m % 12 + 1, 1, 8, tzinfo=CHINA)
    end = min(start + dt.timedelta(days=25), now - dt.timedelta(minutes=30))
    start = min(start, end - dt.timedelta(hours=2))
    return sorted((start + dt.timedelta(seconds=rng.uniform(0, (end - start).total_seconds())))
                  .astimezone(dt.timezone.utc) for _ in range(n + 1))


def _deck(weights: dict[str, float], n: int, rng: random.Random) -> list[str]:
    """Deal ``n`` states in the given shares, each state at least once when there is room."""
    cards = list(weights) if n >= len(weights) else []
    cards += rng.choices(list(weights), list(weights.values()), k=n - len(cards))
    rng.shuffle(cards)
    return cards


@dataclass
class _Setup:
    report_version: int
    report_definition: int
    d: Definition
    chains: dict[int, list[int]]          # direct reviewer → the chain up to the top
    levels: dict[int, str]
    bulk: set[int]
    definition_of: dict[int, int]         # version → definition
    survey_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unshown: set[str] = field(default_factory=lambda: {"county", "city", "province", "national"})

    def typed_survey_rows(self, d: Definition, answers: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
        """Typed rows of a questionnaire answer (the few answer combinations are evaluated once each)."""
        key = f"{d.code}:{sorted(answers.items())}"
        if key not in self.survey_rows:
            self.survey_rows[key] = typed_rows(d, evaluate(d, answers, ctx))
        return self.survey_rows[key]


def _setup(session: Any) -> _Setup:
    reviewers.sync_reviewers(session)
    names = dict(session.execute(select(Account.username, Account.id).where(Account.org_id.is_(None))).all())
    grants = {"admin_nj": (True, False, "admin_js"), "admin_js": (True, True, "admin_cn")}  # 一键接收, 越级接收
    for username, (bulk, skip, by) in grants.items():
        if username in names:
            session.execute(update(MonitorReviewer).where(MonitorReviewer.account_id == names[username])
                            .values(bulk_accept=bulk, skip_level=skip, granted_by=names.get(by)))
            audit.record(session, names.get(by), "monitor.grant", "account", names[username],
                         {"after": {"bulk_accept": bulk, "skip_level": skip}, "demo": True})
    rows = {r.account_id: r for r in session.scalars(select(MonitorReviewer))}
    chains = {}
    for a in rows:
        chain, seen = [a], {a}
        while (p := rows[chain[-1]].parent_id) is not None and p in rows and p not in seen:
            chain.append(p)
            seen.add(p)
        chains[a] = chain
    v = published_version("sme_monthly_report", session)
    return _Setup(v.id, v.definition_id, definition_for_version(v.id, session), chains,
                  {a: r.level for a, r in rows.items()}, {a for a, r in rows.items() if r.bulk_accept},
                  dict(session.execute(select(FormVersion.id, FormVersion.definition_id)).all()))


def seed_reports(months: int = 12, progress: Callable[[float], None] | None = None, seed: int = 6,
                 share: float = 0.05, batch: int = 40) -> int:
    """Create ``months`` months of reports (ending at the current month) for the demo panel; return how
    many reports were made (0 if any report exists already)."""
    with session_scope() as session:
        if session.scalar(select(MonitorReport.id).limit(1)) is not None:
            return 0
        setup = _setup(session)
        orgs = list(session.scalars(select(Organisation).where(Organisation.kind == "enterprise",
                                                               Organisation.status == "approved").order_by(Organisation.id)))
        accounts = dict(session.execute(select(Account.org_id, Account.id).where(Account.org_id.is_not(None))
                                        .order_by(Account.id.desc())).all())
        showcase = {org_id: SHOWCASE[name] for name, org_id in session.execute(
            select(Account.username, Account.org_id).where(Account.username.in_(SHOWCASE)))}
    if not setup.chains:
        return 0
    rng = random.Random(seed)
    panel = [o for o in orgs if o.id in accounts and (o.city_code in PANEL_CITIES or rng.random() < share)]
    periods = [current_period()]
    while len(periods) < months:
        periods.insert(0, responses.previous_period(periods[0]))
    ages = {p: len(periods) - 1 - i for i, p in enumerate(periods)}
    decks = {p: _deck(WEIGHTS[0 if age == 0 else 1 if age < 3 else 3], len(panel), rng) for p, age in ages.items()}
    made = 0
    for start in range(0, len(panel), batch):
        with session_scope() as session:
            items = [_enterprise(session, setup, org, accounts[org.id], periods,
                                 {p: showcase.get(org.id, {}).get(ages[p], deck[start + i]) for p, deck in decks.items()},
                                 rng)
                     for i, org in enumerate(panel[start:start + batch])]
            made += _write(session, setup, [x for group in items for x in group])
        if progress:
            progress(min(1.0, (start + batch) / max(1, len(panel))))
    return made


def _enterprise(session: Any, setup: _Setup, org: Organisation, ent: int, periods: list[str],
                states: dict[str, str], rng: random.Random) -> list[dict[str, Any]]:
    """Plan one enterprise's months (oldest first): answers, evaluation, transitions."""
    org = session.merge(org, load=False)
    chain = setup.chains[reviewers.direct_reviewer(session, org)]
    ctx_org = responses.org_context(org)
    industrial = bool(ctx_org["industrial"])
    last = (int(periods[-1][:4]), int(periods[-1][5:]))
    series = monthly_series(org, [(y, m) for y in range(int(periods[0][:4]) - 1, last[0] + 1) for m in range(1, 13)
                           if (y, m) <= last], rng)
    surveys, now, out = questionnaires_for(session, org, periods[0]), china_now(), []
    prev: dict[str, Any] | None = None
    for age, period in zip(range(len(periods) - 1, -1, -1), periods):
        state = states[period]
        if state == "unfilled":
            prev = None  # no previous month for next month's balance checks
            continue
        basic = basic_from_org(org)
        track, j = _play(state, chain, ent, age, setup.bulk, rng, setup.unshown, setup.levels)
        submitted = any(s[1] == "report" for s in track.steps)
        changes: dict[str, Any] = {}
        if state in ("frozen", "unfrozen"):
            new_name = org.name.replace("有限公司", "股份有限公司")
            changes, basic = {"org_name": [org.name, new_name]}, {**basic, "org_name": new_name}
        cells = indicator_cells(setup.d, series, period, industrial)
        if submitted and rng.random() < SLIP_SHARE:
            slip(cells, rng)
        products = [{"name": n, "unit": u, "production": str(p), "sales": str(max(1, p - rng.randint(0, p // 3))),
                     "stock": str(rng.randint(1, 50))} for n, u in rng.sample(PRODUCTS, rng.randint(1, 3))
                    for p in [rng.randint(20, 900)]] if industrial else []
        answers = {**basic, "ind": cells, "products": products}
        ev = evaluate(setup.d, answers, Context(org=ctx_org, period=period, previous=prev))
        if ev.errors():
            raise AssertionError(f"demo report {org.id} {period} breaks rules: {[e.message for e in ev.errors()]}")
        times = _times(period, len(track.steps), now, rng)
        saved = basic if not submitted and state != "editing" else \
            {**basic, "ind": cells} if state == "editing" and rng.random() < 0.5 else answers
        holder_level = setup.levels.get(track.holder) if track.holder else None
        status = track.status
        approved = status == "accepted" or (status == "reviewing" and j > 0)
        report_times = [t for t, s in zip(times[1:], track.steps) if s[1] == "report"]
        warnings = [{"message": w.message, "question": w.question, "section": w.section, "rule": w.rule}
                    for w in ev.warnings()] if submitted else []
        probe = MonitorReport(status=status, approved=approved)
        out.append({
            "org": org, "ctx_org": ctx_org, "ent": ent, "period": period, "times": times, "steps": track.steps,
            "saved": saved, "typed": typed_rows(setup.d, ev) if submitted else [],
            "response": {"version_id": setup.report_version, "definition_id": setup.report_definition,
                         "org_id": org.id, "period": period, "status": response_status(probe),
                         "current_section": "products" if submitted else "indicators" if "ind" in saved else "basic",
                         "warnings": warnings, "created_by": ent, "created_at": times[0], "updated_at": times[-1],
                         "submitted_at": report_times[-1] if report_times else None},
            "report": {"org_id": org.id, "period": period, "status": status, "holder_id": track.holder,
                       "holder_level": holder_level, "reviewer_id": chain[0] if submitted else None,
                       "acted": approved, "approved": approved, "screening_passed": not warnings if submitted else None,
                       "warning_count": len(warnings), "return_reason": track.steps[-1][6] if status == "returned" else None,
                       "frozen_changes": changes if status == "frozen" else {}, "reporter": basic.get("reporter"),
                       "source": "online", "province_code": org.province_code, "city_code": org.city_code,
                       "county_code": org.county_code, "division_code": org.division_code,
                       "submitted_at": report_times[-1] if report_times else None, "created_at": times[0],
                       "updated_at": times[-1], "row_version": 1 + len(track.steps)},
            "surveys": [(q, survey_answers(q.code, rng)) for q in surveys] if submitted else []})
        if state == "unfrozen":
            session.execute(update(Organisation).where(Organisation.id == org.id).values(name=basic["org_name"]))
        prev = answers if response_status(probe) == "approved" else None
    return out


def _write(session: Any, setup: _Setup, items: list[dict[str, Any]]) -> int:
    """Insert the planned reports, their sections, typed rows, questionnaires, history and audit rows
    (Core executemany; new ids are read back by organisation, period and definition)."""
    if not items:
        return 0
    conn = session.connection()
    floor = session.scalar(select(func.max(FormResponse.id))) or 0
    rows: list[dict[str, Any]] = []
    owners: list[tuple[dict[str, Any], int, Any]] = []
    for it in items:
        rows.append(it["response"])
        owners.append((it, setup.report_definition, None))
        for q, answers in it["surveys"]:
            d = definition_for_version(q.version_id, session)
            at = it["response"]["submitted_at"] - dt.timedelta(minutes=5)
            rows.append({"version_id": q.version_id, "definition_id": setup.definition_of[q.version_id],
                         "org_id": it["org"].id, "period": it["period"], "status": "submitted",
                         "current_section": d.sections[0].name, "warnings": [], "created_by": it["ent"],
                         "created_at": at, "updated_at": at, "submitted_at": at})
            owners.append((it, setup.definition_of[q.version_id], (q.version_id, d, answers)))
    conn.execute(insert(FormResponse), rows)
    new = {(r.definition_id, r.org_id, r.period): r.id for r in conn.execute(
        select(FormResponse.id, FormResponse.definition_id, FormResponse.org_id, FormResponse.period)
        .where(FormResponse.id > floor))}
    sections, typed = [], []
    for it, definition_id, survey in owners:
        rid = new[(definition_id, it["org"].id, it["period"])]
        if survey is None:
            it["response_id"] = rid
            data = it["saved"]
            parts = [("basic", {k: v for k, v in data.items() if k not in ("ind", "products")})]
            parts += [("indicators", {"ind": data["ind"]})] if "ind" in data else []
            parts += [("products", {"products": data["products"]})] if "products" in data else []
            version_id, answer_rows = setup.report_version, it["typed"]
        else:
            version_id, d, answers = survey
            parts = [(d.sections[0].name, answers)]
            answer_rows = setup.typed_survey_rows(d, answers, Context(org=it["ctx_org"], period=it["period"]))
        sections += [{"response_id": rid, "section": name, "data": body, "version": 1, "updated_by": it["ent"],
                      "updated_at": it["times"][0]} for name, body in parts]
        typed += [{**x, "response_id": rid, "version_id": version_id} for x in answer_rows]
    conn.execute(insert(ResponseSection), sections)
    if typed:
        conn.execute(insert(AnswerValue), typed)
    conn.execute(insert(MonitorReport), [{**it["report"], "response_id": it["response_id"]} for it in items])
    report_ids = dict(conn.execute(select(MonitorReport.response_id, MonitorReport.id).where(
        MonitorReport.response_id.in_([it["response_id"] for it in items]))).all())
    instances = [{**it["report"], "id": report_ids[it["response_id"]]} for it in items]
    history, audit = [], []
    for it in items:
        report_id = report_ids[it["response_id"]]
        for at, (actor, action, frm, to, fh, th, reason) in zip(it["times"][1:], it["steps"]):
            history.append({"report_id": report_id, "actor_id": actor, "action": action, "from_state": frm,
                            "to_state": to, "from_holder": fh, "to_holder": th, "reason": reason, "at": at})
            audit.append({"actor_id": actor, "action": f"monitor.{action}", "target_type": "monitor_report",
                          "target_id": str(report_id), "at": at, "request_id": None,
                          "detail": {"period": it["period"], "org_id": it["org"].id, "to": to, "holder": th,
                                     **({"reason": reason} if reason else {})}})
    workflow.seed(conn, instances, history)   # the reports' workflow instances and their history
    if audit:
        conn.execute(insert(AuditLog), audit)
    return len(items)
