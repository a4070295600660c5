"""workflow engine: workflow_instance + workflow_transition (one pair of tables for every review chain)

Existing organisations get a registration instance whose state is their status (draft / pending /
approved / returned); they had no history, so none is invented.

Revision ID: 0011_workflow
Revises: 0010
Create Date: 2026-11-25 09:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0011_workflow'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workflow_instance',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('workflow', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('holder_level', sa.String(length=10), nullable=True),
    sa.Column('submitter_id', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['holder_id'], ['account.id'], name=op.f('fk_workflow_instance_holder_id_account')),
    sa.ForeignKeyConstraint(['submitter_id'], ['account.id'], name=op.f('fk_workflow_instance_submitter_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_instance')),
    sa.UniqueConstraint('subject_type', 'subject_id', name=op.f('uq_workflow_instance_subject_type'))
    )
    with op.batch_alter_table('workflow_instance', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_instance_state', ['workflow', 'state'], unique=False)

    op.create_table('workflow_transition',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('from_holder', sa.Integer(), nullable=True),
    sa.Column('to_holder', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['account.id'], name=op.f('fk_workflow_transition_actor_id_account')),
    sa.ForeignKeyConstraint(['instance_id'], ['workflow_instance.id'], name=op.f('fk_workflow_transition_instance_id_workflow_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_transition'))
    )
    with op.batch_alter_table('workflow_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_transition_instance_id'), ['instance_id'], unique=False)

    # every existing organisation: a registration instance in its current status
    op.execute("INSERT INTO workflow_instance (workflow, subject_type, subject_id, state, row_version, created_at, updated_at) "
               "SELECT 'registration', 'organisation', id, status, 1, created_at, COALESCE(updated_at, created_at) "
               "FROM organisation")


def downgrade() -> None:
    with op.batch_alter_table('workflow_transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_transition_instance_id'))
    op.drop_table('workflow_transition')
    with op.batch_alter_table('workflow_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_instance_state')
    op.drop_table('workflow_instance')
