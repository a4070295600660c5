"""Issue 14 item 2 — who may change a definition: every administrator level × every owner scope ×
every action, against an explicit table, on SQLite and PostgreSQL.

Owner scopes: 全国 (national) or a region. Only an administrator holding 问卷设计 whose jurisdiction
contains the owner region may publish, update, stop or version a definition; a national one only a
national administrator or the system administrator. A copy by anyone else is a new definition of
the copier's scope. City and county administrators do not hold 问卷设计 at all.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from db.base import utcnow
from db.engine import session_scope
from db.forms import FormDefinition, FormVersion
from services.core.errors import PermissionDenied
from services.forms import definitions
from services.core.permissions import Actor
from tests.factories import make_admin

ACTORS: dict[str, tuple[str | None, str | None]] = {  # username: (jurisdiction, role when not the admin of it)
    "admin_cn": (None, None), "sysadmin": (None, "sysadmin"), "admin_js": ("320000", None),
    "admin_gd": ("440000", None), "admin_nj": ("320100", None), "admin_sz": ("440300", None),
    "admin_xw": ("320102", None)}
OWNERS: dict[str, str | None] = {"全国": None, "江苏省": "320000", "广东省": "440000", "南京市": "320100",
                                 "深圳市": "440300", "玄武区": "320102"}

# ok      the action was carried out
# denied  PermissionDenied with a Chinese message, and nothing changed
# version 复制为新草稿 made a new draft version of the same definition
# new     the copy is a new definition (new code) owned by the copier's jurisdiction
TABLE = """
actor     action       全国     江苏省   广东省   南京市   深圳市   玄武区
admin_cn  update       ok       ok       ok       ok       ok       ok
admin_cn  publish      ok       ok       ok       ok       ok       ok
admin_cn  stop         ok       ok       ok       ok       ok       ok
admin_cn  new_version  ok       ok       ok       ok       ok       ok
admin_cn  copy         version  version  version  version  version  version
admin_cn  copy_as      new      new      new      new      new      new
sysadmin  update       ok       ok       ok       ok       ok       ok
sysadmin  publish      ok       ok       ok       ok       ok       ok
sysadmin  stop         ok       ok       ok       ok       ok       ok
sysadmin  new_version  ok       ok       ok       ok       ok       ok
sysadmin  copy         version  version  version  version  version  version
sysadmin  copy_as      new      new      new      new      new      new
admin_js  update       denied   ok       denied   ok       denied   ok
admin_js  publish      denied   ok       denied   ok       denied   ok
admin_js  stop         denied   ok       denied   ok       denied   ok
admin_js  new_version  denied   ok       denied   ok       denied   ok
admin_js  copy         new      version  denied   version  denied   version
admin_js  copy_as      new      new      denied   new      denied   new
admin_gd  update       denied   denied   ok       denied   ok       denied
admin_gd  publish      denied   denied   ok       denied   ok       denied
admin_gd  stop         denied   denied   ok       denied   ok       denied
admin_gd  new_version  denied   denied   ok       denied   ok       denied
admin_gd  copy         new      denied   version  denied   version  denied
admin_gd  copy_as      new      denied   new      denied   new      denied
admin_nj  update       denied   denied   denied   denied   denied   denied
admin_nj  publish      denied   denied   denied   denied   denied   denied
admin_nj  stop         denied   denied   denied   denied   denied   denied
admin_nj  new_version  denied   denied   denied   denied   denied   denied
admin_nj  copy         denied   denied   denied   denied   denied   denied
admin_nj  copy_as      denied   denied   denied   denied   denied   denied
admin_sz  update       denied   denied   denied   denied   denied   denied
admin_sz  publish      denied   denied   denied   denied   denied   denied
admin_sz  stop         denied   denied   denied   denied   denied   denied
admin_sz  new_version  denied   denied   denied   denied   denied   denied
admin_sz  copy         denied   denied   denied   denied   denied   denied
admin_sz  copy_as      denied   denied   denied   denied   denied   denied
admin_xw  update       denied   denied   denied   denied   denied   denied
admin_xw  publish      denied   denied   denied   denied   denied   denied
admin_xw  stop         denied   denied   denied   denied   denied   denied
admin_xw  new_version  denied   denied   denied   denied   denied   denied
admin_xw  copy         denied   denied   denied   denied   denied   denied
admin_xw  copy_as      denied   denied   denied   denied   denied   denied
"""


def _expected() -> dict[str, dict[tuple[str, str], str]]:
    lines = [line.split() for line in TABLE.strip().splitlines()]
    owners = lines[0][2:]
    out: dict[str, dict[tuple[str, str], str]] = {}
    for actor, action, *cells in lines[1:]:
        out.setdefault(actor, {}).update({(action, owner): cell for owner, cell in zip(owners, cells, strict=True)})
    return out


EXPECTED = _expected()
ACTIONS = ["update", "publish", "stop", "new_version", "copy", "copy_as"]


def doc(code: str, title: str = "归属测试问卷") -> dict[str, Any]:
    return {"code": code, "kind": "survey", "title": title,
            "sections": [{"name": "s", "title": "基本情况", "questions": [{"name": "q", "type": "integer", "label": "人数"}]}]}


def make_definition(code: str, owner_region: str | None) -> tuple[int, int]:
    """Insert a definition owned by ``owner_region`` with v1 published and v2 a draft (set-up for a test);
    return (published id, draft id)."""
    with session_scope() as session:
        d = FormDefinition(code=code, kind="survey", title="归属测试问卷", owner_region=owner_region)
        session.add(d)
        session.flush()
        v1 = FormVersion(definition_id=d.id, version=1, status="published", content={**doc(code), "version": 1},
                         published_at=utcnow())
        v2 = FormVersion(definition_id=d.id, version=2, status="draft", content={**doc(code), "version": 2})
        session.add_all([v1, v2])
        session.flush()
        return v1.id, v2.id


def snapshot() -> list[tuple[Any, ...]]:
    """Every definition's code, owner and versions with their status and title."""
    with session_scope() as session:
        return [tuple(r) for r in session.execute(
            select(FormDefinition.code, FormDefinition.owner_region, FormVersion.version, FormVersion.status,
                   FormVersion.content["title"].as_string()).join(FormVersion)
            .order_by(FormDefinition.code, FormVersion.version))]


def definition_of(version_id: int) -> FormDefinition:
    with session_scope() as session:
        v = session.get(FormVersion, version_id)
        assert v is not None
        d = session.get(FormDefinition, v.definition_id)
        assert d is not None
        session.expunge(d)
        return d


def attempt(actor: Actor, action: str, code: str, published: int, draft: int) -> str:
    """Carry out one action; return its outcome in the table's words."""
    acts: dict[str, Callable[[], Any]] = {
        "update": lambda: definitions.update_content(actor, draft, doc(code, "改过的标题")),
        "publish": lambda: definitions.publish(actor, draft),
        "stop": lambda: definitions.stop(actor, published),
        "new_version": lambda: definitions.save_draft(actor, doc(code, "导入的新版本")),
        "copy": lambda: definitions.copy_to_draft(actor, published),
        "copy_as": lambda: definitions.copy_to_draft(actor, published, new_code=f"{code}_as"),
    }
    before = snapshot()
    try:
        result = acts[action]()
    except PermissionDenied as err:
        assert re.search("[\u4e00-\u9fff]", str(err)) and "Error" not in str(err)
        assert snapshot() == before, "a refused action changed nothing"
        return "denied"
    if action not in ("copy", "copy_as"):
        return "ok"
    original, copy = definition_of(published), definition_of(result)
    if copy.id == original.id:
        return "version"
    assert copy.owner_region == actor.region_code, "a copy belongs to the copier's jurisdiction"
    assert [r for r in snapshot() if r[0] == code] == [r for r in before if r[0] == code], \
        "the original definition is untouched by a copy"
    return "new"


@pytest.mark.parametrize("username", list(ACTORS))
def test_role_action_matrix(db: str, username: str) -> None:
    region, role = ACTORS[username]
    actor = make_admin(region, username, role)
    actual: dict[tuple[str, str], str] = {}
    for i, (owner, owner_region) in enumerate(OWNERS.items()):
        for j, action in enumerate(ACTIONS):
            code = f"own_{i}_{j}"
            published, draft = make_definition(code, owner_region)
            actual[(action, owner)] = attempt(actor, action, code, published, draft)
    assert actual == EXPECTED[username]


def test_new_definitions_take_the_creators_scope(db: str) -> None:
    cn, js, sys = make_admin(None, "admin_cn"), make_admin("320000", "admin_js"), make_admin(None, "sysadmin", "sysadmin")
    owners = {code: definition_of(definitions.save_draft(actor, doc(code))).owner_region
              for code, actor in (("by_cn", cn), ("by_js", js), ("by_sys", sys))}
    assert owners == {"by_cn": None, "by_js": "320000", "by_sys": None}
    definitions.sync_specs()
    with session_scope() as session:
        shipped = session.scalars(select(FormDefinition.owner_region).where(
            FormDefinition.code.in_(["sme_monthly_report", "sme_monthly_survey", "cmmm_self_diagnosis"]))).all()
    assert shipped == [None, None, None]  # specs/ are national


def test_repeated_copies_get_distinct_codes(db: str) -> None:
    js = make_admin("320000", "admin_js")
    published, _ = make_definition("needs", None)
    first, second = (definition_of(definitions.copy_to_draft(js, published)) for _ in range(2))
    assert (first.code, second.code) == ("needs_320000", "needs_320000_2")
    assert first.title == "归属测试问卷（江苏省）" and first.owner_region == second.owner_region == "320000"
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(FormVersion).join(FormDefinition)
                              .where(FormDefinition.code == "needs")) == 2  # no third version of the original


def test_the_list_shows_owner_scope_and_hides_other_provinces(db: str) -> None:
    js, cn = make_admin("320000", "admin_js"), make_admin(None, "admin_cn")
    for code, owner in (("nat", None), ("js", "320000"), ("nj", "320100"), ("gd", "440000")):
        make_definition(code, owner)
    seen = {(v.code, v.owner_label, v.changeable) for v in definitions.list_versions(js)}
    assert seen == {("nat", "全国", False), ("js", "江苏省", True), ("nj", "江苏省 / 南京市", True)}
    assert {v.code for v in definitions.list_versions(cn)} == {"nat", "js", "nj", "gd"}
    assert all(v.changeable for v in definitions.list_versions(cn))


def test_shipped_files_never_take_over_a_regional_definition(db: str) -> None:
    js = make_admin("320000", "admin_js")
    mine = definitions.save_draft(js, doc("digital_transformation_needs", "江苏的同名问卷"))
    assert "digital_transformation_needs" not in definitions.sync_specs()  # the shipped file is national
    assert [(r[1], r[3], r[4]) for r in snapshot() if r[0] == "digital_transformation_needs"] == \
        [("320000", "draft", "江苏的同名问卷")]
    assert definition_of(mine).owner_region == "320000"
