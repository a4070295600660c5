"""``assessment.grading``: clause conformity → tiers (the quality self-assessment), validated with
codes D023–D026 — mixed into the assessment block of the loader (``loader_assessment.AssessmentBlock``).

D023 the block itself (levels, choice values, limits, aggregations, sections) · D024 every clause
group of a graded section (tags and its three questions with the declared rules) · D025 at least
``min_clauses`` clauses per tier per second-level indicator, listed from low to high tier · D026 the
performance section (each indicator group has inputs and a calculated result)."""
from __future__ import annotations

from typing import Any

from services.forms import expr
from services.forms.schema import GradeLevel, Grading, Group, Section

AGGREGATIONS = {"min": "取最低", "floor_mean": "取平均后向下取整"}
TEXT_TYPES = {"text", "textarea"}


class GradingBlock:
    """Uses the builder's ``err``."""

    def err(self, code: str, message: str, where: str = "") -> None:  # provided by the builder
        raise NotImplementedError

    def _grading(self, raw: Any, sections: tuple[Section, ...], where: str) -> Grading | None:
        if raw is None:
            return None
        w = f"{where} › grading"
        if not isinstance(raw, dict):
            self.err("D023", "grading 须为映射（键: 值）", w)
            return None
        levels: list[GradeLevel] = []
        for i, x in enumerate(raw.get("levels") or [], 1):
            x = x if isinstance(x, dict) else {}
            key, label = str(x.get("key") or ""), str(x.get("label") or "")
            if not key or not label:
                self.err("D023", f"第 {i} 个等级须有 key 和 label", w)
            elif any(v.key == key for v in levels):
                self.err("D023", f"等级 key「{key}」重复", w)
            levels.append(GradeLevel(i, key, label, str(x.get("description") or "")))
        if not levels:
            self.err("D023", "至少要有一个等级（levels，从低到高）", w)
        values = {k: str(raw.get("values", {}).get(k, d)) if isinstance(raw.get("values"), dict) else d
                  for k, d in (("full", "2"), ("partial", "1"), ("none", "0"))}
        if len(set(values.values())) != 3:
            self.err("D023", f"values 的 full / partial / none 须为三个不同的选项值，而不是 {values}", w)
        ints = {}
        for key, default, low in (("partial_max", 1, 0), ("min_clauses", 1, 1)):
            v = raw.get(key, default)
            if not isinstance(v, int) or isinstance(v, bool) or v < low:
                self.err("D023", f"{key} 须为不小于 {low} 的整数，而不是「{v}」", w)
                v = default
            ints[key] = v
        aggs = {}
        for key in ("first_level", "overall"):
            v = str(raw.get(key, "min"))
            if v not in AGGREGATIONS:
                self.err("D023", f"{key} 须为 {' / '.join(AGGREGATIONS)} 之一，而不是「{v}」", w)
                v = "min"
            aggs[key] = v
        by_name = {s.name: s for s in sections}
        graded = tuple(str(x) for x in raw.get("sections") or ())
        if not graded:
            self.err("D023", "sections 须列出参与评级的部分（一级指标）", w)
        for name in graded:
            if name not in by_name:
                self.err("D023", f"部分「{name}」不存在", w)
        perf = raw.get("performance_section")
        if perf is not None and (str(perf) not in by_name or str(perf) in graded):
            self.err("D023", f"performance_section「{perf}」须为已有的、不参与评级的部分", w)
        raw_q = raw.get("questions")
        q: dict[str, Any] = raw_q if isinstance(raw_q, dict) else {}
        g = Grading(tuple(levels), str(raw.get("below_label") or f"未达到{levels[0].label if levels else '第一级'}"),
                    graded, str(raw.get("indicator_tag") or "indicator"), str(raw.get("level_tag") or "tier"),
                    str(q.get("conformity") or "conf"), str(q.get("description") or "desc"),
                    str(q.get("evidence") or "files"), values["full"], values["partial"], values["none"],
                    ints["partial_max"], ints["min_clauses"], aggs["first_level"], aggs["overall"],
                    str(perf) if perf is not None else None)
        for name in graded:
            if name in by_name:
                self._graded_section(g, by_name[name], w)
        if g.performance_section in by_name:
            self._performance(by_name[g.performance_section], w)
        return g

    def _graded_section(self, g: Grading, section: Section, where: str) -> None:
        keys = {x.key: x.level for x in g.levels}
        counts: dict[str, dict[int, int]] = {}
        last: dict[str, int] = {}
        for group in section.groups:
            gw = f"{where} › 部分 {section.name} › 条款 {group.name}"
            indicator, key = str(group.tags.get(g.indicator_tag) or ""), str(group.tags.get(g.level_tag) or "")
            if not indicator or key not in keys:
                self.err("D024", f"条款题组须有标签 {g.indicator_tag}（二级指标）和 {g.level_tag}"
                                  f"（等级，可用：{'、'.join(keys)}），现为 {dict(group.tags)}", gw)
                continue
            self._clause(g, group, gw)
            level = keys[key]
            if level < last.get(indicator, 0):
                self.err("D025", f"二级指标「{indicator}」的条款须按等级从低到高排列（{key} 排在了更高等级之后）", gw)
            last[indicator] = max(level, last.get(indicator, 0))
            counts.setdefault(indicator, {}).setdefault(level, 0)
            counts[indicator][level] += 1
        for indicator, per in counts.items():
            for lv in g.levels:
                if per.get(lv.level, 0) < g.min_clauses:
                    self.err("D025", f"二级指标「{indicator}」的{lv.label}只有 {per.get(lv.level, 0)} 条条款，"
                                      f"至少须有 {g.min_clauses} 条（min_clauses）", f"{where} › 部分 {section.name}")

    def _clause(self, g: Grading, group: Group, where: str) -> None:
        qs = {q.name: q for q in group.questions}
        conf, desc, ev = (f"{group.name}_{s}" for s in (g.conformity, g.description, g.evidence))
        c = qs.get(conf)
        if c is None or c.type != "single" or {x.value for x in c.choices} != {g.full, g.partial, g.none}:
            self.err("D024", f"须有单选题 {conf}，选项值恰为 {g.full}（符合）/ {g.partial}（基本符合）/ {g.none}（不符合）", where)
        elif c.required is not True:
            self.err("D024", f"{conf} 须为必答（required: true）", where)
        d = qs.get(desc)
        if d is None or d.type not in TEXT_TYPES or d.required is not True:
            self.err("D024", f"须有必填的符合性情况描述 {desc}（text/textarea，required: true）", where)
        e = qs.get(ev)
        want = f"${{{conf}}} != '{g.none}'"
        if e is None or e.type != "file":
            self.err("D024", f"须有佐证材料文件题 {ev}", where)
        elif not isinstance(e.required, str) or e.required.replace('"', "'").replace(" ", "") != want.replace(" ", ""):
            self.err("D024", f"{ev} 的 required 须为「{want}」（选“不符合”以外都须上传佐证材料）", where)

    def _performance(self, section: Section, where: str) -> None:
        for group in section.groups:
            gw = f"{where} › 部分 {section.name} › 绩效指标 {group.name}"
            calcs = [q for q in group.questions if q.type == "calculated"]
            inputs = {q.name for q in group.questions if q.type in ("integer", "decimal", "percent")}
            if not calcs or not inputs:
                self.err("D026", "每个绩效指标须有至少一个输入（数值题）和一个计算结果（calculated）", gw)
            for q in calcs:
                refs = expr.references(expr.parse(q.calculation)) if q.calculation else set()
                if refs - inputs:
                    self.err("D026", f"计算结果 {q.name} 只能引用本指标的输入，{sorted(refs - inputs)} 不是", gw)
