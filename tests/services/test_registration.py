"""Self-registration and its review: validation, uniqueness, idempotency, audit."""
import pytest
from sqlalchemy import func, select

from db.account import Account
from db.audit import AuditLog
from db.engine import session_scope
from db.organisation import Organisation
from services.identity import auth
from services.orgs import registration
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import PASSWORD, actor_of, credit_code, make_admin, org_form


def _register(username: str = "newcorp", kind: str = "enterprise", rid: str | None = None) -> int:
    return registration.register_account(kind, username, PASSWORD, PASSWORD, "13912345678", "a@b.cn", request_id=rid)


def _count(model) -> int:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_account_step_validates_each_field(db: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        registration.register_account("enterprise", "1x", "abc", "abd", "12345", "bad-mail")
    problems = err.value.problems
    assert set(problems) == {"用户名", "手机号", "密码", "确认密码", "电子邮箱"}
    assert any("11 位" in m for m in problems["手机号"])
    assert any("8–18" in m for m in problems["密码"])
    assert _count(Account) == 0


def test_duplicate_username_and_double_submit(db: str) -> None:
    first = _register(rid="r1")
    assert _register(rid="r1") == first  # the same click replayed: nothing twice
    assert _count(Account) == 1
    with pytest.raises(ValidationFailed, match="已被注册"):
        _register(rid="r2")


def test_org_step_names_fields_and_rules(db: str) -> None:
    _register()
    actor = actor_of("newcorp")
    bad = org_form(name="", credit_code="91350100M000100Y44", region_code="320100", industry_code="C",
                   employees="-3", mobile="12", phone="")
    with pytest.raises(ValidationFailed) as err:
        registration.submit_org(actor, bad)
    p = err.value.problems
    assert "必填" in p["企业名称"][0]
    assert "GB 32100" in p["统一社会信用代码"][0]
    assert "区县" in p["所在地区"][0]
    assert "小类" in p["所属行业"][0]
    assert "负数" in p["上年末从业人数（人）"][0]
    assert p["手机"] == ["手机：须为以 1 开头的 11 位数字。"]
    assert _count(Organisation) == 0


def test_size_is_computed_not_typed(db: str) -> None:
    _register()
    actor = actor_of("newcorp")
    org_id = registration.submit_org(actor, org_form(industry_code="3411", employees="320", revenue_k="50000",
                                                     details={"size": "大型"}))
    org = registration.my_org(actor_of("newcorp"))
    assert org.id == org_id and org.size == "中型" and org.status == "pending"
    assert org.region_name == "江苏省 / 南京市 / 玄武区"
    with pytest.raises(ValidationFailed, match="营业收入"):
        _register("other1")
        registration.submit_org(actor_of("other1"), org_form(revenue_k=""))


def test_duplicates_get_the_manuals_message(db: str) -> None:
    _register("first1")
    form = org_form()
    registration.submit_org(actor_of("first1"), form)
    _register("second2")
    with pytest.raises(ValidationFailed) as err:
        registration.submit_org(actor_of("second2"), {**form})
    assert err.value.problems["企业名称"] == [f"企业名称：该名称已注册。{registration.DUPLICATE_HINT}"]
    assert err.value.problems["统一社会信用代码"] == [f"统一社会信用代码：该代码已注册。{registration.DUPLICATE_HINT}"]
    assert "联系所在地区管理员" in registration.DUPLICATE_HINT
    # Only the name taken: only the name is reported.
    with pytest.raises(ValidationFailed) as err:
        registration.submit_org(actor_of("second2"), {**org_form(), "name": form["name"]})
    assert set(err.value.problems) == {"企业名称"}


def test_double_submit_creates_one_org_and_pending_cannot_resubmit(db: str) -> None:
    _register()
    actor = actor_of("newcorp")
    form = org_form()
    a = registration.submit_org(actor, form, request_id="click-1")
    b = registration.submit_org(actor, form, request_id="click-1")
    assert a == b and _count(Organisation) == 1
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "registration.submitted")) == 1
    with pytest.raises(Conflict, match="等待"):
        registration.submit_org(actor, form, request_id="click-2")


def test_draft_survives_a_closed_browser(db: str) -> None:
    _register()
    registration.save_draft(actor_of("newcorp"), "registration", {"name": "半成品", "employees": "12"})
    assert registration.load_draft(actor_of("newcorp"), "registration") == {"name": "半成品", "employees": "12"}


def test_review_approve_and_return_with_reason(db: str) -> None:
    _register()
    applicant = actor_of("newcorp")
    org_id = registration.submit_org(applicant, org_form())
    admin = make_admin("320102")
    assert [o.id for o in registration.review_queue(admin)] == [org_id]
    with pytest.raises(ValidationFailed, match="退回原因"):
        registration.return_for_changes(admin, org_id, " ")
    registration.return_for_changes(admin, org_id, "营业执照照片不清晰", request_id="ret-1")
    registration.return_for_changes(admin, org_id, "营业执照照片不清晰", request_id="ret-1")  # replay: no error
    org = registration.my_org(applicant)
    assert org.status == "returned" and org.return_reason == "营业执照照片不清晰"
    with pytest.raises(Conflict):
        registration.approve(admin, org_id)
    registration.submit_org(applicant, {**org_form(), "name": org.name, "credit_code": org.credit_code})
    registration.approve(admin, org_id)
    assert registration.my_org(applicant).status == "approved"
    with session_scope() as s:
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.target_type == "organisation",
                                                               AuditLog.target_id == str(org_id))
                                 .order_by(AuditLog.id)))
    assert actions == ["registration.submitted", "registration.returned", "registration.submitted",
                       "registration.approved"]


def test_enterprise_cannot_review(db: str) -> None:
    _register()
    applicant = actor_of("newcorp")
    org_id = registration.submit_org(applicant, org_form())
    with pytest.raises(PermissionDenied):
        registration.review_queue(applicant)
    with pytest.raises(PermissionDenied):
        registration.approve(applicant, org_id)


def test_unique_credit_code_under_concurrent_submit(db: str) -> None:
    """Two applicants racing with the same code: exactly one wins, the other gets a clear message."""
    import threading
    code = credit_code()
    actors = []
    for name in ("race1", "race2"):
        _register(name)
        actors.append(actor_of(name))
    results: list[str] = []

    def go(actor, idx):  # type: ignore[no-untyped-def]
        try:
            registration.submit_org(actor, org_form(credit_code=code, name=f"竞争{idx}有限公司"))
            results.append("ok")
        except Exception as err:  # noqa: BLE001 - anything else is recorded and fails the test below
            results.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=go, args=(a, i)) for i, a in enumerate(actors)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results.count("ok") == 1, results
    loser = next(r for r in results if r != "ok")
    assert loser.startswith(("Conflict", "ValidationFailed")) and "联系所在地区管理员" in loser, loser


def test_admin_corrects_org_with_optimistic_lock(db: str) -> None:
    from tests.factories import make_org
    org_id = make_org("320102", status="approved")
    admin = make_admin("320100")
    view = registration.org_for_admin(admin, org_id)
    form = {k: getattr(view, k) for k in registration.ORG_FIELDS}
    form.update(name="更正后的名称有限公司", employees="400", revenue_k="30000", region_code="320106",
                legal_rep="王五", contact_name="赵六", phone="025-84561234")
    registration.admin_update_org(admin, org_id, form, view.version)
    after = registration.org_for_admin(admin, org_id)
    assert (after.name, after.size, after.region_code, after.status) == ("更正后的名称有限公司", "中型", "320106", "approved")
    with pytest.raises(Conflict, match="已被他人修改"):  # a second admin still holding the old form
        registration.admin_update_org(admin, org_id, {**form, "name": "另一个名称有限公司"}, view.version)
    with session_scope() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "organisation.corrected"))
        assert row.detail["changed"]["name"] == [view.name, "更正后的名称有限公司"]
        assert row.detail["changed"]["size"] == ["小型", "中型"]


def test_county_admin_cannot_move_org_out_of_jurisdiction(db: str) -> None:
    from tests.factories import make_org
    org_id = make_org("320102", status="approved")
    xw = make_admin("320102")
    view = registration.org_for_admin(xw, org_id)
    form = {**{k: getattr(view, k) for k in registration.ORG_FIELDS}, "region_code": "320106"}
    with pytest.raises(PermissionDenied):
        registration.admin_update_org(xw, org_id, form, view.version)
    with pytest.raises(NotFound):
        registration.org_for_admin(make_admin("320106"), make_org("320102"))
