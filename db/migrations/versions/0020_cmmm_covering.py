"""Record-query indexes cover the status: a scope's count (江苏 + level 1: 53,000 of 1,000,000 diagnoses)
is answered from the index alone instead of visiting every matching row to read its status
(bench_cmmm_queries.py at 1M: 584–1,304 ms before).

Revision ID: 0020_cmmm_covering
Revises: 0019_designer
Create Date: 2026-12-03 00:50:00
"""
from __future__ import annotations

from alembic import op


revision = '0020_cmmm_covering'
down_revision = '0019_designer'
branch_labels = None
depends_on = None

# name → (columns before, columns now)
INDEXES = {
    'ix_cmmm_province_level_time': (['province_code', 'level', 'completed_at'],
                                    ['province_code', 'level', 'completed_at', 'status']),
    'ix_cmmm_province_time': (['province_code', 'completed_at'], ['province_code', 'completed_at', 'status']),
    'ix_cmmm_city_time': (['city_code', 'completed_at'], ['city_code', 'completed_at', 'status']),
    'ix_cmmm_county_time': (['county_code', 'completed_at'], ['county_code', 'completed_at', 'status']),
}


def _recreate(which: int) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name='cmmm_diagnosis')
        op.create_index(name, 'cmmm_diagnosis', columns[which], unique=False)


def upgrade() -> None:
    _recreate(1)


def downgrade() -> None:
    _recreate(0)
