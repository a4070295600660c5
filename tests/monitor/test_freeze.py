"""The key-information freeze: confirmed by an administrator, or by the system after two minutes
with no decision (manual: 等待两分钟自动审核); either way the new name is the one shown after it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

import clock
from db.account import Account
from db.engine import session_scope
from db.organisation import Organisation
from services.core.errors import Conflict
from services.monitor import freeze, reports, review
from services.monitor.review import QueueFilter
from tests.factories import actor_of
from tests.monitor.conftest import Chain, _basic, save

T0 = dt.datetime(2025, 6, 10, 9, 0, tzinfo=clock.CHINA)
NEW_NAME = "玄武新名称精密机械有限公司"


def _frozen(chain: Chain) -> int:
    with session_scope() as s:  # the enterprise's account shows the organisation's name (as in the demo)
        name = s.get(Organisation, chain.org_id).name  # type: ignore[union-attr]
        s.execute(update(Account).where(Account.id == chain.ent.account_id).values(display_name=name))
    report_id = reports.open_report(chain.ent, "2025-05")
    save(chain.ent, report_id, "basic", {**_basic(chain.ent, report_id), "org_name": NEW_NAME})
    assert review.detail(chain.ent, report_id).status == "frozen"
    return report_id


def test_frozen_two_minutes_without_a_decision_is_confirmed_by_the_system(chain: Chain) -> None:
    with clock.travel(T0, freeze=True):
        report_id = _frozen(chain)
    with clock.travel(T0 + dt.timedelta(minutes=1, seconds=59), freeze=True):
        assert review.detail(chain.ent, report_id).status == "frozen"
        assert [r.id for r in review.queue(chain.xw, QueueFilter(status="frozen"))[1]] == [report_id]
    with clock.travel(T0 + dt.timedelta(minutes=2), freeze=True):
        assert review.queue(chain.xw, QueueFilter(status="frozen")) == (0, [])  # listing settles it
        d = review.detail(chain.ent, report_id)
        assert (d.status, d.org_name, d.frozen_changes) == ("unfrozen", NEW_NAME, {})
        last = d.history[-1]
        assert (last["操作人"], last["原因"], last["状态"]) == ("系统", freeze.AUTO_REASON, "冻结 → 解除冻结")
        assert last["时间"] == "2025-06-10 09:02:00"
        with pytest.raises(Conflict, match="未处于冻结状态"):
            review.confirm_change(chain.xw, report_id)
    assert actor_of(chain.ent.username).display_name == NEW_NAME  # a fresh sign-in shows the new name


def test_reading_the_report_settles_it_too(chain: Chain) -> None:
    with clock.travel(T0, freeze=True):
        report_id = _frozen(chain)
    with clock.travel(T0 + dt.timedelta(minutes=5), freeze=True):
        row = next(r for r in reports.history(chain.ent, 2025) if r.period == "2025-05")
        assert row.status == "unfrozen"
        assert review.detail(chain.xw, report_id).org_name == NEW_NAME


def test_an_administrator_confirming_in_time_shows_the_new_name(chain: Chain) -> None:
    with clock.travel(T0, freeze=True):
        report_id = _frozen(chain)
    with clock.travel(T0 + dt.timedelta(minutes=1), freeze=True):
        review.confirm_change(chain.xw, report_id)
        d = review.detail(chain.ent, report_id)
        assert (d.status, d.history[-1]["操作人"], d.history[-1]["原因"]) == ("unfrozen", chain.xw.display_name, "")
    assert actor_of(chain.ent.username).display_name == NEW_NAME
