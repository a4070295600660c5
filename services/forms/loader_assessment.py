"""The ``assessment:`` block of a definition (tiers and gates, tailoring, attempt limit, assessor
sections, result dimensions), validated with codes D018–D022 — the part of the loader's builder
that reads it (``services.forms.loader._Builder`` mixes it in)."""
from __future__ import annotations

from typing import Any

from services.forms.loader_grading import GradingBlock
from services.forms.schema import Assessment, Dimension, Question, Scoring, Section, Tier


class AssessmentBlock(GradingBlock):
    """Mixed into the definition builder: uses its ``err``, ``_name`` and the ``questions`` built so far."""

    questions: list[Question]

    def err(self, code: str, message: str, where: str = "") -> None:  # provided by the builder
        raise NotImplementedError

    def _name(self, raw: Any, where: str, kind: str = "名称") -> str:  # provided by the builder
        raise NotImplementedError

    def _assessment(self, raw: Any, sections: tuple[Section, ...], scoring: Scoring | None) -> Assessment | None:
        """Build the ``assessment:`` block (tier-based flow, services.assessment), coded D018–D022."""
        if not raw:
            return None
        w = "测评（assessment）"
        if not isinstance(raw, dict):
            self.err("D018", "assessment 须为映射（键: 值）", w)
            return None
        by_name = {s.name: s for s in sections}
        outcomes = {o.label for o in (scoring.outcomes if scoring else ())}
        tiers: list[Tier] = []
        raw_tiers = raw.get("tiers") or []
        grading = self._grading(raw.get("grading"), sections, w)
        if not raw_tiers and grading is None:
            self.err("D018", "至少要有一个等级（tiers）", w)
        for i, t in enumerate(raw_tiers, 1):
            t = t if isinstance(t, dict) else {"section": t}
            section = str(t.get("section") or "")
            tw = f"{w} › 等级 {i}（{section or '未命名'}）"
            if section not in by_name:
                self.err("D018", f"部分「{section}」不存在", tw)
                continue
            if any(x.section == section for x in tiers):
                self.err("D018", f"部分「{section}」重复作为等级", tw)
            gate = by_name[section].gate  # the engine hides the later tiers by it, so the flow reads the same
            if gate is None or not 0 < gate:
                self.err("D018", f"等级部分「{section}」须有大于 0 的达标分数（部分的 gate）", tw)
                gate = 0.0
            outcome = str(t.get("outcome") or "")
            if outcome and outcome not in outcomes:
                self.err("D018", f"outcome「{outcome}」不是 scoring.outcomes 中的等级（可用：{'、'.join(sorted(outcomes)) or '无'}）", tw)
            tiers.append(Tier(i, section, str(t.get("label") or by_name[section].title), float(gate), outcome))
        after = raw.get("after_tiers")
        if after is not None and str(after) not in by_name:
            self.err("D018", f"after_tiers「{after}」不是已有的部分", w)
        tail_q, tailorable = self._tailoring(raw.get("tailoring"), w)
        limit = raw.get("limit") or {}
        per, most = str(limit.get("per", "month")), limit.get("max")
        if per not in ("month", "quarter", "year"):
            self.err("D020", f"per 须为 month/quarter/year（北京时间的自然月/季/年），而不是「{per}」", f"{w} › limit")
        if most is not None and (not isinstance(most, int) or isinstance(most, bool) or most < 1):
            self.err("D020", f"max 须为不小于 1 的整数，而不是「{most}」", f"{w} › limit")
            most = None
        assessor = raw.get("assessor") or {}
        a_sections = tuple(str(x) for x in assessor.get("sections") or ())
        a_perm = str(assessor.get("permission") or "")
        for name in a_sections:
            aw = f"{w} › assessor › 部分 {name}"
            if name not in by_name:
                self.err("D021", f"部分「{name}」不存在", aw)
            elif any(t.section == name for t in tiers) or name == after:
                self.err("D021", f"部分「{name}」由企业作答，不能同时只由评审员填写", aw)
        if a_sections:
            from services.core.permissions import ROLES
            known = {p for r in ROLES.values() for p in r.permissions}
            if a_perm not in known:
                self.err("D021", f"permission「{a_perm}」不是已有的权限（评审员写这些部分所需的权限）", f"{w} › assessor")
        dims = tuple(self._dimension(x, i, sections, scoring, w) for i, x in enumerate(raw.get("dimensions") or [], 1))
        if len({x.name for x in dims}) != len(dims):
            self.err("D022", "维度名称（name）重复", w)
        below = tiers[0].label if tiers else (grading.levels[0].label if grading and grading.levels else "第一级")
        return Assessment(tuple(tiers), str(raw.get("below_label") or f"未达到{below}"),
                          str(after) if after is not None else None, tail_q, tailorable, per, most, a_sections, a_perm,
                          dims, int(raw.get("advance_seconds") or 0), str(raw.get("noun") or "测评"), grading)

    def _tailoring(self, raw: Any, where: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        if not raw:
            return None, ()
        w = f"{where} › tailoring"
        name = str(raw.get("question") or "") if isinstance(raw, dict) else ""
        known = {q.name: q for q in self.questions}
        q = known.get(name)
        if q is None or q.type != "multiple":
            self.err("D019", f"question 须为一道多选题的名称（裁剪掉的选项写在这道题里），「{name}」不是", w)
            return None, ()
        choices = {c.value: c.label for c in q.choices}
        options = raw.get("options") or dict(choices)
        for value in options:
            if str(value) not in choices:
                self.err("D019", f"可裁剪项「{value}」不是题目 {name} 的选项（可用：{'、'.join(choices)}）", w)
        return name, tuple((str(k), str(v)) for k, v in options.items())

    def _dimension(self, raw: Any, i: int, sections: tuple[Section, ...], scoring: Scoring | None,
                   where: str) -> Dimension:
        raw = raw if isinstance(raw, dict) else {}
        name, tag = str(raw.get("name") or ""), str(raw.get("tag") or raw.get("name") or "")
        w = f"{where} › 维度 {i}（{name or '未命名'}）"
        values = tuple(str(v) for v in raw.get("values") or ())
        if not name or not values:
            self.err("D022", "维度须有 name 和 values（统计时按此顺序显示）", w)
        if tag not in (scoring.aggregate_tags if scoring else ()):
            self.err("D022", f"tag「{tag}」须列在 scoring.aggregate_tags 中（维度得分是该标签各题组得分的平均）", w)
        if len(set(values)) != len(values):
            self.err("D022", "values 中有重复的值", w)
        used = {str(g.tags[tag]) for s in sections for g in s.groups if tag in g.tags}
        if values and (missing := sorted(used - set(values))):
            self.err("D022", f"题组标签 {tag} 的值 {missing} 没有列在 values 中", w)
        if values and (unused := [v for v in values if v not in used]):
            self.err("D022", f"values 中的 {unused} 没有题组使用", w)
        return Dimension(name, tag, str(raw.get("label") or name), values, str(raw.get("column") or ""))
