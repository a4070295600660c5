"""A county admin cannot see or act on an organisation of another county, through any service."""
import pytest

from services import orgs

from services.identity import accounts

from services.orgs import registration
from services.identity.accounts import create_account
from services.core.errors import NotFound, PermissionDenied, ServiceError
from tests.factories import PASSWORD, actor_of, make_admin, make_enterprise_user, make_org

XUANWU, GULOU, SHENZHEN = "320102", "320106", "440304"


@pytest.fixture
def world(db: str) -> dict:
    """Two counties of Nanjing and one district of Shenzhen, each with a pending org and a user."""
    w: dict = {}
    for code in (XUANWU, GULOU, SHENZHEN):
        w[code] = make_org(code, status="pending")
        create_account(f"user{code}", PASSWORD, ["enterprise"], org_id=w[code], phone="13800000000")
    return w


def _queue_ids(actor) -> set[int]:  # type: ignore[no-untyped-def]
    return {o.id for o in registration.review_queue(actor)}


def _account_orgs(actor) -> set[int]:  # type: ignore[no-untyped-def]
    return {a.org_id for a in accounts.search_accounts(actor) if a.org_id}


def test_county_admin_sees_only_own_county(world: dict) -> None:
    xw = make_admin(XUANWU)
    assert _queue_ids(xw) == {world[XUANWU]}
    assert _account_orgs(xw) == {world[XUANWU]}
    assert orgs.overview(xw).total == 1


def test_county_admin_cannot_act_on_another_county(world: dict) -> None:
    xw = make_admin(XUANWU)
    other_org = world[GULOU]
    with pytest.raises(PermissionDenied):
        registration.approve(xw, other_org)
    with pytest.raises(PermissionDenied):
        registration.return_for_changes(xw, other_org, "越权退回")
    other_account = next(a for a in accounts.search_accounts(make_admin(None)) if a.org_id == other_org)
    for action in (lambda: accounts.reset_password(xw, other_account.id, "Hack@pass99"),
                   lambda: accounts.set_status(xw, other_account.id, "disabled"),
                   lambda: accounts.admin_update(xw, other_account.id, "x", "13900000000", "")):
        with pytest.raises(NotFound):
            action()
    assert registration.my_org(actor_of(f"user{GULOU}")).status == "pending"  # untouched


def test_city_province_national_scopes(world: dict) -> None:
    nj, js, gd, cn = make_admin("320100"), make_admin("320000"), make_admin("440000"), make_admin(None)
    assert _queue_ids(nj) == {world[XUANWU], world[GULOU]}
    assert _queue_ids(js) == {world[XUANWU], world[GULOU]}
    assert _queue_ids(gd) == {world[SHENZHEN]}
    assert _queue_ids(cn) == set(world.values())
    registration.approve(nj, world[GULOU])
    with pytest.raises(PermissionDenied):
        registration.approve(gd, world[XUANWU])


def test_admins_manage_lower_admins_only_inside(world: dict) -> None:
    xw = make_admin(XUANWU, "xw_admin")
    js = make_admin("320000", "js_admin")
    gd = make_admin("440000", "gd_admin")
    assert "xw_admin" in {a.username for a in accounts.search_accounts(js)}
    assert "xw_admin" not in {a.username for a in accounts.search_accounts(gd)}
    assert "js_admin" not in {a.username for a in accounts.search_accounts(xw)}  # not upwards
    with pytest.raises(NotFound):
        accounts.reset_password(gd, xw.account_id, "Other@pass77")
    accounts.reset_password(js, xw.account_id, "Other@pass77")


def test_enterprise_sees_nothing_administrative(world: dict) -> None:
    user = actor_of(f"user{XUANWU}")
    for call in (lambda: registration.review_queue(user), lambda: accounts.search_accounts(user),
                 lambda: orgs.overview(user), lambda: registration.approve(user, world[XUANWU])):
        with pytest.raises(ServiceError):
            call()


def test_enterprise_own_org_only(db: str) -> None:
    a, org_a = make_enterprise_user(XUANWU, status="returned")
    b, _ = make_enterprise_user(GULOU, status="returned")
    assert registration.my_org(a).id == org_a
    assert registration.my_org(b).id != org_a
