"""Migrations produce exactly the models' schema on both engines, and the demo seed is sound."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from db.base import Base
from db.engine import get_engine, session_scope
from db.organisation import Organisation
from services import reference
from services.core.demo import seed_demo
from services.core.rules import classify_size, credit_code_is_valid


def test_migrations_match_models(db: str) -> None:
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_seed_demo_is_realistic_and_idempotent(db: str) -> None:
    counts = seed_demo(120, seed=11)
    assert counts["organisations"] == 120 and counts["accounts"] >= 120 + 12
    assert seed_demo(120, seed=11) == {"accounts": 0, "organisations": 0}
    with session_scope() as s:
        orgs = list(s.scalars(select(Organisation)))
        assert len({o.province_code for o in orgs}) >= 10
        for o in orgs:
            assert credit_code_is_valid(o.credit_code)
            assert reference.region(o.region_code) is not None and not reference.region(o.region_code).children
            assert o.size == classify_size(o.industry_code, o.employees, float(o.revenue), float(o.assets))
        manu = s.scalar(select(func.count()).select_from(Organisation).where(Organisation.division_code.between("13", "43")))
        assert manu / len(orgs) > 0.5
