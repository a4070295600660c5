"""认证审核: a provider's registration is certified by the platform operator; enterprises stay with the
administrators of their region.

The rule chosen: an operator sees and acts on providers only (every region: the operator is national);
a regional (or national) administrator sees and acts on enterprises only — providers no longer appear in
注册审核 nor may an administrator approve or return them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.notify import Notification
from db.organisation import Organisation
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.orgs import registration
from tests.factories import make_admin, make_org
from tests.market.factories import make_person, make_provider


def status(org_id: int) -> str:
    with session_scope() as s:
        org = s.get(Organisation, org_id)
        assert org is not None
        return org.status


def test_operator_certifies_a_provider(db: str) -> None:
    operator = make_person("operator")
    applicant, org_id = make_provider("370102", status="pending")
    assert [o.id for o in registration.review_queue(operator)] == [org_id]
    assert registration.review_counts(operator) == {"pending": 1}
    registration.approve(operator, org_id, request_id="c1")
    registration.approve(operator, org_id, request_id="c1")        # double submit: nothing twice
    assert status(org_id) == "approved"
    with pytest.raises(Conflict):
        registration.approve(operator, org_id)
    history = registration.review_history(operator, org_id)
    assert [(h.action, h.to_state) for h in history][-1] == ("认证通过", "已通过")
    with session_scope() as s:
        titles = list(s.scalars(select(Notification.title).where(Notification.account_id == applicant.account_id)))
    assert titles == ["服务商认证已通过"]


def test_operator_returns_a_provider_with_a_reason(db: str) -> None:
    operator = make_person("operator")
    _, org_id = make_provider("370102", status="pending")
    with pytest.raises(ValidationFailed, match="退回原因"):
        registration.return_for_changes(operator, org_id, "x")
    registration.return_for_changes(operator, org_id, "营业执照图片不清晰")
    assert status(org_id) == "returned"
    assert registration.review_queue(operator, status="returned")[0].return_reason == "营业执照图片不清晰"


def test_operator_cannot_see_or_approve_an_enterprise(db: str) -> None:
    operator = make_person("operator")
    ent = make_org("370102", status="pending")
    _, prov = make_provider("370102", status="pending")
    assert [o.id for o in registration.review_queue(operator)] == [prov]
    with pytest.raises(PermissionDenied):
        registration.approve(operator, ent)
    with pytest.raises(PermissionDenied):
        registration.return_for_changes(operator, ent, "资料不全请补充")
    with pytest.raises(NotFound):
        registration.review_history(operator, ent)
    assert status(ent) == "pending"


def test_regional_admin_reviews_enterprises_only(db: str) -> None:
    admin = make_admin("370102")
    national = make_admin(None)
    ent = make_org("370102", status="pending")
    _, prov = make_provider("370102", status="pending")
    assert [o.id for o in registration.review_queue(admin)] == [ent]
    assert [o.id for o in registration.review_queue(national)] == [ent]
    assert registration.review_counts(admin) == {"pending": 1}
    with pytest.raises(PermissionDenied):
        registration.approve(admin, prov)
    with pytest.raises(PermissionDenied):
        registration.return_for_changes(national, prov, "资料不全请补充")
    assert status(prov) == "pending"
    registration.approve(admin, ent)
    assert status(ent) == "approved"


def test_other_people_cannot_review(db: str) -> None:
    expert = make_person("expert")
    _, prov = make_provider("370102", status="pending")
    with pytest.raises(PermissionDenied):
        registration.review_queue(expert)
    with pytest.raises(PermissionDenied):
        registration.approve(expert, prov)
    assert registration.can_review(make_person("operator")) and not registration.can_review(expert)


def _png() -> bytes:
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 90, 200)).save(buf, format="PNG")
    return buf.getvalue()


def test_the_reviewer_sees_the_licence_image_and_nobody_else(db: str) -> None:
    from tests.factories import make_enterprise_user
    operator = make_person("operator")
    applicant, org_id = make_provider("370102", status="pending")
    data = _png()
    file_id = registration.store_license(applicant, data, "执照.png")
    with session_scope() as s:
        org = s.get(Organisation, org_id)
        assert org is not None
        org.details = {**(org.details or {}), "license_file_id": file_id}
    assert registration.license_image(operator, org_id) == (data, "image/png")
    assert registration.license_image(applicant, org_id) == (data, "image/png")
    other, _ = make_provider("370102")
    buyer, _ = make_enterprise_user("370102")
    for stranger in (other, buyer, make_admin("370102")):
        with pytest.raises(NotFound):
            registration.license_image(stranger, org_id)


def test_review_keyword_is_literal_and_bounded(db: str) -> None:
    operator = make_person("operator")
    _, org_id = make_provider("370102", status="pending")
    assert registration.review_queue(operator, keyword="%") == []          # not a wildcard
    assert registration.review_queue(operator, keyword="_") == []
    assert [o.id for o in registration.review_queue(operator, keyword="")] == [org_id]
    with pytest.raises(ValidationFailed, match="关键词不能超过 50 个字符"):
        registration.review_queue(operator, keyword="字" * 51)
