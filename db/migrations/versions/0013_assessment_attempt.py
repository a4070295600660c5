"""assessment_attempt / assessment_result: tier-based assessments declared by their definition

Revision ID: 0013_assessment
Revises: 0012_monitor_workflow
Create Date: 2026-12-01 09:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0013_assessment'
down_revision = '0012_monitor_workflow'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'assessment_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('current_section', sa.String(length=32), nullable=False),
        sa.Column('tailoring', sa.JSON(), nullable=False),
        sa.Column('period_key', sa.String(length=7), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('total_score', sa.Numeric(precision=8, scale=4), nullable=True),
        sa.Column('tier', sa.Integer(), nullable=True),
        sa.Column('tier_scores', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['account.id'], name=op.f('fk_assessment_attempt_created_by_account')),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_assessment_attempt_org_id_organisation')),
        sa.ForeignKeyConstraint(['response_id'], ['form_response.id'],
                                name=op.f('fk_assessment_attempt_response_id_form_response')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_attempt')),
        sa.UniqueConstraint('response_id', name=op.f('uq_assessment_attempt_response_id')),
    )
    op.create_index(op.f('ix_assessment_attempt_org_id'), 'assessment_attempt', ['org_id'], unique=False)
    op.create_index('ix_assessment_attempt_org_period', 'assessment_attempt', ['code', 'org_id', 'period_key'],
                    unique=False)
    op.create_table(
        'assessment_result',
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('dimension', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['assessment_attempt.id'], ondelete='CASCADE',
                                name=op.f('fk_assessment_result_attempt_id_assessment_attempt')),
        sa.PrimaryKeyConstraint('attempt_id', 'dimension', 'key', name=op.f('pk_assessment_result')),
    )
    op.create_index('ix_assessment_result_dimension', 'assessment_result', ['code', 'dimension', 'key'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_assessment_result_dimension', table_name='assessment_result')
    op.drop_table('assessment_result')
    op.drop_index('ix_assessment_attempt_org_period', table_name='assessment_attempt')
    op.drop_index(op.f('ix_assessment_attempt_org_id'), table_name='assessment_attempt')
    op.drop_table('assessment_attempt')
