"""monitoring review chain on the workflow engine: monitor_transition → workflow_transition

Every monthly report gets a ``monitor_report`` workflow instance in its current status, holder and
level (the columns on monitor_report stay: the engine mirrors them, the reviewers' queue index reads
them); its history rows move to workflow_transition in their order, and monitor_transition is
dropped. The downgrade recreates monitor_transition with the same rows and removes the instances.

Revision ID: 0012_monitor_workflow
Revises: 0011_workflow
Create Date: 2026-12-02 13:30:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0012_monitor_workflow'
down_revision = '0011_workflow'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("INSERT INTO workflow_instance (workflow, subject_type, subject_id, state, holder_id, holder_level, "
               "row_version, created_at, updated_at) "
               "SELECT 'monitor_report', 'monitor_report', r.id, r.status, r.holder_id, r.holder_level, 1, r.created_at, "
               "COALESCE(r.updated_at, r.created_at) FROM monitor_report r WHERE NOT EXISTS (SELECT 1 FROM workflow_instance i "
               "WHERE i.subject_type = 'monitor_report' AND i.subject_id = r.id) ORDER BY r.id")
    op.execute("INSERT INTO workflow_transition (instance_id, actor_id, action, from_state, to_state, from_holder, "
               "to_holder, reason, at) "
               "SELECT i.id, t.actor_id, t.action, t.from_status, t.to_status, t.from_holder, t.to_holder, t.reason, t.at "
               "FROM monitor_transition t JOIN workflow_instance i "
               "ON i.subject_type = 'monitor_report' AND i.subject_id = t.report_id ORDER BY t.id")
    with op.batch_alter_table('monitor_transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_transition_report_id'))
    op.drop_table('monitor_transition')


def downgrade() -> None:
    op.create_table('monitor_transition',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('from_holder', sa.Integer(), nullable=True),
    sa.Column('to_holder', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['account.id'], name=op.f('fk_monitor_transition_actor_id_account')),
    sa.ForeignKeyConstraint(['report_id'], ['monitor_report.id'], name=op.f('fk_monitor_transition_report_id_monitor_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_transition'))
    )
    with op.batch_alter_table('monitor_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitor_transition_report_id'), ['report_id'], unique=False)
    op.execute("INSERT INTO monitor_transition (report_id, actor_id, action, from_status, to_status, from_holder, "
               "to_holder, reason, at) "
               "SELECT i.subject_id, t.actor_id, t.action, t.from_state, t.to_state, t.from_holder, t.to_holder, t.reason, t.at "
               "FROM workflow_transition t JOIN workflow_instance i ON i.id = t.instance_id "
               "WHERE i.subject_type = 'monitor_report' ORDER BY t.id")
    op.execute("DELETE FROM workflow_transition WHERE instance_id IN "
               "(SELECT id FROM workflow_instance WHERE subject_type = 'monitor_report')")
    op.execute("DELETE FROM workflow_instance WHERE subject_type = 'monitor_report'")
