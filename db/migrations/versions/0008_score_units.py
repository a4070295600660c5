"""statistics in integer units: the diagnosis' typed domain / sub-domain scores and the summaries'
score sums become integers counting 1/10 000 point (db.stats.UNIT)

Integer sums are exact and several times cheaper than NUMERIC arithmetic, which is what a full
rebuild of the summaries spends its time on. Values are converted in place (× 10 000, rounded), so
neither the diagnoses nor the summaries need recomputing.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SCORES = [f'd{i}' for i in range(12)] + [f's{i}' for i in range(20)]
SUMS = ['score_sum'] + [f'{c}_sum' for c in SCORES]
TABLES: list[tuple[str, list[str], Any, Any]] = [   # table, columns, NUMERIC type, integer type
    ('cmmm_diagnosis', SCORES, sa.Numeric(6, 4), sa.Integer()),
    ('stat_region', SUMS, sa.Numeric(16, 4), sa.BigInteger()),
    ('stat_industry', SUMS, sa.Numeric(16, 4), sa.BigInteger()),
]


def _convert(table: str, columns: list[str], old: Any, new: Any, to_units: bool) -> None:
    """Change the columns' type from ``old`` to ``new``, scaling the values by 10 000 (or back)."""
    value = "round({c} * 10000)" if to_units else "({c} / 10000.0)"
    if op.get_bind().dialect.name == 'postgresql':
        sql_type = new.compile(dialect=op.get_bind().dialect)
        op.execute(f"ALTER TABLE {table} " + ", ".join(
            f"ALTER COLUMN {c} TYPE {sql_type} USING {value.format(c=c)}::{sql_type}" for c in columns))
        return
    # SQLite: scale in place first (the table copy below casts to the new type, which would truncate)
    op.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = {value.format(c=c)}" for c in columns))
    with op.batch_alter_table(table) as batch:
        for c in columns:
            batch.alter_column(c, existing_type=old, type_=new)


def upgrade() -> None:
    for table, columns, numeric, integer in TABLES:
        _convert(table, columns, numeric, integer, to_units=True)


def downgrade() -> None:
    for table, columns, numeric, integer in TABLES:
        _convert(table, columns, integer, numeric, to_units=False)
