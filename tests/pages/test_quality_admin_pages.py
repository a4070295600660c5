"""质量自评估查询 and 质量等级统计 through the real app as a city administrator: only the jurisdiction's
assessments, a filter narrows, the export holds the counted rows; the statistics show the count and
the stacked tier charts, and an enterprise cannot open either page."""
from __future__ import annotations

import io

import openpyxl
from streamlit.testing.v1 import AppTest

from tests.factories import PASSWORD, make_admin, make_enterprise_user, make_org
from tests.pages.conftest import sign_in
from tests.pages.helpers import assert_clean, by_label, joined, texts
from tests.pages.test_admin_list import served  # noqa: F401  (fixture)
from tests.quality.attempts import completed, publish

ADMIN, STATS = "pages/quality/quality_admin.py", "pages/quality/quality_stats.py"


def _world() -> str:
    vid = publish()
    completed(vid, make_org("320102", status="approved", name="玄武公司"), 3)
    completed(vid, make_org("320106", status="approved", name="鼓楼公司"), 1)
    completed(vid, make_org("440304", status="approved", name="深圳公司"), 5)
    return make_admin("320100").username


def _open(app: AppTest, username: str, page: str) -> AppTest:
    at = sign_in(app, username, PASSWORD)
    at.switch_page(page).run()
    assert_clean(at)
    return at


def test_the_list_shows_the_jurisdiction_filters_and_exports(app: AppTest, served) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    at = _open(app, _world(), ADMIN)
    assert "质量自评估查询" in [t.value for t in at.title]
    frame = at.dataframe[0].value
    assert sorted(frame["企业名称"]) == ["玄武公司", "鼓楼公司"]
    assert set(frame.columns) >= {"总体等级", "6.2 质量管理体系的有效性", "完成时间", "统一社会信用代码"}
    at.selectbox(key="qa_tier").set_value(1).run()
    assert list(at.dataframe[0].value["企业名称"]) == ["鼓楼公司"]
    assert any(c.startswith("共 1 条记录") for c in texts(at.caption))
    by_label(at.button, "导出全部 1 条为 Excel").click().run()
    assert_clean(at)
    data = next(iter(served.values()))
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["鼓楼公司"]


def test_the_statistics_show_counts_and_stacked_tiers(app: AppTest) -> None:
    at = _open(app, _world(), STATS)
    assert "2" in [m.value for m in at.metric]
    assert "每家企业只计最新一次" in joined(at.caption)
    frame = at.dataframe[0].value
    assert sorted(frame["地区"]) == ["玄武区", "鼓楼区"] and list(frame.columns[:2]) == ["地区", "企业数"]
    at.radio(key="qs_by").set_value("按行业").run()
    assert_clean(at)
    assert [tuple(r) for r in at.dataframe[0].value[["行业", "企业数", "经验级", "保证级"]].values] == [("通用设备制造业", 2, 1, 1)]
    at.selectbox(key="qs_parent").set_value("320102").run()
    assert_clean(at)
    assert [m.value for m in at.metric] == ["1"]


def test_an_enterprise_cannot_open_the_admin_pages(app: AppTest) -> None:
    user, _ = make_enterprise_user("320102")
    at = sign_in(app, user.username, PASSWORD)
    for page in (ADMIN, STATS):
        try:
            at.switch_page(page).run()
        except ValueError:
            continue  # not registered for this user
        assert "您无权访问此页面。" in joined(at.error)


def test_examples_dialog_per_clause_and_the_browse_page(app: AppTest) -> None:
    from services.forms import definitions
    from tests.pages.test_quality_pages import _start
    definitions.sync_specs()
    user, _ = make_enterprise_user()
    at = _open(app, user.username, "pages/quality/quality_assess.py")
    _start(at)
    assert len([b for b in at.button if b.label == "评估示例"]) == 10      # one per clause of 6.2.1
    at.button(key="qex_c621_21").click().run()
    assert_clean(at)
    shown_md = joined(at.markdown)
    assert "6.2.1.2.1 交付前按顾客要求检验产品" in shown_md and "出厂检验规程.pdf" in shown_md
    assert "本条款示例 1/1 · 全部示例第 4/134 个" in joined(at.caption)
    at.button(key="qex_pos_next").click().run()
    assert "6.2.1.2.2 建立顾客投诉台账并定期统计" in joined(at.markdown)
    for _ in range(3):
        at.button(key="qex_pos_prev").click().run()
    assert "本条款示例 2/2 · 全部示例第 2/134 个" in joined(at.caption) and "基本符合" in joined(at.markdown)
    # the browse-all page: starts at the first example, jumps to a clause, 上一个 disabled at the start
    at.switch_page("pages/quality/quality_examples.py").run()
    assert_clean(at)
    assert at.button(key="qex_page_pos_prev").disabled
    at.selectbox(key="qex_page_jump").set_value("c643_52").run()
    assert "6.4.3.5.2 获得省级以上质量奖项" in joined(at.markdown) and at.button(key="qex_page_pos_next").disabled
    assert "尚未获得省级以上质量奖项。" in joined(at.info)
