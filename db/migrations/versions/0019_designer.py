"""designer: form_distribution (分发 of a questionnaire to subordinate regions' administrators)

Revision ID: 0019_designer
Revises: 0018_quality_dialogue
Create Date: 2026-12-03 00:05:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0019_designer'
down_revision = '0018_quality_dialogue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_distribution',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('distributed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['form_definition.id'], name=op.f('fk_form_distribution_definition_id_form_definition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_form_distribution_region_code_region')),
    sa.ForeignKeyConstraint(['distributed_by'], ['account.id'], name=op.f('fk_form_distribution_distributed_by_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_distribution')),
    sa.UniqueConstraint('definition_id', 'region_code', name=op.f('uq_form_distribution_definition_id'))
    )
    with op.batch_alter_table('form_distribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_distribution_definition_id'), ['definition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_distribution_region_code'), ['region_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('form_distribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_distribution_region_code'))
        batch_op.drop_index(batch_op.f('ix_form_distribution_definition_id'))
    op.drop_table('form_distribution')
