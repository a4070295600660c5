"""质量自评估 dialogue pages (AppTest): an enterprise applies for evaluation, the agency's assessor accepts,
comments on a clause and records the result, the enterprise reads the comment beside the clause and in
its list; 我有疑问 asked beside a clause, answered on the questions page; another agency sees nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import clock
from db.engine import session_scope
from db.quality import QualityApplication
from services.assessment import flow, quality
from services.quality import applications as apps, comments, questions
from tests.factories import PASSWORD
from tests.pages.helpers import assert_clean, by_label, joined, signed_in, texts
from tests.quality.dialogue import agency, assessor, attempt, enterprise, publish_model

APPLY, ASSESSOR, QUESTIONS, ASSESS = ("pages/quality/quality_applications.py", "pages/quality/quality_assessor.py",
                                      "pages/quality/quality_questions.py", "pages/quality/quality_assess.py")
CLAUSE = "c621_11"


def page(username: str, path: str):  # type: ignore[no-untyped-def]
    at = signed_in(username, PASSWORD)
    at.switch_page(path).run()
    assert_clean(at)
    return at


def _apps() -> list[tuple[int, str]]:
    with session_scope() as s:
        return [(a.agency_id, a.status) for a in s.scalars(select(QualityApplication))]


def test_apply_accept_comment_evaluate_and_read(app) -> None:  # type: ignore[no-untyped-def]
    publish_model()
    user, aid = enterprise()
    a, b = agency(), agency()
    pa, pb = assessor(a), assessor(b)
    at = page(user.username, APPLY)
    assert [t.value for t in at.title] == ["评估申请"]
    submit = "FormSubmitter:qapp_new-提交申请"
    at.button(key=submit).click().run()                                       # nothing chosen: named errors
    assert_clean(at)
    assert "评估机构：必填，请选择一家第三方评估机构。" in joined(at.error) and _apps() == []
    by_label(at.selectbox, "第三方评估机构 *").set_value(a)
    by_label(at.text_input, "联系人 *").input("李四")
    by_label(at.text_input, "联系电话 *").input("13912345678")
    by_label(at.date_input, "期望评估日期 *").set_value(clock.today() + dt.timedelta(days=3))
    at.button(key=submit).click().run()
    assert_clean(at)
    assert _apps() == [(a, "submitted")] and "评估申请已提交" in joined(at.success)
    assert "待受理" in joined(at.markdown)
    assert any(b.label == "撤回申请" for b in at.button)

    other = page(pb.username, ASSESSOR)                                     # another agency: nothing
    assert "暂无评估申请。" in joined(other.info)

    rev = page(pa.username, ASSESSOR)
    app_id = apps.mine(user)[0].id
    rev.selectbox(key="qa_open").set_value(app_id).run()
    assert_clean(rev)
    by_label(rev.button, "受理").click().run()
    assert_clean(rev)
    assert "已受理" in joined(rev.success) and _apps() == [(a, "accepted")]
    rev.selectbox(key="qa_open").set_value(app_id).run()
    key = f"qa_cm_{app_id}_{CLAUSE}"
    rev.toggle(key=f"{key}_open").set_value(True).run()
    rev.text_area(key=f"{key}_text").input("请补充投诉台账的截图。")
    rev.button(key=f"FormSubmitter:{key}-发送").click().run()
    assert_clean(rev)
    assert "沟通记录已发送" in joined(rev.success)
    rev.selectbox(key="qa_open").set_value(app_id).run()
    by_label(rev.selectbox, "评估等级 *").set_value(3)
    by_label(rev.text_area, "评估结论 *（2–2000 个字符）").input("体系运行有效。")
    rev.button(key=f"FormSubmitter:qa_eval_{app_id}-提交评估结果").click().run()
    assert_clean(rev)
    assert _apps() == [(a, "evaluated")]

    mine = page(user.username, APPLY)
    seen = joined(mine.markdown) + joined(mine.success)
    assert "请补充投诉台账的截图。" in seen and "评估等级：保证级" in seen and "已评估" in seen
    assert comments.unread(user) == 1
    by_label(mine.button, "全部标记为已读").click().run()
    assert_clean(mine)
    assert comments.unread(user) == 0


def test_question_beside_a_clause_answered_by_an_assessor(app) -> None:  # type: ignore[no-untyped-def]
    publish_model()
    user, done = enterprise()
    a = agency()
    pa = assessor(a)
    app_id = apps.apply(user, done, a, "李四", "13912345678", clock.today())
    apps.accept(pa, app_id)
    comments.add(pa, app_id, CLAUSE, "上次评估：投诉答复缺少记录。")
    running = attempt(user, completed=False)                                 # a new self-assessment in progress
    at = signed_in(user.username, PASSWORD)
    at.session_state["q_attempt"] = running
    at.session_state["q_step"] = "条款符合性评估"                           # past step 1 (企业信息)
    at.switch_page(ASSESS).run()
    assert_clean(at)
    entry = at.toggle(key=f"qdlg_{running}_{CLAUSE}")
    assert entry.label == "我有疑问（0） · 沟通记录（1） · 1 条未读"        # unread flagged beside the clause
    assert "上次评估：投诉答复缺少记录。" not in joined(at.markdown)        # closed: nothing read yet
    entry.set_value(True).run()
    assert "上次评估：投诉答复缺少记录。" in joined(at.markdown)            # 沟通记录 beside the clause
    key = f"qask_{running}_{CLAUSE}"
    at.text_area(key=f"{key}_text").input("投诉答复要保留多久？")
    at.button(key=f"FormSubmitter:{key}-提交疑问").click().run()
    assert_clean(at)
    assert "疑问已提交" in joined(at.success)
    assert at.toggle(key=f"qdlg_{running}_{CLAUSE}").label.startswith("我有疑问（1）")
    by_label(at.button, "标记为已读").click().run()
    assert_clean(at)
    assert at.toggle(key=f"qdlg_{running}_{CLAUSE}").label == "我有疑问（1） · 沟通记录（1）"
    [q] = questions.mine(user)
    assert (q.clause, q.text, q.answered) == (CLAUSE, "投诉答复要保留多久？", False)
    assert flow.get(quality.KIND, user, running).status == "in_progress"

    ans = page(pa.username, QUESTIONS)
    assert "投诉答复要保留多久？" in joined(ans.markdown)
    ans.text_area(key=f"qq_ans_{q.id}_text").input("至少保留三年。")
    ans.button(key=f"FormSubmitter:qq_ans_{q.id}-发送答复").click().run()
    assert_clean(ans)
    assert "答复已发送" in joined(ans.success)

    mine = page(user.username, QUESTIONS)
    assert "至少保留三年。" in " ".join(texts(mine.markdown))


def test_an_assessor_of_no_agency_is_told_so(app) -> None:  # type: ignore[no-untyped-def]
    lone = assessor(None)
    at = page(lone.username, ASSESSOR)
    assert "您的账户不属于任何评估机构" in joined(at.warning)
    assert not at.dataframe


def test_the_inbox_opens_the_application_for_the_agencys_assessor(app) -> None:  # type: ignore[no-untyped-def]
    publish_model()
    user, done = enterprise()
    a = agency()
    pa = assessor(a)
    app_id = apps.apply(user, done, a, "李四", "13912345678", clock.today())
    at = page(pa.username, "pages/common/inbox.py")
    assert "收到新的评估申请" in joined(at.markdown)
    by_label(at.button, "查看").click().run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["评估申请受理"]
    assert at.selectbox(key="qa_open").value == app_id
    assert any(b.label == "受理" for b in at.button)


def test_the_open_application_stays_open_after_accepting(app) -> None:  # type: ignore[no-untyped-def]
    """Found by the browser journey: the picker's labels named the status, so after 受理 the browser sent back
    the old label (…待受理), which matched no option, and the next click (填写沟通记录) closed the application."""
    publish_model()
    user, done = enterprise()
    a = agency()
    pa = assessor(a)
    app_id = apps.apply(user, done, a, "李四", "13912345678", clock.today())
    rev = page(pa.username, ASSESSOR)
    picker = rev.selectbox(key="qa_open")
    shown = picker.format_func(app_id)
    picker.set_value(app_id).run()
    by_label(rev.button, "受理").click().run()
    assert_clean(rev)
    assert "已受理" in joined(rev.success)
    assert rev.selectbox(key="qa_open").format_func(app_id) == shown   # the label the browser holds still matches
    key = f"qa_cm_{app_id}_{CLAUSE}"
    rev.toggle(key=f"{key}_open").set_value(True).run()                # no re-selection: as in the browser
    assert_clean(rev)
    assert rev.text_area(key=f"{key}_text") is not None
