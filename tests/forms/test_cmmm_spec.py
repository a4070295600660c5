"""The smart-manufacturing capability maturity self-diagnosis (GB/T 39116-2020 / GB/T 39117-2020) question bank:
structure, tailoring and cumulative level scoring."""
import re
from decimal import Decimal
from pathlib import Path

import pytest

from services.forms.engine import Evaluation, evaluate
from services.forms.loader import load_file
from services.forms.scoring import Scores, scorable
from services.forms.schema import Definition, Group

SPEC = Path(__file__).resolve().parents[2] / "specs" / "cmmm" / "self_diagnosis.yaml"

# sub-domain code -> (Chinese name, element, domain, tailoring option or None)
SUBDOMAINS = {
    "strategy": ("组织战略", "人员", "组织战略", None),
    "skills": ("人员技能", "人员", "人员技能", None),
    "data": ("数据", "技术", "数据", None),
    "integration": ("集成", "技术", "集成", None),
    "security": ("信息安全", "技术", "信息安全", None),
    "equipment": ("装备", "资源", "装备", None),
    "network": ("网络", "资源", "网络", None),
    "product_design": ("产品设计", "制造", "设计", "design"),
    "process_design": ("工艺设计", "制造", "设计", "design"),
    "procurement": ("采购", "制造", "生产", None),
    "planning": ("计划与调度", "制造", "生产", None),
    "production": ("生产作业", "制造", "生产", None),
    "maintenance": ("设备管理", "制造", "生产", None),
    "warehousing": ("仓储配送", "制造", "生产", None),
    "ehs": ("安全环保", "制造", "生产", None),
    "energy": ("能源管理", "制造", "生产", None),
    "logistics": ("物流", "制造", "物流", "logistics"),
    "sales": ("销售", "制造", "销售", "sales"),
    "customer_service": ("客户服务", "制造", "服务", "service"),
    "product_service": ("产品服务", "制造", "服务", "service"),
}
DOMAINS = {"组织战略", "人员技能", "数据", "集成", "信息安全", "装备", "网络", "设计", "生产", "物流", "销售", "服务"}
LEVELS = {"level1": "一级 规划级", "level2": "二级 规范级", "level3": "三级 集成级", "level4": "四级 优化级",
          "level5": "五级 引领级"}
EFFECT = {"labour": "人均生产效率提高率", "profit": "资产利润提高率", "equipment": "设备利用提高率",
          "rnd": "产品研制周期缩短率", "defect": "产品不良品降低率", "inventory": "库存周转提高率", "other": "其他"}
GROUP_RE = re.compile(r"^l([1-5])_([a-z_]+)$")


@pytest.fixture(scope="module")
def d() -> Definition:
    return load_file(SPEC)


def level_groups(d: Definition) -> list[tuple[int, str, Group]]:
    """(level, sub-domain code, group) for every group of the five level sections."""
    out = []
    for s in d.sections:
        if s.name in LEVELS:
            for g in s.groups:
                m = GROUP_RE.match(g.name)
                assert m, g.name
                out.append((int(s.name[-1]), m.group(2), g))
    return out


def effectiveness() -> dict[str, str]:
    return {**{f"eff_{k}_value": "0" for k in EFFECT}, **{f"eff_{k}_formula": "无" for k in EFFECT}}


def answers(d: Definition, by_level: dict[int, str], tailored: frozenset[str] = frozenset(), **overrides: str) -> dict:
    """Answer every question of the given levels with one value; ``overrides`` per group name."""
    out: dict = {}
    for lvl, sd, g in level_groups(d):
        if lvl in by_level and SUBDOMAINS[sd][3] not in tailored:
            for q in g.questions:
                out[q.name] = overrides.get(g.name, by_level[lvl])
    return out


def scores(ev: Evaluation) -> Scores:
    assert ev.scores is not None
    return ev.scores


def test_header_choices_and_scoring(d: Definition) -> None:
    assert (d.code, d.kind, d.period, d.title) == ("cmmm_self_diagnosis", "self_diagnosis", "none", "智能制造能力成熟度自诊断")
    assert "裁剪" in d.description and "0.8" in d.description and "成效类指标" in d.description
    sat = d.source["choices"]["sat"]
    assert sat == [{"value": "0", "label": "不满足", "score": 0}, {"value": "0.5", "label": "部分满足", "score": 0.5},
                   {"value": "0.8", "label": "大部分满足", "score": 0.8}, {"value": "1", "label": "全部满足", "score": 1}]
    sc = d.scoring
    assert sc is not None
    assert (sc.group_method, sc.section_method, sc.total_method, sc.pass_score, sc.decimals) == \
        ("mean", "weighted_mean", "cumulative", 0.8, 2)
    assert sc.aggregate_tags == ("domain", "subdomain", "element")
    assert [(o.label, o.min, o.max, o.max_inclusive) for o in sc.outcomes] == [
        ("一级", 0.8, 1.8, False), ("二级", 1.8, 2.8, False), ("三级", 2.8, 3.8, False), ("四级", 3.8, 4.8, False),
        ("五级", 4.8, 5, True)]


def test_sections_in_order(d: Definition) -> None:
    assert [s.name for s in d.sections] == ["tailoring", *LEVELS, "effectiveness"]
    for s in d.sections:
        if s.name in LEVELS:
            assert s.title == LEVELS[s.name] and s.gate == 0.8 and s.description
    tailoring = d.sections[0]
    assert tailoring.title == "能力域裁剪" and [q.name for q in tailoring.questions] == ["tailor"]
    tailor = d.question("tailor")
    assert tailor.type == "multiple" and tailor.required is False
    assert tailor.label == "请勾选本企业不参与自诊断（裁剪）的能力域"
    assert [c.value for c in tailor.choices] == ["design", "logistics", "sales", "service"]
    assert "不可裁剪" in tailor.help and "生产" in tailor.help and not scorable(tailor)


def test_subdomains_domains_and_tags(d: Definition) -> None:
    groups = level_groups(d)
    assert {sd for _, sd, _ in groups} == set(SUBDOMAINS)
    assert {g.tags["domain"] for _, _, g in groups} == DOMAINS
    for lvl, sd, g in groups:
        name, element, domain, _ = SUBDOMAINS[sd]
        assert g.title == name and g.weight == 1
        assert g.tags == {"element": element, "domain": domain, "subdomain": name}, g.name
    per_level = {lvl: [sd for l2, sd, _ in groups if l2 == lvl] for lvl in range(1, 6)}
    for lvl in range(2, 6):
        assert per_level[lvl] == list(SUBDOMAINS), lvl  # every sub-domain, in model order
    assert set(per_level[1]) < set(SUBDOMAINS)  # level 1 has requirements for fewer sub-domains
    assert "integration" not in per_level[1]


def test_questions_are_sat_scored_with_help(d: Definition) -> None:
    total = 0
    for lvl, sd, g in level_groups(d):
        assert len(g.questions) >= 2, g.name
        for i, q in enumerate(g.questions, 1):
            assert q.name == f"l{lvl}_{sd}_{i}"
            assert q.type == "single" and q.required is True and scorable(q)
            assert [(c.value, c.score) for c in q.choices] == [("0", 0), ("0.5", 0.5), ("0.8", 0.8), ("1", 1)]
            assert q.label.endswith("？") and len(q.label) >= 12, q.name
            assert q.help and len(q.help) >= 15, q.name
        total += len(g.questions)
    assert 150 <= total <= 250
    labels = [q.label for _, _, g in level_groups(d) for q in g.questions]
    assert len(labels) == len(set(labels))  # no requirement repeated word for word


def test_show_if_only_on_tailorable_groups(d: Definition) -> None:
    for _, sd, g in level_groups(d):
        option = SUBDOMAINS[sd][3]
        if option:
            assert g.show_if == f"not selected(${{tailor}}, '{option}')", g.name
        else:
            assert g.show_if is None, g.name
        assert all(q.show_if is None for q in g.questions)


def test_all_fully_met_is_level_five(d: Definition) -> None:
    ev = evaluate(d, {**answers(d, {n: "1" for n in range(1, 6)}), **effectiveness()})
    assert ev.errors() == []
    sc = scores(ev)
    assert all(sc.sections[f"level{n}"] == 1 for n in range(1, 6))
    assert sc.total == 5 and sc.outcome == "五级"
    assert set(sc.by_tag["domain"]) == DOMAINS and set(sc.by_tag["element"]) == {"人员", "技术", "资源", "制造"}
    assert len(sc.by_tag["subdomain"]) == 20


def test_all_mostly_met_is_level_four(d: Definition) -> None:
    sc = scores(evaluate(d, answers(d, {n: "0.8" for n in range(1, 6)})))
    assert all(sc.sections[f"level{n}"] == Decimal("0.8") for n in range(1, 6))  # 0.8 passes each gate
    assert sc.total == Decimal("4.0") and sc.outcome == "四级"


def test_cumulative_total_stops_at_first_level_not_achieved(d: Definition) -> None:
    ev = evaluate(d, answers(d, {1: "1", 2: "0.5", 3: "1", 4: "1"}))
    sc = scores(ev)
    assert sc.sections["level1"] == 1 and sc.sections["level2"] == Decimal("0.5")
    assert sc.total == Decimal("1.5") and sc.outcome == "一级"  # levels 3–4 are not counted after level 2 fails
    # the level gate (0.8) closes the later levels; the effectiveness indicators stay open
    assert "level3" not in ev.visible_sections and "level3" not in sc.sections and "l3_strategy_1" not in ev.visible
    assert "effectiveness" in ev.visible_sections and "eff_labour_value" in ev.visible
    below = scores(evaluate(d, answers(d, {1: "0.5"})))
    assert below.total == Decimal("0.5") and below.outcome is None


def test_tailoring_removes_groups_from_level_scores(d: Definition) -> None:
    all_four = {"design", "logistics", "sales", "service"}
    # Level 1: 18 sub-domains, 6 of them tailorable (产品设计, 工艺设计, 物流, 销售, 客户服务, 产品服务) → 12 remain;
    # 组织战略 half met (0.5), the other 11 fully met, the tailorable ones not met at all.
    # Level 2: 20 sub-domains, 14 remain; 信息安全 not met (0), the other 13 mostly met (0.8).
    base = answers(d, {1: "1", 2: "0.8"}, l1_strategy="0.5", l2_security="0")
    for lvl, sd, g in level_groups(d):
        if SUBDOMAINS[sd][3] and lvl <= 2:
            base.update({q.name: "0" for q in g.questions})
    tailored = evaluate(d, {**base, "tailor": sorted(all_four), **effectiveness()})
    assert tailored.errors() == []
    sc = scores(tailored)
    level1 = (11 * Decimal(1) + Decimal("0.5")) / 12   # 0.9583: achieved
    level2 = (13 * Decimal("0.8") + 0) / 14             # 0.7429: not achieved
    assert sc.sections["level1"] == level1 and sc.sections["level2"] == level2
    assert sc.total == level1 + level2 and sc.outcome == "一级"  # 1.70
    assert round(sc.total, 2) == Decimal("1.70")
    tailorable = {g.name for _, sd, g in level_groups(d) if SUBDOMAINS[sd][3]}
    assert not tailorable & set(sc.groups)
    assert not {"设计", "物流", "销售", "服务"} & set(sc.by_tag["domain"])
    assert sc.by_tag["domain"]["组织战略"] == (Decimal("0.5") + Decimal("0.8")) / 2
    assert sc.by_tag["element"]["人员"] == (Decimal("0.5") + 1 + Decimal("0.8") * 2) / 4
    # without tailoring the same answers keep the unmet groups in the denominator: level 1 = 11.5 / 18, not achieved
    untailored = scores(evaluate(d, base))
    assert untailored.sections["level1"] == Decimal("11.5") / 18
    assert untailored.total == Decimal("11.5") / 18 and untailored.outcome is None
    # tailoring only design leaves logistics, sales and service in: level 1 = 11.5 / 16
    design_only = scores(evaluate(d, {**base, "tailor": ["design"]}))
    assert design_only.sections["level1"] == Decimal("11.5") / 16
    assert "l1_logistics" in design_only.groups and "l1_product_design" not in design_only.groups


def test_tailored_questions_are_not_required(d: Definition) -> None:
    ev = evaluate(d, {**answers(d, {1: "1"}, tailored=frozenset({"design", "logistics", "sales", "service"})),
                      "tailor": ["design", "logistics", "sales", "service"], **effectiveness()})
    assert not any((f.question or "").startswith("l1_") for f in ev.errors())
    assert "l1_product_design_1" not in ev.visible and "l1_strategy_1" in ev.visible


def test_effectiveness_indicators_required_and_unscored(d: Definition) -> None:
    s = d.sections[-1]
    assert s.name == "effectiveness" and s.title == "成效类指标（不参与评分）"
    assert "0" in s.description and "无" in s.description and "必填" in s.description
    assert [q.name for q in s.questions] == [f"eff_{k}_{part}" for k in EFFECT for part in ("value", "formula")]
    for k, name in EFFECT.items():
        value, formula = d.question(f"eff_{k}_value"), d.question(f"eff_{k}_formula")
        assert value.type == "decimal" and value.label == f"{name}（%）" and value.unit == "%"
        assert value.precision == 2 and value.required is True and value.min is None
        assert formula.type in ("text", "textarea") and formula.label == f"{name}计算公式"
        assert formula.required is True and "×100%" in formula.example
        assert not scorable(value) and not scorable(formula)
    missing = {f.question for f in evaluate(d, answers(d, {1: "1"})).errors()}
    assert {f"eff_{k}_{part}" for k in EFFECT for part in ("value", "formula")} <= missing
    full = {**answers(d, {n: "1" for n in range(1, 6)}), **effectiveness()}
    filled = evaluate(d, {**full, "eff_labour_value": "-3.5", "eff_labour_formula": "(本期−基期)/基期×100%"})
    assert filled.errors() == []  # a decline is allowed: no minimum
    assert not any(q.startswith("eff_") for q in scores(filled).questions)
    assert scores(filled).total == scores(evaluate(d, full)).total == 5
