"""city × division index: the county statistics under an industry filter read one industry's
diagnoses inside one city (a few hundred) instead of all the city's latest ones

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 07:45:00
"""
from __future__ import annotations

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cmmm_city_division', 'cmmm_diagnosis', ['city_code', 'division_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cmmm_city_division', table_name='cmmm_diagnosis')
