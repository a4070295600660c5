"""用户管理 role × action matrix (issue 14, item 3): an administrator manages only accounts of lower
rank inside the jurisdiction — never peers, superiors, other roles' reviewers or themselves.

Every account manager of the demo (sysadmin, national, province, city, county) is tried against
every kind of target on every action: listed by the search, 修改信息, 重置密码, 停用. The
expected table is written out below; a refused action must leave the account untouched.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from db.account import Account
from db.engine import session_scope
from services.identity import accounts, auth
from services.identity.accounts import create_account
from services.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from services.core.permissions import Actor
from tests.factories import PASSWORD, actor_of, make_org

ACTORS = ("sysadmin", "admin_cn", "admin_js", "admin_nj", "admin_xw")

# target: (role, region of an administrator / 终审, region of the organisation) — as in services/core/demo.py
TARGETS: dict[str, tuple[str, str | None, str | None]] = {
    "sysadmin": ("sysadmin", None, None),
    "sysadmin_2": ("sysadmin", None, None),
    "admin_cn": ("admin_national", None, None),
    "admin_cn_2": ("admin_national", None, None),
    "admin_js": ("admin_province", "320000", None),
    "admin_js_2": ("admin_province", "320000", None),
    "admin_gd": ("admin_province", "440000", None),
    "admin_nj": ("admin_city", "320100", None),
    "admin_nj_2": ("admin_city", "320100", None),
    "admin_sz": ("admin_city", "440300", None),
    "admin_xw": ("admin_county", "320102", None),
    "admin_xw_2": ("admin_county", "320102", None),
    "admin_gl": ("admin_county", "320106", None),
    "final_js": ("final_reviewer", "320000", None),
    "operator": ("operator", None, None),
    "expert": ("expert", None, None),
    "assessor": ("assessor", None, None),
    "qiye_xw": ("enterprise", None, "320102"),
    "qiye_gl": ("enterprise", None, "320106"),
    "qiye_sz": ("enterprise", None, "440304"),
    "fuwu_xw": ("provider", None, "320102"),
    "fuwu_staff_xw": ("provider_staff", None, "320102"),
}

# Y = may view and change; - = not listed, every action refused. Columns follow ACTORS.
MATRIX = """
target          sysadmin admin_cn admin_js admin_nj admin_xw
sysadmin        -        -        -        -        -
sysadmin_2      -        -        -        -        -
admin_cn        Y        -        -        -        -
admin_cn_2      Y        -        -        -        -
admin_js        Y        Y        -        -        -
admin_js_2      Y        Y        -        -        -
admin_gd        Y        Y        -        -        -
admin_nj        Y        Y        Y        -        -
admin_nj_2      Y        Y        Y        -        -
admin_sz        Y        Y        -        -        -
admin_xw        Y        Y        Y        Y        -
admin_xw_2      Y        Y        Y        Y        -
admin_gl        Y        Y        Y        Y        -
final_js        Y        -        -        -        -
operator        Y        -        -        -        -
expert          Y        -        -        -        -
assessor        Y        -        -        -        -
qiye_xw         Y        Y        Y        Y        Y
qiye_gl         Y        Y        Y        Y        -
qiye_sz         Y        Y        -        -        -
fuwu_xw         Y        Y        Y        Y        Y
fuwu_staff_xw   Y        Y        Y        Y        Y
"""


def expected() -> dict[str, set[str]]:
    """Return actor -> the targets it may manage, read from MATRIX."""
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    assert tuple(header) == ACTORS and [r[0] for r in rows] == list(TARGETS)
    return {actor: {r[0] for r in rows if r[1 + i] == "Y"} for i, actor in enumerate(ACTORS)}


def _world() -> dict[str, int]:
    """Create every target account; return username -> account id."""
    ids = {}
    for username, (role, region_code, org_region) in TARGETS.items():
        org_id = make_org(org_region, status="approved", kind="provider" if role != "enterprise" else "enterprise") \
            if org_region else None
        ids[username] = create_account(username, PASSWORD, [role], region_code=region_code, org_id=org_id,
                                       phone="13900000000")
    return ids


def _state(account_id: int) -> tuple[str, str, str, str | None]:
    with session_scope() as session:
        a = session.get(Account, account_id)
        assert a is not None
        return a.display_name, a.password_hash, a.status, a.phone


ACTIONS: dict[str, Callable[[Actor, int], object]] = {
    "update": lambda actor, target: accounts.admin_update(actor, target, "改名测试", "13711112222", ""),
    "reset_password": lambda actor, target: accounts.reset_password(actor, target, "Taken@over99"),
    "set_status": lambda actor, target: accounts.set_status(actor, target, "disabled"),
}


@pytest.mark.parametrize("actor_name", ACTORS)
def test_account_management_matrix(db: str, actor_name: str) -> None:
    ids = _world()
    actor = actor_of(actor_name)
    allowed = expected()[actor_name]
    problems: list[str] = []

    listed = {a.username for a in accounts.search_accounts(actor)}
    if listed != allowed:
        problems.append(f"search lists {sorted(listed - allowed)} it must not, misses {sorted(allowed - listed)}")
    for target, account_id in ids.items():
        for action, call in ACTIONS.items():
            before = _state(account_id)
            try:
                call(actor, account_id)
                done = True
            except (PermissionDenied, NotFound):
                done = False
            except ValidationFailed as err:  # a rule of the action itself, not the rank check
                problems.append(f"{action} {target}: {err}")
                continue
            if done != (target in allowed):
                problems.append(f"{action} {target}: {'allowed' if done else 'refused'}, "
                                f"expected {'allowed' if target in allowed else 'refused'}")
            if not done and _state(account_id) != before:
                problems.append(f"{action} {target}: refused but the account changed")
            if done and action == "set_status":
                accounts.set_status(actor, account_id, "active")  # the next actor-run starts from the same state
    assert not problems, f"{actor_name}:\n" + "\n".join(problems)


def test_takeover_of_final_reviewer_refused(db: str) -> None:
    """The attack from the issue: admin_js resets final_js (工信厅终审) and signs in with its rights."""
    ids = _world()
    with pytest.raises(PermissionDenied):
        accounts.reset_password(actor_of("admin_js"), ids["final_js"], "Taken@over99")
    with pytest.raises(ServiceError):
        auth.sign_in("final_js", "Taken@over99", "attacker")


def test_own_password_only_with_the_old_one(db: str) -> None:
    """An administrator changes their own password in 个人中心 (old password required), never in 用户管理."""
    ids = _world()
    me = actor_of("admin_xw")
    with pytest.raises(PermissionDenied, match="个人中心"):
        accounts.reset_password(me, ids["admin_xw"], "Without@old99")
    with pytest.raises(ValidationFailed, match="原密码"):
        accounts.change_password(me, "Wrong@pass11", "Without@old99", "Without@old99")
    accounts.change_password(me, PASSWORD, "With@old9999", "With@old9999")
    with session_scope() as session:
        assert session.scalar(select(Account.username).where(Account.id == ids["admin_xw"])) == "admin_xw"
    assert auth.sign_in("admin_xw", "With@old9999", "c")[0]
