"""A small tier-based model written inline, the way the quality self-assessment will be declared:
three tiers, two indicators (one may be tailored), clauses 符合/基本符合/不符合 with evidence, an
assessor-only section, two attempts per China-time quarter."""
from __future__ import annotations

import copy
from typing import Any

CLAUSES = [{"value": "2", "label": "符合", "score": 1}, {"value": "1", "label": "基本符合", "score": 0.5},
           {"value": "0", "label": "不符合", "score": 0}]
TIERS = [("t1", "经验级"), ("t2", "检验级"), ("t3", "保证级")]


def _tier(name: str, title: str) -> dict[str, Any]:
    def group(key: str, indicator: str, show_if: str | None = None) -> dict[str, Any]:
        g: dict[str, Any] = {"name": f"{name}_{key}", "title": indicator, "tags": {"indicator": indicator},
                             "questions": [{"name": f"{name}_{key}_clause", "type": "single", "choices": "clause",
                                            "required": True, "label": f"{title}·{indicator}条款"},
                                           {"name": f"{name}_{key}_evidence", "type": "text", "label": "证据"}]}
        if show_if:
            g["show_if"] = show_if
        return g
    return {"name": name, "title": title, "gate": 0.6,
            "groups": [group("lead", "领导作用"), group("proc", "过程控制", "not selected(${skip}, 'process')")]}


DOC: dict[str, Any] = {
    "code": "quality_mini", "kind": "self_assessment", "title": "质量管理成熟度（测试小模型）", "period": "none",
    "choices": {"clause": CLAUSES},
    "scoring": {"group": "mean", "section": "weighted_mean", "total": "cumulative", "pass": 0.6,
                "aggregate_tags": ["indicator"],
                "outcomes": [{"label": "经验级", "min": 0.6, "max": 1.6}, {"label": "检验级", "min": 1.6, "max": 2.6},
                             {"label": "保证级", "min": 2.6, "max": 3, "max_inclusive": True}]},
    "assessment": {
        "noun": "质量自评",
        "tiers": [{"section": s, "label": t, "outcome": t} for s, t in TIERS],
        "below_label": "未达到经验级",
        "tailoring": {"question": "skip"},
        "limit": {"per": "quarter", "max": 2},
        "assessor": {"permission": "quality.assess", "sections": ["review"]},
        "dimensions": [{"name": "indicator", "label": "指标", "values": ["领导作用", "过程控制"]}],
    },
    "sections": [
        {"name": "scope", "title": "指标裁剪",
         "questions": [{"name": "skip", "type": "multiple", "label": "不适用的指标", "required": False,
                        "choices": [{"value": "process", "label": "过程控制"}]}]},
        *[_tier(s, t) for s, t in TIERS],
        {"name": "review", "title": "评审意见",
         "questions": [{"name": "review_comment", "type": "text", "label": "评审意见", "required": True}]},
    ],
}


def doc(**assessment: Any) -> dict[str, Any]:
    """Return a copy of the model with ``assessment`` keys replaced."""
    out = copy.deepcopy(DOC)
    out["assessment"].update(assessment)
    return out


def tier_answers(section: str, value: str, tailored: bool = False) -> dict[str, Any]:
    out = {f"{section}_lead_clause": value, f"{section}_lead_evidence": "管理评审记录 2026-01"}
    if not tailored:
        out[f"{section}_proc_clause"] = value
    return out
