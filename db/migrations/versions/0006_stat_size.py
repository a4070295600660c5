"""statistics summaries gain the enterprise size class in their key

The summaries are derived data: both tables are recreated with ``size`` in the primary key and
refilled by ``services.bootstrap.init_db`` (``cmmm_stats.rebuild`` when they are empty).

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DOMAINS, SUBDOMAINS, LEVELS = 12, 20, 6


def _measures() -> list[sa.Column]:  # type: ignore[type-arg]
    cols = [sa.Column('n', sa.Integer(), nullable=False), sa.Column('score_sum', sa.Numeric(16, 4), nullable=False)]
    cols += [sa.Column(f'n_l{k}', sa.Integer(), nullable=False) for k in range(LEVELS)]
    for prefix, count in (('d', DOMAINS), ('s', SUBDOMAINS)):
        for i in range(count):
            cols += [sa.Column(f'{prefix}{i}_sum', sa.Numeric(16, 4), nullable=False),
                     sa.Column(f'{prefix}{i}_n', sa.Integer(), nullable=False)]
    return cols


def _create(with_size: bool) -> None:
    def size() -> list[sa.Column]:  # type: ignore[type-arg]
        return [sa.Column('size', sa.String(4), nullable=False, server_default='')] if with_size else []
    op.create_table('stat_region',
                    sa.Column('scope', sa.String(4), nullable=False), sa.Column('county_code', sa.String(6), nullable=False),
                    *size(), sa.Column('city_code', sa.String(6)), sa.Column('province_code', sa.String(6)), *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'county_code', *(['size'] if with_size else []),
                                            name=op.f('pk_stat_region')))
    op.create_index(op.f('ix_stat_region_city_code'), 'stat_region', ['city_code'])
    op.create_index(op.f('ix_stat_region_province_code'), 'stat_region', ['province_code'])
    op.create_table('stat_industry',
                    sa.Column('scope', sa.String(4), nullable=False), sa.Column('city_code', sa.String(6), nullable=False),
                    sa.Column('division_code', sa.String(2), nullable=False), *size(),
                    sa.Column('province_code', sa.String(6)), *_measures(),
                    sa.PrimaryKeyConstraint('scope', 'city_code', 'division_code', *(['size'] if with_size else []),
                                            name=op.f('pk_stat_industry')))
    op.create_index(op.f('ix_stat_industry_province_code'), 'stat_industry', ['province_code'])


def upgrade() -> None:
    op.drop_table('stat_region')
    op.drop_table('stat_industry')
    _create(with_size=True)


def downgrade() -> None:
    op.drop_table('stat_region')
    op.drop_table('stat_industry')
    _create(with_size=False)
