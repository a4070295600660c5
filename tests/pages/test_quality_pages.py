"""The quality self-assessment page through the real app: familiarity, start / continue, a clause saved
per form, a conflicting save shows the other change, submit refused with what is missing (and a jump to
it), a fully answered assessment submits and shows the overall tier."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services.assessment import clauses, quality
from services.forms import definitions, responses
from tests.factories import PASSWORD, make_enterprise_user
from tests.pages.conftest import sign_in
from tests.pages.helpers import assert_clean, by_label, joined, shown, texts
from services.quality import profile
from tests.quality.profile_data import valid_profile
from tests.quality.shipped import all_clauses, clause
from tests.quality.test_graded import _fill, _perf

PAGE = "pages/quality/quality_assess.py"


@pytest.fixture(autouse=True)
def _model(sqlite_db: str) -> None:
    definitions.sync_specs()


def _open(app: AppTest, username: str) -> AppTest:
    at = sign_in(app, username, PASSWORD)
    at.switch_page(PAGE).run()
    assert_clean(at)
    return at


def _start(at: AppTest) -> int:
    profile.save(at.session_state["actor"], valid_profile())            # 企业信息 saved on the home before
    at.radio(key="q_familiar").set_value("是").run()
    by_label(at.button, "开始评估").click().run()
    assert_clean(at)
    view = quality.current(at.session_state["actor"])
    assert view is not None and view.status == "in_progress"
    at.button(key=f"FormSubmitter:q_profile_{view.id}-下一步").click().run()   # step 1: confirm 企业信息
    assert_clean(at)
    return view.response_id


def _answer(at: AppTest, rid: int, name: str, conf: str, desc: str) -> None:
    at.radio(key=f"qf_{rid}_{name}_0_conf").set_value(conf)
    at.text_area(key=f"qf_{rid}_{name}_0_desc").input(desc)
    at.button(key=f"FormSubmitter:qf_{rid}_{name}-暂存").click().run()


def test_start_familiarity_answer_a_clause_then_only_continue(app: AppTest) -> None:
    user, _ = make_enterprise_user()
    at = _open(app, user.username)
    assert [b.label for b in at.button if b.label in ("开始评估", "继续评估")] == []   # nothing before 是
    at.radio(key="q_familiar").set_value("否").run()
    assert "自评估操作说明" in joined(at.info) and "6.3 质量管理数字化" in joined(at.info)
    assert not [b for b in at.button if b.label == "开始评估"]
    rid = _start(at)
    buttons = [shown(b.label) for b in at.button]
    assert any(lbl.startswith("6.2.1 顾客需求关注（0/10）") for lbl in buttons)       # the tree with progress
    assert "经验级" in joined(at.markdown) and "上一个二级指标" in buttons
    _answer(at, rid, "c621_11", "0", "尚未建立投诉处理制度。")
    assert_clean(at)
    assert "已暂存：6.2.1.1.1 接到顾客投诉后能够处理并答复" in joined(at.success)
    state = clauses.clause_states(user, rid)["c621_11"]
    assert (state.version, state.data) == (1, {"c621_11_conf": "0", "c621_11_desc": "尚未建立投诉处理制度。"})
    by_label(at.button, "下一个二级指标").click().run()
    assert "#### 6.2.2" in "\n".join(texts(at.markdown))
    # a second browser: an unfinished assessment allows only 继续评估
    other = _open(AppTest.from_file(app._script_path, default_timeout=60), user.username)
    other.radio(key="q_familiar").set_value("是").run()
    labels = [b.label for b in other.button]
    assert "继续评估" in labels and "开始评估" not in labels and "开始新的评估" not in labels
    assert "未完成的自评估" in joined(other.warning)


def test_a_conflicting_save_shows_the_other_change(app: AppTest) -> None:
    user, _ = make_enterprise_user()
    at = _open(app, user.username)
    rid = _start(at)                                                     # the form is loaded at version 0
    clauses.save_clause(user, rid, "c621_12", clause("c621_12", "0", "同事填写的说明"), 0)   # someone else first
    _answer(at, rid, "c621_12", "2", "我的说明")
    assert_clean(at)
    err = joined(at.error)
    assert "条款「6.2.1.1.2 记录主要顾客的基本要求」已被" in err and "同事填写的说明" in err and "未保存" in err
    assert clauses.clause_states(user, rid)["c621_12"].data["c621_12_desc"] == "同事填写的说明"   # not overwritten


def test_submit_refused_lists_what_is_missing_and_jumps_there(app: AppTest) -> None:
    user, _ = make_enterprise_user()
    at = _open(app, user.username)
    rid = _start(at)
    answers = all_clauses("2")
    for k in [k for k in answers if k.startswith("c631_11")]:
        answers.pop(k)                                                   # one clause of 6.3.1 left open
    _fill(rid, answers)
    responses.save_section(user, rid, "perf", _perf(), 0)
    at.radio(key="q_step").set_value("提交").run()
    assert "还有 2 处未完成" in joined(at.warning)
    page = "\n".join(texts(at.markdown))
    assert "6.3.1" in page and "未选择符合情况" in page and "未填写符合性情况描述" in page
    by_label(at.button, "提交").click().run()
    assert "还有未完成的内容，暂不能提交：6.3 质量管理数字化 1 条条款" in joined(at.error)
    assert quality.current(user).status == "in_progress"  # type: ignore[union-attr]
    at.button(key="q_miss_0").click().run()
    assert at.radio(key="q_step").value == "条款符合性评估"
    assert any(t.startswith("#### 6.3.1") for t in texts(at.markdown))


def test_a_fully_answered_assessment_submits_and_shows_the_tiers(app: AppTest) -> None:
    user, _ = make_enterprise_user()
    at = _open(app, user.username)
    rid = _start(at)
    answers = all_clauses("2")
    answers.update(clause("c643_41", "0"))                               # 6.4.3 不符合 at 预防级 → 保证级
    _fill(rid, answers)
    responses.save_section(user, rid, "perf", _perf(), 0)
    at.radio(key="q_step").set_value("提交").run()
    assert "可以提交" in joined(at.success)
    by_label(at.button, "提交").click().run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["总体等级"] == "保证级"
    page = "\n".join(texts(at.markdown))
    assert "6.4.3 质量文化与品牌：保证级" in page and "6.2.1 顾客需求关注：卓越级" in page
    assert "6.4 持续改进提升的能力：保证级" in page
    view = quality.current(user)
    assert view is not None and (view.status, view.level) == ("completed", 3)
    by_label(at.button, "返回").click().run()
    at.radio(key="q_familiar").set_value("是").run()
    assert "开始新的评估" in [b.label for b in at.button]                # a finished one allows a new one



def test_performance_parameters_show_results_and_clear_messages(app: AppTest) -> None:
    user, _ = make_enterprise_user()
    at = _open(app, user.username)
    rid = _start(at)
    at.radio(key="q_step").set_value("质量绩效参数").run()
    assert "请先填写「年度内部损失成本」、「年度工业总产值」，才能计算内部质量损失率。" in joined(at.warning)
    at.text_input(key=f"fr_{rid}_p01_cost").input("123.45")
    at.text_input(key=f"fr_{rid}_p01_output").input("9876")
    at.button(key=f"FormSubmitter:q_perf_{rid}-暂存并计算").click().run()
    assert_clean(at)
    assert "内部质量损失率：1.25 %" in "\n".join(texts(at.markdown))                # 123.45 / 9876 × 100
    assert "才能计算内部质量损失率" not in joined(at.warning)
    at.text_input(key=f"fr_{rid}_p01_output").input("0")
    at.button(key=f"FormSubmitter:q_perf_{rid}-暂存并计算").click().run()
    assert "年度工业总产值：须大于 0" in joined(at.error)                            # refused, nothing saved
    assert responses.get_response(user, rid).answers["p01_output"] in ("9876", 9876)
