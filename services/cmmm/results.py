"""Results of a completed self-diagnosis: scores per level and sub-domain, domain radar, and the
enterprise's position against the averages of its industry and its province (aggregates only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from db.cmmm import Diagnosis
from db.engine import session_scope
from db.forms import FormResponse
from db.organisation import Organisation
from services.core.timefmt import china_time
from services.assessment.model import assessment_of
from services.cmmm.diagnosis import STATUS_LABEL
from services.core.errors import NotFound
from services.forms.definitions import definition_for_version
from services.core.numfmt import fmt
from services.core.permissions import P_DIAG_ADMIN, P_DIAG_FILL, Actor, has_perm
from services.reference import industry, region, region_full_name, region_path

MIN_PEERS = 3  # an average of fewer enterprises is not shown (it would reveal one enterprise)


@dataclass(frozen=True)
class Peer:
    label: str
    count: int
    average: float | None  # None when fewer than MIN_PEERS


@dataclass(frozen=True)
class Result:
    diagnosis_id: int
    org_name: str
    credit_code: str | None
    region_name: str
    industry_name: str
    status_label: str
    started_at: str
    completed_at: str | None
    total_score: float | None
    level: int | None
    level_label: str
    tailoring: list[str]
    level_rows: list[tuple[str, float, list[tuple[str, float | None]]]]  # level, score, [(sub-domain, score)]
    domains: list[tuple[str, float]]
    peers: list[Peer]
    version_id: int
    level_gates: dict[str, float] = field(default_factory=dict)   # level label → its gate (the definition's)
    tailorable: dict[str, str] = field(default_factory=dict)      # tailoring value → label


def _peer(session, label: str, column, value) -> Peer:  # type: ignore[no-untyped-def]
    if value is None:
        return Peer(label, 0, None)
    n, avg = session.execute(select(func.count(), func.avg(Diagnosis.total_score))
                             .where(Diagnosis.is_latest.is_(True), column == value)).one()
    return Peer(label, int(n or 0), float(avg) if n and n >= MIN_PEERS and avg is not None else None)


def result(actor: Actor, diagnosis_id: int) -> Result:
    """Return a diagnosis's results: its own organisation's, or an administrator's in jurisdiction."""
    with session_scope(read=True) as session:
        d = session.get(Diagnosis, diagnosis_id)
        org = session.get(Organisation, d.org_id) if d else None
        if d is None or org is None:
            raise NotFound("未找到该自诊断记录。")
        own = actor.org_id == d.org_id and has_perm(actor, P_DIAG_FILL)
        if not own and not has_perm(actor, P_DIAG_ADMIN, region=region_path(org.region_code)):
            raise NotFound("未找到该自诊断记录。")
        r = session.get(FormResponse, d.response_id)
        assert r is not None
        definition = definition_for_version(r.version_id, session)
        groups = d.group_scores or {}
        m = assessment_of(definition)
        order = m.dimension("domain").values
        rows, gates = [], {}
        for tier in m.tiers:
            key = tier.section
            if key not in (d.level_scores or {}):
                continue
            gates[tier.label] = tier.gate
            section = next(s for s in definition.sections if s.name == key)
            subs = [(g.title, float(Decimal(groups[g.name])) if g.name in groups else None) for g in section.groups]
            rows.append((tier.label, float(Decimal(d.level_scores[key])), subs))
        prov = region(org.province_code) if org.province_code else None
        div = industry(org.division_code) if org.division_code else None
        peers = [Peer("本企业", 1, float(d.total_score) if d.total_score is not None else None)]
        if d.status == "completed":
            peers += [_peer(session, f"同行业平均（{div.name if div else '—'}）", Diagnosis.division_code, org.division_code),
                      _peer(session, f"本省平均（{prov.name if prov else '—'}）", Diagnosis.province_code, org.province_code)]
        return Result(d.id, org.name, org.credit_code, region_full_name(org.region_code),
                      f"{div.code} {div.name}" if div else "", STATUS_LABEL[d.status],
                      china_time(d.started_at),
                      (china_time(d.completed_at) or None),
                      float(d.total_score) if d.total_score is not None else None, d.level, m.level_label(d.level),
                      list(d.tailoring or []), rows,
                      sorted(((k, float(Decimal(v))) for k, v in (d.domain_scores or {}).items()),
                             key=lambda x: order.index(x[0]) if x[0] in order else 99),
                      peers, r.version_id, gates, dict(m.tailorable))


def score_table(res: Result) -> list[dict[str, str]]:
    """Return the per-level scores as one row per sub-domain with a column per level (the first
    row is each level's own score): twenty-odd sub-domains fit a phone as rows, not as columns.
    Scores are rounded half up; "—" is a sub-domain without a score, "" one the level does not have."""
    levels = [lvl for lvl, _, _ in res.level_rows]
    names = list(dict.fromkeys(name for _, _, subs in res.level_rows for name, _ in subs))
    by_level = {lvl: dict(subs) for lvl, _, subs in res.level_rows}
    first = {"能力子域": "等级得分", **{lvl: fmt(score) for lvl, score, _ in res.level_rows}}
    return [first] + [{"能力子域": name, **{lvl: fmt(by_level[lvl][name]) if name in by_level[lvl] else ""
                                            for lvl in levels}} for name in names]
