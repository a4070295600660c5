"""statistics summaries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:55:40.594916
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


SCORES = [f"d{i}" for i in range(12)] + [f"s{i}" for i in range(20)]  # 12 domains, 20 sub-domains


def _measures() -> list[Any]:
    """The measure columns both summary tables had at this revision."""
    cols = [sa.Column('n', sa.Integer(), nullable=False),
            sa.Column('score_sum', sa.Numeric(precision=16, scale=4), nullable=False)]
    cols += [sa.Column(f'n_l{k}', sa.Integer(), nullable=False) for k in range(6)]
    for name in SCORES:
        cols += [sa.Column(f'{name}_sum', sa.Numeric(precision=16, scale=4), nullable=False),
                 sa.Column(f'{name}_n', sa.Integer(), nullable=False)]
    return cols


def upgrade() -> None:
    op.create_table('stat_industry',
                    sa.Column('scope', sa.String(length=4), nullable=False),
                    sa.Column('city_code', sa.String(length=6), nullable=False),
                    sa.Column('division_code', sa.String(length=2), nullable=False),
                    sa.Column('province_code', sa.String(length=6), nullable=True),
                    *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'city_code', 'division_code', name=op.f('pk_stat_industry')))
    with op.batch_alter_table('stat_industry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stat_industry_province_code'), ['province_code'], unique=False)

    op.create_table('stat_region',
                    sa.Column('scope', sa.String(length=4), nullable=False),
                    sa.Column('county_code', sa.String(length=6), nullable=False),
                    sa.Column('city_code', sa.String(length=6), nullable=True),
                    sa.Column('province_code', sa.String(length=6), nullable=True),
                    *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'county_code', name=op.f('pk_stat_region')))
    with op.batch_alter_table('stat_region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stat_region_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_stat_region_province_code'), ['province_code'], unique=False)

    with op.batch_alter_table('cmmm_diagnosis', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subdomain_scores', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('year_latest', sa.Boolean(), nullable=False, server_default=sa.false()))
        for name in SCORES:
            batch_op.add_column(sa.Column(name, sa.Numeric(precision=6, scale=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cmmm_diagnosis', schema=None) as batch_op:
        for name in reversed(SCORES):
            batch_op.drop_column(name)
        batch_op.drop_column('year_latest')
        batch_op.drop_column('subdomain_scores')

    with op.batch_alter_table('stat_region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stat_region_province_code'))
        batch_op.drop_index(batch_op.f('ix_stat_region_city_code'))
    op.drop_table('stat_region')
    with op.batch_alter_table('stat_industry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stat_industry_province_code'))
    op.drop_table('stat_industry')
