"""The registration review's full history (workflow engine): on the reviewer's detail view and on the
applicant's 单位注册信息 page — who, when, action, from → to, reason."""
from __future__ import annotations

from services.orgs import registration
from services.identity.accounts import create_account
from tests.factories import PASSWORD, actor_of, make_admin, org_form
from tests.pages.helpers import assert_clean, by_label, signed_in

REVIEW = "pages/orgs/review_registrations.py"


def history_table(at) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    frames = [d.value for d in at.dataframe if "操作" in d.value.columns]
    assert len(frames) == 1
    return frames[0].to_dict("records")


def test_history_on_the_review_detail_and_the_applicant_page(app) -> None:  # type: ignore[no-untyped-def]
    admin = make_admin("320102", username="admin_hist")
    create_account("hist_co", PASSWORD, ["enterprise"], phone="13800000001")
    applicant = actor_of("hist_co")
    form = org_form("320102", name="历史记录有限公司")
    org_id = registration.submit_org(applicant, form)
    registration.return_for_changes(admin, org_id, "请上传<b>清晰</b>的营业执照")
    registration.submit_org(applicant, form)

    at = signed_in("admin_hist", PASSWORD)
    at.switch_page(REVIEW).run()
    assert_clean(at)
    rows = history_table(at)
    assert [(r["操作"], r["状态"], r["原因"]) for r in rows] == [
        ("提交审核", "草稿 → 待审核", ""), ("退回", "待审核 → 已退回", "请上传<b>清晰</b>的营业执照"),
        ("提交审核", "已退回 → 待审核", "")]
    assert [r["操作人"] for r in rows] == ["hist_co", "admin_hist", "hist_co"] and all(r["时间"] for r in rows)

    at.button(key=f"approve_{org_id}").click().run()
    assert_clean(at)
    by_label(at.selectbox, "状态").select("approved").run()
    assert [r["操作"] for r in history_table(at)][-1] == "审核通过"
    assert history_table(at)[-1]["状态"] == "待审核 → 已通过" and history_table(at)[-1]["操作人"] == "admin_hist"

    mine = signed_in("hist_co", PASSWORD)
    mine.switch_page("pages/orgs/my_registration.py").run()
    assert_clean(mine)
    assert [(r["操作"], r["原因"]) for r in history_table(mine)] == [
        ("提交审核", ""), ("退回", "请上传<b>清晰</b>的营业执照"), ("提交审核", ""), ("审核通过", "")]


def test_history_is_not_shown_outside_the_jurisdiction(app) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from services.core.errors import NotFound
    create_account("hist_co2", PASSWORD, ["enterprise"], phone="13800000002")
    org_id = registration.submit_org(actor_of("hist_co2"), org_form("320102"))
    other = make_admin("320106")                      # 鼓楼区: not this organisation's
    with pytest.raises(NotFound):
        registration.review_history(other, org_id)
    create_account("hist_co3", PASSWORD, ["enterprise"], phone="13800000003")
    with pytest.raises(NotFound):                     # another applicant
        registration.review_history(actor_of("hist_co3"), org_id)
    assert [r.action for r in registration.review_history(make_admin("320100"), org_id)] == ["提交审核"]
