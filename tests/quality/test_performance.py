"""质量绩效参数: eleven indicators with inputs and computed results; missing inputs and a divisor of 0
give a Chinese message naming the input; the form engine refuses a 0 divisor with the declared message."""
from __future__ import annotations

from services.assessment.performance import performance, result
from services.forms.engine import evaluate
from tests.quality.shipped import model


def _inputs(**over: object) -> dict[str, object]:
    out: dict[str, object] = {}
    for grp in model().sections[3].groups:
        for q in grp.questions:
            if q.type == "decimal":
                out[q.name] = 50 if q.name.endswith(("cost", "ok", "claims", "gain", "rd", "new", "added", "energy")) else 2000
    out.update(over)
    return out


def test_eleven_indicators_each_with_a_formula() -> None:
    rs = performance(model(), _inputs())
    assert len(rs) == 11 and all(r.message == "" and r.value is not None for r in rs)
    by = {r.indicator: r for r in rs}
    assert by["内部质量损失率"].formula == "内部质量损失率 = 年度内部损失成本 / 年度工业总产值 × 100%"
    assert (by["内部质量损失率"].value, by["内部质量损失率"].unit) == (2.5, "%")         # 50 / 2000 × 100
    assert (by["全员劳动生产率"].value, by["全员劳动生产率"].unit) == (0.03, "万元/人")   # 50 / 2000 = 0.025 → 0.03
    assert by["质量改进投入产出比"].value == 1.0                                       # 50 / 50


def test_hand_computed_values() -> None:
    rs = {r.name: r for r in performance(model(), _inputs(p01_cost=123.45, p01_output=9876, p03_ok=97, p03_total=100))}
    assert rs["p01_result"].value == 1.25                        # 123.45 / 9876 × 100 = 1.2500
    assert rs["p03_result"].value == 97.0


def test_a_missing_input_is_named() -> None:
    r = {x.name: x for x in performance(model(), _inputs(p01_output=None))}["p01_result"]
    assert r.value is None and r.message == "请先填写「年度工业总产值」，才能计算内部质量损失率。"
    both = result(model(), model().question("p02_result"), {})
    assert both.message == "请先填写「年度外部损失成本」、「年度工业总产值」，才能计算外部质量损失率。"
    blank = result(model(), model().question("p08_result"), _inputs(p08_rd="  "))
    assert blank.message == "请先填写「年度研发投入」，才能计算研发投入强度。"


def test_a_zero_divisor_is_named() -> None:
    r = result(model(), model().question("p01_result"), _inputs(p01_output=0))
    assert r.value is None
    assert r.message == "「年度工业总产值」为 0，无法计算内部质量损失率（除数不能为 0），请填写大于 0 的数值。"
    r = result(model(), model().question("p10_result"), _inputs(p10_staff="0.00"))
    assert r.message.startswith("「年度从业人员平均人数」为 0，无法计算全员劳动生产率")
    ok = result(model(), model().question("p01_result"), _inputs(p01_cost=0))      # 0 numerator is fine
    assert (ok.value, ok.message) == (0.0, "")


def test_a_non_number_is_named() -> None:
    r = result(model(), model().question("p05_result"), _inputs(p05_ok="很多"))
    assert r.value is None and r.message == "「表示满意的受访顾客数」不是数字，无法计算顾客满意度。"


def test_the_form_engine_refuses_a_zero_divisor_and_requires_basis() -> None:
    ev = evaluate(model(), _inputs(p01_output=0))
    msgs = {f.question: f.message for f in ev.errors("perf")}
    assert msgs["p01_output"] == "年度工业总产值：须大于 0（它是内部质量损失率的除数，不能为 0）。"
    assert "p01_basis" in msgs and "p01_desc" in msgs                              # basis and description required
    assert ev.values.get("p01_result") is None
    ok = evaluate(model(), _inputs())
    assert float(ok.values["p01_result"]) == 2.5
