"""企业信息 of the quality self-assessment (SQLite and PostgreSQL): the definition's checks in Chinese naming
the field, 企业规模 computed from the organisation's industry and the profile's employees and revenue, the
registration's fields read-only, the latest save wins, step 1 keeps a copy with the attempt."""
from __future__ import annotations

import pytest

from db.engine import session_scope
from db.organisation import Organisation
from services.assessment import flow, quality
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.core.spec_check import check_all
from services.forms import definitions
from services.quality import profile
from tests.factories import make_admin, make_enterprise_user
from tests.quality.profile_data import valid_profile
from tests.quality.shipped import raw


@pytest.fixture
def user(db: str):  # type: ignore[no-untyped-def]
    national = make_admin(None)
    definitions.publish(national, definitions.save_draft(national, raw()))
    return make_enterprise_user("320102", background=False)[0]


def _errors(actor, answers) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as err:
        profile.save(actor, answers)
    return err.value.problems


def test_before_any_save_the_form_starts_from_the_organisation(user) -> None:  # type: ignore[no-untyped-def]
    view = profile.form(user)
    assert view.saved_at is None
    assert view.answers["employees"] == 50 and float(view.answers["main_revenue"]) == 1000   # profile.initial
    assert view.answers["contact_name"] == "李四"
    assert set(view.locked) == {"name", "credit_code", "region", "industry"}       # the org has no address
    assert view.size == "小型"                                  # 3411: 50 people, 1000 万元 → 小型 (computed)


def test_required_fields_and_rules_are_named_in_chinese(user) -> None:  # type: ignore[no-untyped-def]
    errors = _errors(user, valid_profile(contact_phone="12345", business=None, cluster="other"))
    assert any("手机或办公电话" in m and "区号-号码" in m for m in errors["手机或办公电话"])
    assert "主营业务" in errors and "其他产业集群" in errors             # "其他" asks for its text
    errors = _errors(user, valid_profile(systems=["none", "iso9001"], employees=0))
    assert errors["已通过的评定体系"] == ["已通过的评定体系：选择“暂无”时不能再选其他项。"]
    assert any(m.startswith("员工人数（人）：") for m in errors["员工人数（人）"])
    assert profile.form(user).saved_at is None                  # nothing kept


def test_size_is_computed_never_typed_and_the_latest_save_wins(user) -> None:  # type: ignore[no-untyped-def]
    saved = profile.save(user, valid_profile(size="微型", name="改名公司"))
    assert saved.size == "小型" and saved.saved_at                # 120 people, 1800 万元 in 3411 → 小型
    assert saved.answers["name"] != "改名公司"                    # the registration's name, read-only
    assert "size" not in saved.answers
    assert profile.save(user, valid_profile(park="none")).answers.get("park_other") is None  # hidden: dropped
    again = profile.save(user, valid_profile(employees=400, main_revenue=50000))
    assert again.size == "中型" and profile.form(user).answers["employees"] == 400
    rows = dict(profile.rows(again.answers, again.size))
    assert rows["经营信息·企业规模"] == "中型" and rows["经营信息·所在园区"] == "其他：江宁滨江开发区"
    assert "经营信息·其他园区" not in rows and rows["联系人·手机或办公电话"] == "025-52345678"
    assert rows["经营信息·所在产业集群"] == "新能源汽车及零部件产业集群" and rows["经营信息·专精特新属性"] == "省级专精特新中小企业"


def test_a_double_save_is_recorded_once(user) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select
    from db.audit import AuditLog
    profile.save(user, valid_profile(), request_id="r-profile-1")
    profile.save(user, valid_profile(employees=999), request_id="r-profile-1")
    assert profile.form(user).answers["employees"] == 120
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "quality.profile_saved")) == 1


def test_step_one_keeps_a_copy_with_the_attempt(user) -> None:  # type: ignore[no-untyped-def]
    aid = flow.start(quality.KIND, user, [])
    assert profile.of_attempt(user, aid) is None
    profile.confirm(user, aid, valid_profile(contact_name="赵六"))
    profile.save(user, valid_profile(contact_name="钱七"))          # a later edit on the home
    kept = profile.of_attempt(user, aid)
    assert kept is not None and kept.answers["contact_name"] == "赵六" and kept.size == "小型"
    assert profile.form(user).answers["contact_name"] == "钱七"
    other, _ = make_enterprise_user("320102", background=False)
    with pytest.raises(NotFound):
        profile.of_attempt(other, aid)
    with pytest.raises(NotFound):
        profile.confirm(other, aid, valid_profile())
    with session_scope() as s:
        from db.assessment import AssessmentAttempt
        s.get(AssessmentAttempt, aid).status = "completed"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        profile.confirm(user, aid, valid_profile())


def test_size_needs_the_industry(user) -> None:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        s.get(Organisation, user.org_id).industry_code = None  # type: ignore[union-attr]
    assert profile.size_of(type("O", (), {"industry_code": None})(), valid_profile())[0] is None
    assert "所属行业" in profile.form(user).size_note


def test_the_definition_passes_check_specs_and_its_block_is_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert [p for p in check_all() if "profiles" in p.file] == []
    broken = tmp_path / "p.yaml"
    broken.write_text(profile.PATH.read_text(encoding="utf-8").replace("revenue: main_revenue", "revenue: nothing"),
                      encoding="utf-8")
    assert [p.code for p in profile.check_file(broken)] == ["P003"]
