"""Quality self-assessment pages through the real app: 编辑企业信息 on the home (errors naming the field, size
shown computed), "否" links to the three in-app documents, step 1 prefilled and saved with the attempt,
开始新的评估 only after finishing, 自评估历史 with 继续评估, the report (tiers, charts, PDF) and the
read-only answers with evidence downloads."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services.assessment import flow, graded, quality
from services.forms import definitions, responses
from services.quality import profile
from tests.factories import PASSWORD, make_enterprise_user
from tests.pages.conftest import sign_in
from tests.pages.helpers import assert_clean, by_label, joined, shown, texts
from tests.quality.profile_data import valid_profile
from tests.quality.shipped import all_clauses, clause
from tests.quality.test_graded import _fill, _perf

ASSESS, HISTORY, DOCS = "pages/quality/quality_assess.py", "pages/quality/quality_history.py", "pages/quality/quality_docs.py"


@pytest.fixture(autouse=True)
def _model(sqlite_db: str) -> None:
    definitions.sync_specs()


def _open(app: AppTest, username: str, page: str) -> AppTest:
    at = sign_in(app, username, PASSWORD)
    at.switch_page(page).run()
    assert_clean(at)
    return at


def _finished(actor, answers=None) -> int:  # type: ignore[no-untyped-def]
    aid = flow.start(quality.KIND, actor, [])
    profile.confirm(actor, aid, valid_profile())
    rid = flow.get(quality.KIND, actor, aid).response_id
    _fill(rid, answers or all_clauses("2"))
    responses.save_section(actor, rid, "perf", _perf(), 0)
    graded.submit(quality.KIND, actor, aid)
    return aid


def _page(at: AppTest) -> str:
    return "\n".join(texts(at.markdown))


def test_edit_profile_on_the_home_names_bad_fields_and_saves(app: AppTest) -> None:
    user, _ = make_enterprise_user(background=False)
    at = _open(app, user.username, ASSESS)
    by_label(at.button, "编辑企业信息").click().run()
    assert_clean(at)
    assert at.text_input(key="q_profile_home_size").value == "小型"          # computed from the registration
    assert at.text_input(key="q_profile_home_size").disabled
    assert at.text_input(key="q_profile_home_name").disabled                 # from the registration, read-only
    at.text_input(key="q_profile_home_contact_phone").input("12345")
    at.button(key="FormSubmitter:q_profile_home-保存").click().run()
    err = joined(at.error)
    assert "手机或办公电话：须为 11 位手机号或「区号-号码」" in err and "主营业务：" in err
    assert profile.form(user).saved_at is None
    typed = {k: v for k, v in valid_profile().items()
             if k not in ("business", "systems", "above_scale", "high_tech", "srdi", "cluster", "park")}
    for name, value in typed.items():
        at.text_input(key=f"q_profile_home_{name}").input(str(value))
    at.text_area(key="q_profile_home_business").input(valid_profile()["business"])
    at.radio(key="q_profile_home_above_scale").set_value("否")
    at.radio(key="q_profile_home_high_tech").set_value("是")
    at.radio(key="q_profile_home_srdi").set_value("province")
    at.selectbox(key="q_profile_home_cluster").set_value("auto")
    at.selectbox(key="q_profile_home_park").set_value("other")
    at.checkbox(key="q_profile_home_systems__opt_iso9001").check()
    at.button(key="FormSubmitter:q_profile_home-保存").click().run()
    assert_clean(at)
    assert "企业信息已保存" in joined(at.success)
    saved = profile.form(user)
    assert saved.answers["park_other"] == "江宁滨江开发区" and saved.answers["systems"] == ["iso9001"]
    assert saved.size == "小型"


def test_no_opens_the_guidance_with_links_to_the_documents(app: AppTest) -> None:
    user, _ = make_enterprise_user(background=False)
    at = _open(app, user.username, ASSESS)
    at.radio(key="q_familiar").set_value("否").run()
    assert "自评估操作说明" in joined(at.info)
    links = at.get("page_link")
    assert [ln.proto.label for ln in links if "quality_docs" in ln.proto.page] == [
        "《制造业企业质量管理能力评估规范》要点", "培训教材", "自评估系统操作手册"]
    assert all("doc=" in ln.proto.query_string for ln in links if "quality_docs" in ln.proto.page)
    docs = _open(AppTest.from_file(app._script_path, default_timeout=60), user.username, DOCS)
    assert "经验级" in _page(docs) and "6.3 质量管理数字化" in _page(docs)
    docs.radio(key="q_doc").set_value("manual").run()
    assert "编辑企业信息" in _page(docs) and "自评估历史" in _page(docs)


def test_step_one_prefilled_and_kept_then_a_new_one_only_after_finishing(app: AppTest) -> None:
    user, _ = make_enterprise_user(background=False)
    profile.save(user, valid_profile(contact_dept="品质部"))
    at = _open(app, user.username, ASSESS)
    at.radio(key="q_familiar").set_value("是").run()
    by_label(at.button, "开始评估").click().run()
    aid = quality.current(user).id  # type: ignore[union-attr]
    assert at.radio(key="q_step").value == "企业信息"
    assert at.text_input(key=f"q_profile_{aid}_contact_dept").value == "品质部"      # prefilled
    at.text_input(key=f"q_profile_{aid}_contact_dept").input("质量管理部")
    at.button(key=f"FormSubmitter:q_profile_{aid}-下一步").click().run()
    assert_clean(at)
    assert at.radio(key="q_step").value == "条款符合性评估"
    assert profile.of_attempt(user, aid).answers["contact_dept"] == "质量管理部"    # type: ignore[union-attr]
    assert profile.form(user).answers["contact_dept"] == "质量管理部"               # the latest wins
    # finish it: the start screen now offers 开始新的评估, and the old one stays in the history
    rid = flow.get(quality.KIND, user, aid).response_id
    _fill(rid, all_clauses("2"))
    responses.save_section(user, rid, "perf", _perf(), 0)
    graded.submit(quality.KIND, user, aid)
    other = _open(AppTest.from_file(app._script_path, default_timeout=60), user.username, ASSESS)
    assert "总体等级：卓越级" in joined(other.caption)
    other.radio(key="q_familiar").set_value("是").run()
    labels = [b.label for b in other.button]
    assert "开始新的评估" in labels and "继续评估" not in labels
    by_label(other.button, "开始新的评估").click().run()
    assert_clean(other)
    assert [r.status for r in flow.history(quality.KIND, user)] == ["in_progress", "completed"]


def test_history_lists_attempts_continue_and_the_report(app: AppTest) -> None:
    user, _ = make_enterprise_user(background=False)
    answers = all_clauses("2")
    answers.update(clause("c643_41", "0"))
    done = _finished(user, answers)
    running = flow.start(quality.KIND, user, [])
    at = _open(app, user.username, HISTORY)
    page = _page(at)
    assert "已完成" in page and "保证级" in page and "评估中" in page
    assert at.metric[0].value == "保证级"                                    # the report of the finished one
    assert "6.4.3 质量文化与品牌 | 保证级" in page.replace("\\", "")
    charts = [e for e in at.main if "echarts" in str(getattr(e, "proto", ""))[:4000].lower()]
    assert len(charts) == 2                                                  # the radar and the bars
    by_label(at.button, "生成报告").click().run()
    assert_clean(at)
    assert by_label(at.get("download_button"), "下载报告（PDF）") is not None
    at.radio(key=f"qh_view_{done}").set_value("自评估情况").run()
    assert_clean(at)
    assert "6.2.1.1.1 接到顾客投诉后能够处理并答复" in _page(at) and "符合情况：**符合**" in _page(at)
    at.selectbox(key=f"qa_{done}_ind").set_value(-1).run()                  # 质量绩效参数
    assert "内部质量损失率" in _page(at)
    by_label(at.button, "继续评估").click().run()
    assert_clean(at)
    assert at.session_state["q_attempt"] == running


def test_history_is_empty_for_a_new_enterprise(app: AppTest) -> None:
    user, _ = make_enterprise_user(background=False)
    at = _open(app, user.username, HISTORY)
    assert "还没有自评估记录" in joined(at.info)


def test_the_answers_view_offers_evidence_download_and_preview(app: AppTest, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from config import settings
    from services.assessment import evidence
    from tests.quality.shipped import model
    from tests.quality.test_evidence import PDF
    import io
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format="PNG")
    PNG = buf.getvalue()
    monkeypatch.setattr(settings, "upload_dir", tmp_path)
    user, _ = make_enterprise_user(background=False)
    files = evidence.add_files(model(), "c621_11", None, [("现场照片.png", PNG), ("制度.pdf", PDF)], tmp_path)
    answers = all_clauses("2")
    answers["c621_11_files"] = files
    done = _finished(user, answers)
    at = _open(app, user.username, HISTORY)
    at.radio(key=f"qh_view_{done}").set_value("自评估情况").run()
    assert_clean(at)
    names = [shown(b.label) for b in at.get("download_button")]
    assert "现场照片.png" in names and "制度.pdf" in names
    key = f"qa_{done}_c621_11_pv_0"
    at.toggle(key=key).set_value(True).run()
    assert_clean(at)
    assert not at.warning, joined(at.warning)
    assert len(at.get("image")) == 1                                          # the image previewed in place
