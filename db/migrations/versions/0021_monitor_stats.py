"""monitor statistics: the monitor_stat summary table, monitor_report.size, the reporting-rate index

Revision ID: 0021_monitor_stats
Revises: 0020_cmmm_covering
Create Date: 2026-12-03 00:40:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from db.monitor_stats import MEASURES

revision = '0021_monitor_stats'
down_revision = '0020_cmmm_covering'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monitor_stat',
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('section', sa.String(length=1), nullable=False),
        sa.Column('size', sa.String(length=4), nullable=False),
        sa.Column('parent_code', sa.String(length=6), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        *[sa.Column(m, sa.BigInteger(), nullable=False) for m in MEASURES[1:]],
        sa.PrimaryKeyConstraint('period', 'level', 'region_code', 'section', 'size', name=op.f('pk_monitor_stat')),
    )
    op.create_index('ix_monitor_stat_children', 'monitor_stat', ['period', 'level', 'parent_code'])
    with op.batch_alter_table('monitor_report') as batch:
        batch.add_column(sa.Column('size', sa.String(length=4), nullable=True))
    op.create_index('ix_organisation_reporting', 'organisation',
                    ['kind', 'status', 'province_code', 'city_code', 'county_code'])
    # Accepted reports already in the database are counted by services.stats.monitor_stats.rebuild
    # (manage.py or the statistics page offers it when the summary is empty).


def downgrade() -> None:
    op.drop_index('ix_organisation_reporting', table_name='organisation')
    with op.batch_alter_table('monitor_report') as batch:
        batch.drop_column('size')
    op.drop_index('ix_monitor_stat_children', table_name='monitor_stat')
    op.drop_table('monitor_stat')
