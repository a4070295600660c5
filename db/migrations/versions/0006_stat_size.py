"""statistics summaries: every level stored (province/city/county; nation/province/city × division)
and the enterprise size class in the key

The summaries are derived data: both tables are recreated and refilled by
``services.core.bootstrap.init_db`` (``cmmm_stats.rebuild`` runs when they are empty).

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DOMAINS, SUBDOMAINS, LEVELS = 12, 20, 6


def _measures() -> list[Any]:
    cols = [sa.Column('n', sa.Integer(), nullable=False), sa.Column('score_sum', sa.Numeric(16, 4), nullable=False)]
    cols += [sa.Column(f'n_l{k}', sa.Integer(), nullable=False) for k in range(LEVELS)]
    for prefix, count in (('d', DOMAINS), ('s', SUBDOMAINS)):
        for i in range(count):
            cols += [sa.Column(f'{prefix}{i}_sum', sa.Numeric(16, 4), nullable=False),
                     sa.Column(f'{prefix}{i}_n', sa.Integer(), nullable=False)]
    return cols


def _key(name: str, length: int) -> Any:
    return sa.Column(name, sa.String(length), nullable=False)


def upgrade() -> None:
    op.drop_table('stat_region')
    op.drop_table('stat_industry')
    op.create_table('stat_region', _key('scope', 4), _key('level', 8), _key('region_code', 6),
                    sa.Column('size', sa.String(4), nullable=False, server_default=''),
                    _key('parent_code', 6), _key('province_code', 6), *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'level', 'region_code', 'size', name=op.f('pk_stat_region')))
    op.create_index('ix_stat_region_children', 'stat_region', ['scope', 'level', 'parent_code'])
    op.create_table('stat_industry', _key('scope', 4), _key('level', 8), _key('region_code', 6),
                    _key('division_code', 2), sa.Column('size', sa.String(4), nullable=False, server_default=''),
                    _key('province_code', 6), *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'level', 'region_code', 'division_code', 'size',
                                            name=op.f('pk_stat_industry')))


def downgrade() -> None:
    op.drop_table('stat_region')
    op.drop_table('stat_industry')
    op.create_table('stat_region', _key('scope', 4), _key('county_code', 6), sa.Column('city_code', sa.String(6)),
                    sa.Column('province_code', sa.String(6)), *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'county_code', name=op.f('pk_stat_region')))
    op.create_index(op.f('ix_stat_region_city_code'), 'stat_region', ['city_code'])
    op.create_index(op.f('ix_stat_region_province_code'), 'stat_region', ['province_code'])
    op.create_table('stat_industry', _key('scope', 4), _key('city_code', 6), _key('division_code', 2),
                    sa.Column('province_code', sa.String(6)), *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'city_code', 'division_code', name=op.f('pk_stat_industry')))
    op.create_index(op.f('ix_stat_industry_province_code'), 'stat_industry', ['province_code'])
