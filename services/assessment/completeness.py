"""What is still missing before a clause-graded assessment may be submitted (提交 / 生成报告): every
clause done (conformity, description, evidence unless 不符合 — ``tiers.clause_mark``) and every
performance parameter filled with a computable result. Each item names where it is (section and
group, for a link) and what is missing, in Chinese."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.assessment.performance import result
from services.forms.schema import Definition

CONFORMITY_WORDS = "未选择符合情况（符合 / 基本符合 / 不符合）"
DESCRIPTION_WORDS = "未填写符合性情况描述"
EVIDENCE_WORDS = "未上传佐证材料（选“不符合”以外须上传）"


@dataclass(frozen=True)
class Missing:
    section: str        # "q62" / "perf"
    anchor: str         # the clause or performance group (the page links to it)
    indicator: str      # "6.2.1 顾客需求关注" / "内部质量损失率"
    item: str           # the clause title / the parameter's label
    what: str           # what is missing, in Chinese


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or v == [] or v == {}


def missing(d: Definition, answers: dict[str, Any]) -> list[Missing]:
    """Return every missing item in definition order (empty: complete, may be submitted)."""
    g = d.assessment.grading if d.assessment else None
    if g is None:
        raise ValueError(f"「{d.title}」没有声明条款定级规则（assessment.grading）。")
    out: list[Missing] = []
    for s in d.sections:
        if s.name in g.sections:
            for grp in s.groups:
                ind = str(grp.tags.get(g.indicator_tag) or "")
                conf = answers.get(f"{grp.name}_{g.conformity}")
                if _blank(conf) or str(conf) not in (g.full, g.partial, g.none):
                    out.append(Missing(s.name, grp.name, ind, grp.title, CONFORMITY_WORDS))
                if _blank(answers.get(f"{grp.name}_{g.description}")):
                    out.append(Missing(s.name, grp.name, ind, grp.title, DESCRIPTION_WORDS))
                if not _blank(conf) and str(conf) != g.none and _blank(answers.get(f"{grp.name}_{g.evidence}")):
                    out.append(Missing(s.name, grp.name, ind, grp.title, EVIDENCE_WORDS))
        elif s.name == g.performance_section:
            for grp in s.groups:
                for q in grp.questions:
                    if q.type == "calculated" and q.calculation:
                        r = result(d, q, answers, grp.title)
                        if r.value is None and not r.message.startswith("请先填写"):  # inputs there, not computable
                            out.append(Missing(s.name, grp.name, grp.title, q.label, r.message))
                    elif q.required is True and _blank(answers.get(q.name)):
                        out.append(Missing(s.name, grp.name, grp.title, q.label, f"未填写「{q.label}」"))
    return out


def summary(d: Definition, items: list[Missing]) -> str:
    """One sentence for the submit button: "可以提交。" or what is missing per section."""
    if not items:
        return "全部条款和质量绩效参数已填写完整，可以提交。"
    titles = {s.name: s.title for s in d.sections}
    per: dict[str, set[str]] = {}
    for m in items:
        per.setdefault(m.section, set()).add(m.anchor)
    g = d.assessment.grading if d.assessment else None
    parts = [f"{titles[sec]} {len(anchors)} {'项' if g and sec == g.performance_section else '条条款'}"
             for sec, anchors in per.items()]
    return f"还有未完成的内容，暂不能提交：{'，'.join(parts)}。"
