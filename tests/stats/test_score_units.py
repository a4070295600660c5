"""Scores in integer units (db.stats.UNIT): conversion, and migration 0008 converting in place both ways."""
from decimal import Decimal

from alembic import command
from sqlalchemy import text

from db.engine import get_engine
from services.core.bootstrap import alembic_config
from services.stats.cmmm_stats import units
from tests.factories import make_enterprise_user
from tests.stats.test_cmmm_stats import _complete, _snapshot


def test_units_round_half_up_at_the_fourth_decimal() -> None:
    assert units("0.8125") == 8125 and units(Decimal("2.00005")) == 20001 and units(0.1235) == 1235
    assert units(5) == 50000 and units("0.83333333") == 8333


def _typed() -> list[tuple]:
    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT d0, d11, s7, s19 FROM cmmm_diagnosis ORDER BY id"))]


def test_migration_0008_converts_scores_and_summaries_in_place(model: int, db: str) -> None:
    user, _ = make_enterprise_user("320102")
    _complete(user, ["1", "0.5"])
    summaries, typed = _snapshot(), _typed()
    assert typed and all(isinstance(v, int) for v in typed[0] if v is not None)
    cfg = alembic_config(db)
    try:
        command.downgrade(cfg, "0007")
        with get_engine().connect() as conn:
            old = [tuple(r) for r in conn.execute(text("SELECT d0, d11, s7, s19 FROM cmmm_diagnosis ORDER BY id"))]
            sums = conn.execute(text("SELECT score_sum FROM stat_region WHERE scope = 'all' AND level = 'province'")).scalar()
        assert [tuple(None if v is None else Decimal(str(v)) for v in row) for row in old] == \
               [tuple(None if v is None else Decimal(v) / 10000 for v in row) for row in typed]
        assert Decimal(str(sums)) == Decimal("1.5")  # the level-1 diagnosis scored 1.50 points
    finally:
        command.upgrade(cfg, "head")
    assert _typed() == typed and _snapshot() == summaries
