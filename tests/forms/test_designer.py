"""The visual designer (services/forms/designer.py): every edit gives a document the engine's loader and
``check-specs`` accept; branches and checks are compiled from pickers; persistence, ownership, 启用, 复制,
删除 and 分发 on both databases (services/forms/questionnaires.py)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from db.engine import session_scope
from db.organisation import Organisation
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.forms import definitions, designer as D, questionnaires, responses
from services.forms.engine import evaluate
from services.forms.loader import check_file, load_definition
from services.forms.types import QUESTION_TYPES
from tests.factories import make_admin, make_enterprise_user, make_org

THEME = D.Theme("企业经营状况调查", "month", "请如实填写。")


def _kw(t: str) -> dict[str, object]:
    kw: dict[str, object] = {}
    if t in D.CHOICE_TYPES:
        kw["options"] = ["增加", "持平", "减少"]
    if t in D.MATRIX_TYPES:
        kw["rows"] = ["订单", "成本"]
    if t == "matrix_fill":
        kw["cells"] = [("本月", "decimal"), ("说明", "text")]
    return kw


def _doc_with_every_type() -> dict:  # type: ignore[type-arg]
    doc = D.new_document("demo_all", THEME)
    for t in D.DESIGNABLE:
        doc = D.add_question(doc, t, f"{QUESTION_TYPES[t].label}题", **_kw(t))
    return doc


# --- pure: every type, branches, checks, layout ---------------------------------------------------
@pytest.mark.parametrize("qtype", D.DESIGNABLE)
def test_each_question_type_passes_check_specs(qtype: str, tmp_path: Path) -> None:
    doc = D.add_question(D.new_document("one_type", THEME), qtype, "题目", required=qtype != "note", **_kw(qtype))
    name = D.last_added(doc)
    path = tmp_path / "one_type.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert check_file(path) == []                     # what `manage.py check-specs` runs on each file
    q = load_definition(doc).question(name)
    assert q.type == qtype
    if qtype in D.CHOICE_TYPES:
        assert [c.label for c in q.choices] == ["增加", "持平", "减少"]
    if qtype in D.MATRIX_TYPES:
        assert [r.label for r in q.rows] == ["订单", "成本"]
    if qtype == "matrix_fill":
        assert [(c.label, c.type) for c in q.cells] == [("本月", "decimal"), ("说明", "text")]


def test_calculated_is_not_offered_and_unknown_types_are_refused() -> None:
    assert "calculated" not in D.DESIGNABLE and set(D.DESIGNABLE) == set(QUESTION_TYPES) - {"calculated"}
    with pytest.raises(ValidationFailed, match="题型"):
        D.add_question(D.new_document("x", THEME), "calculated", "合计")
    with pytest.raises(ValidationFailed, match="选项：至少需要一项"):
        D.add_question(D.new_document("x", THEME), "single", "无选项")
    with pytest.raises(ValidationFailed, match="选项：「甲」重复"):
        D.add_question(D.new_document("x", THEME), "single", "重复", options=["甲", "甲"])


def test_branch_is_compiled_into_the_engine_and_skips_questions(tmp_path: Path) -> None:
    doc = D.new_document("branchy", THEME)
    doc = D.add_question(doc, "single", "是否受到影响", options=["是", "否"], required=True)
    doc = D.add_question(doc, "integer", "影响天数", required=True)
    doc = D.add_question(doc, "textarea", "建议")
    doc = D.delete_question(doc, "intro")
    doc = D.add_branch(doc, "q1", ["2"], "q3")        # 否 → skip 影响天数
    doc = D.add_question(doc, "multiple", "困难", options=["用工", "融资", "无"])
    doc = D.add_branch(doc, "q4", ["3"], D.END)
    q1 = load_definition(doc).question("q1")
    assert [(b.condition, b.to) for b in q1.branches] == [("selected(${q1}, '2')", "q3")]
    d = load_definition(doc)
    assert "q2" not in evaluate(d, {"q1": "2"}).visible             # skipped
    assert "q2" in evaluate(d, {"q1": "1"}).visible
    assert not evaluate(d, {"q1": "2"}).errors()                     # the skipped required question is not asked
    assert evaluate(d, {"q1": "1"}).errors()
    path = tmp_path / "branchy.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert check_file(path) == []
    views = D.branches(doc)
    assert [(b.question_label, b.option_labels, b.to_label) for b in views] == [
        ("1. 是否受到影响", ("否",), "3. 建议"), ("4. 困难", ("无",), "结束问卷")]
    # only later questions, only its own options, one jump per option
    with pytest.raises(ValidationFailed, match="只能跳转到该题后面的题目"):
        D.add_branch(doc, "q4", ["1"], "q1")
    with pytest.raises(ValidationFailed, match="所选选项已有跳转"):
        D.add_branch(doc, "q1", ["2"], D.END)
    with pytest.raises(ValidationFailed, match="只有单选题和多选题"):
        D.add_branch(doc, "q2", ["1"], D.END)
    # moving the target above the source is refused; deleting the target drops the branch
    with pytest.raises(ValidationFailed, match="题目顺序"):
        D.move_question(doc, "q3", -2)
    assert [b.question for b in D.branches(D.delete_question(doc, "q3"))] == ["q4"]
    # an option removed from the question drops it from the branch
    assert [b.question for b in D.branches(D.edit_question(doc, "q4", options=["用工", "融资"]))] == ["q1"]


def test_checks_compile_to_rules_the_engine_enforces() -> None:
    doc = D.new_document("checks", THEME)
    doc = D.add_question(doc, "text", "联系电话")
    doc = D.add_question(doc, "decimal", "营业收入", unit="万元")
    doc = D.add_question(doc, "multiple", "困难", options=["甲", "乙", "丙"])
    doc = D.set_check(doc, "q1", D.Check(required=True, min_length=11, max_length=11, pattern="mobile"))
    doc = D.set_check(doc, "q2", D.Check(required=True, min=0, max=1000, precision=2))
    doc = D.set_check(doc, "q3", D.Check(min_count=1, max_count=2))
    d = load_definition(doc)
    messages = [f.message for f in evaluate(d, {"q1": "2345", "q2": "1000.555", "q3": ["1", "2", "3"]}).errors()]
    assert any("不能少于 11 个字" in m for m in messages) and any("格式须为手机号码" in m for m in messages)
    assert any("最多保留 2 位小数" in m for m in messages) and any("最多选择 2 项" in m for m in messages)
    assert not evaluate(d, {"q1": "13912345678", "q2": "12.5", "q3": ["1"]}).errors()
    assert any("不能大于 1000" in f.message for f in evaluate(d, {"q1": "13912345678", "q2": "5000"}).errors())
    assert D.check_of(doc, "q1") == D.Check(required=True, min_length=11, max_length=11, pattern="mobile")
    with pytest.raises(ValidationFailed, match="最小值（5）不能大于最大值（1）"):
        D.set_check(doc, "q2", D.Check(min=5, max=1))
    with pytest.raises(ValidationFailed, match="最多选择：须为 1–3 项"):
        D.set_check(doc, "q3", D.Check(max_count=4))


def test_layout_sets_options_per_row() -> None:
    doc = D.add_question(D.new_document("lay", THEME), "single", "规模", options=["大", "中", "小", "微"])
    doc = D.set_layout(D.set_layout(doc, "q1", 4), None, 2)
    d = load_definition(doc)
    assert d.question("q1").columns == 4 and d.columns == 2
    with pytest.raises(ValidationFailed, match="只有选择题"):
        D.set_layout(D.add_question(doc, "text", "备注"), "q2", 2)
    with pytest.raises(ValidationFailed, match="每行选项数：须为 1–10"):
        D.set_layout(doc, "q1", 11)


def test_theme_frequency_window_and_scope() -> None:
    doc = D.new_document("theme", D.Theme("季度调查", "quarter", start="2026-01-01", end="2026-12-31",
                                          regions=("320100",), industries=("C",), sizes=("小型", "微型"),
                                          manufacturing="manufacturing"))
    assert doc["period"] == "quarter" and "monitor" not in doc["settings"]     # 季: answered in 在线填报
    assert D.theme_of(doc).sizes == ("小型", "微型") and D.theme_of(doc).regions == ("320100",)
    assert D.set_theme(doc, D.Theme("月度调查", "month"))["settings"]["monitor"] == {"audience": "all"}
    with pytest.raises(ValidationFailed, match="截止日期：不能早于开始日期"):
        D.set_theme(doc, D.Theme("x", "month", start="2026-05-01", end="2026-04-01"))
    with pytest.raises(ValidationFailed, match="问卷名称：不能为空"):
        D.set_theme(doc, D.Theme(" ", "month"))
    with pytest.raises(ValidationFailed, match="行业"):
        D.set_theme(doc, D.Theme("x", "month", industries=("34",)))


def test_every_type_together_edit_move_delete() -> None:
    doc = _doc_with_every_type()
    names = [q.name for q in D.questions(doc)]
    assert len(names) == len(D.DESIGNABLE) + 1
    doc = D.edit_question(doc, "q1", label="新题目", qtype="multiple", options=["持平", "增加", "新增"])
    q1 = load_definition(doc).question("q1")
    assert q1.type == "multiple" and [(c.value, c.label) for c in q1.choices] == [("2", "持平"), ("1", "增加"), ("4", "新增")]
    doc = D.move_question(doc, "q1", 3)
    assert [q.name for q in D.questions(doc)][4] == "q1"
    with pytest.raises(ValidationFailed, match="至少要有一道题"):
        one = D.new_document("one", THEME)
        D.delete_question(one, "intro")


# --- persistence, ownership, lifecycle (both databases) -------------------------------------------
@pytest.fixture
def js(db: str):  # type: ignore[no-untyped-def]
    return make_admin("320000", "js_designer")


def _two_questions(js, theme: D.Theme = THEME) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    vid = questionnaires.create(js, theme)
    loaded = questionnaires.document(js, vid)
    doc = D.add_question(loaded, "single", "是否受限电影响", options=["是", "否"], required=True)
    doc = D.add_question(doc, "integer", "限电天数")
    doc = D.add_branch(D.delete_question(doc, "intro"), "q1", ["2"], D.END)
    questionnaires.save(js, vid, doc, loaded)
    return vid, doc


def test_save_publish_then_edit_refused_and_copy_makes_a_new_version(js) -> None:  # type: ignore[no-untyped-def]
    vid, doc = _two_questions(js)
    stored = questionnaires.document(js, vid)
    assert [q.name for q in D.questions(stored)] == ["q1", "q2"] and D.branches(stored)[0].to == D.END
    rows = questionnaires.list_rows(js)
    assert [(r.id, r.status_label, r.frequency_label, r.mine, r.designed) for r in rows] == [(vid, "未启用", "月", True, True)]
    definitions.publish(js, vid)
    with pytest.raises(Conflict, match="不可修改"):
        questionnaires.save(js, vid, D.edit_question(doc, "q2", label="改"), stored)
    with pytest.raises(Conflict, match="已启用的问卷不可删除"):
        definitions.delete_draft(js, vid)
    copy = definitions.copy_to_draft(js, vid)
    assert questionnaires.document(js, copy)["version"] == 2
    assert {r.status for r in questionnaires.list_rows(js)} == {"draft", "published"}
    assert [r.id for r in questionnaires.list_rows(js, status="published")] == [vid]
    assert questionnaires.list_rows(js, frequency="year") == []
    definitions.delete_draft(js, copy)
    assert [r.id for r in questionnaires.list_rows(js)] == [vid]


def test_stale_save_is_a_conflict(js) -> None:  # type: ignore[no-untyped-def]
    vid, doc = _two_questions(js)
    loaded = questionnaires.document(js, vid)
    questionnaires.save(js, vid, D.edit_question(loaded, "q2", label="第一人"), loaded)
    with pytest.raises(Conflict, match="已被其他管理员修改"):
        questionnaires.save(js, vid, D.edit_question(loaded, "q2", label="第二人"), loaded)


def test_only_the_owner_level_may_edit(js) -> None:  # type: ignore[no-untyped-def]
    vid, doc = _two_questions(js)
    # a city administrator granted 问卷设计: below the owner, sees it, may not change it
    nj = make_admin("320100", "nj_designer", role="admin_province")
    loaded = questionnaires.document(nj, vid)
    with pytest.raises(PermissionDenied, match="无权修改"):
        questionnaires.save(nj, vid, D.edit_question(loaded, "q2", label="市里改"), loaded)
    with pytest.raises(PermissionDenied):
        definitions.delete_draft(nj, vid)
    gd = make_admin("440000", "gd_designer")           # another province: does not even see it
    with pytest.raises(NotFound):
        questionnaires.document(gd, vid)
    assert questionnaires.list_rows(gd) == []
    assert not questionnaires.list_rows(nj)[0].changeable
    city = make_admin("320100", "nj_plain")              # without 问卷设计: nothing until it is distributed
    assert questionnaires.list_rows(city) == []
    with pytest.raises(NotFound):
        questionnaires.document(city, vid)


def test_scope_regions_must_lie_inside_the_owner(js) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed, match="不在本问卷归属地区"):
        questionnaires.create(js, D.Theme("越界", "month", regions=("440300",)))


def test_distribute_to_subordinate_regions(js) -> None:  # type: ignore[no-untyped-def]
    vid, _ = _two_questions(js, D.Theme("分发测试", "month", regions=("320100",)))
    with pytest.raises(Conflict, match="只有已启用的问卷可以分发"):
        questionnaires.distribute(js, vid, ["320100"])
    definitions.publish(js, vid)
    assert [c for c, _ in questionnaires.subordinate_regions(js, vid)] == ["320100"]   # inside the scope only
    with pytest.raises(ValidationFailed, match="不是本问卷调查范围内的直属下级地区"):
        questionnaires.distribute(js, vid, ["320200"])
    nj = make_admin("320100", "nj_admin")
    assert questionnaires.distribute(js, vid, ["320100"]) == 1
    assert questionnaires.distribute(js, vid, ["320100"]) == 0      # already handed over
    row = questionnaires.list_rows(nj)[0]
    assert row.distributed_to_me and not row.changeable and row.distributed == ("江苏省 / 南京市",)
    with pytest.raises(PermissionDenied):
        questionnaires.distribute(nj, vid, ["320102"])


def test_export_holds_the_submissions(js) -> None:  # type: ignore[no-untyped-def]
    vid, _ = _two_questions(js, D.Theme("导出测试", "year"))
    definitions.publish(js, vid)
    user, _ = make_enterprise_user("320102")
    rid = responses.open_response(user, vid)
    responses.save_section(user, rid, "main", {"q1": "1", "q2": "3"}, 0)
    responses.submit(user, rid)
    sheet = load_workbook(io.BytesIO(questionnaires.export_submissions(js, vid))).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][-2:] == ["是否受限电影响", "限电天数"] and rows[1][-2:] == ["是", 3]


# --- scope: who the monthly step reaches ------------------------------------------------------------
def test_a_province_questionnaire_never_reaches_another_province(js) -> None:  # type: ignore[no-untyped-def]
    from services.monitor.reports import questionnaires_for
    vid, _ = _two_questions(js, D.Theme("江苏月度调查", "month"))
    small, _ = _two_questions(js, D.Theme("南京小微制造业调查", "month", regions=("320100",), sizes=("小型", "微型"),
                                          industries=("C",), manufacturing="manufacturing", end="2026-06-30"))
    definitions.publish(js, vid)
    definitions.publish(js, small)
    nanjing, suzhou, shenzhen = make_org("320102"), make_org("320505"), make_org("440304")
    with session_scope() as s:
        for oid, size in ((nanjing, "小型"), (suzhou, "小型"), (shenzhen, "小型")):
            s.get(Organisation, oid).size = size  # type: ignore[union-attr]

    def reached(org_id: int, period: str = "2026-05") -> set[str]:
        with session_scope(read=True) as s:
            org = s.get(Organisation, org_id)
            return {q.title for q in questionnaires_for(s, org, period)}  # type: ignore[arg-type]
    assert {"江苏月度调查", "南京小微制造业调查"} <= reached(nanjing)
    assert "江苏月度调查" in reached(suzhou) and "南京小微制造业调查" not in reached(suzhou)  # outside the scope
    assert not {"江苏月度调查", "南京小微制造业调查"} & reached(shenzhen)                     # another province
    assert "南京小微制造业调查" not in reached(nanjing, "2026-07")                             # after the window
    with session_scope() as s:
        s.get(Organisation, nanjing).size = "中型"  # type: ignore[union-attr]
    assert "南京小微制造业调查" not in reached(nanjing)                                        # size outside


def test_an_enterprise_answers_the_designed_questionnaire_in_the_monthly_step(js) -> None:  # type: ignore[no-untyped-def]
    import clock
    from services.monitor import reports
    definitions.sync_specs()                                        # the monthly report form
    vid, _ = _two_questions(js, D.Theme("江苏限电调查", "month", start="2025-01-01", end="2025-12-31"))
    definitions.publish(js, vid)
    inside, _ = make_enterprise_user("320102")
    outside, _ = make_enterprise_user("440304")
    with clock.travel("2025-06-10T10:00:00+08:00"):                 # reporting 2025-05
        report = reports.open_report(inside, "2025-05")
        items = {q.title: q for q in reports.questionnaires(inside, report)}
        assert "江苏限电调查" in items
        rid = reports.open_questionnaire(inside, report, items["江苏限电调查"].version_id)
        responses.save_section(inside, rid, "main", {"q1": "2"}, 0)  # 否 → ends: 限电天数 is not asked
        responses.submit(inside, rid)
        assert {q.title: q.answered for q in reports.questionnaires(inside, report)}["江苏限电调查"]
        elsewhere = reports.open_report(outside, "2025-05")
        assert "江苏限电调查" not in {q.title for q in reports.questionnaires(outside, elsewhere)}
        with pytest.raises(NotFound):
            reports.open_questionnaire(outside, elsewhere, vid)
