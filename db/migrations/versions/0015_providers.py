"""providers: form_response.org_id may be NULL (anonymous answers to the public needs survey)

Revision ID: 0015_providers
Revises: 0014_market
Create Date: 2026-12-02 20:20:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0015_providers'
down_revision = '0014_market'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.alter_column('org_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM answer_value WHERE response_id IN (SELECT id FROM form_response WHERE org_id IS NULL)")
    op.execute("DELETE FROM response_section WHERE response_id IN (SELECT id FROM form_response WHERE org_id IS NULL)")
    op.execute("DELETE FROM form_response WHERE org_id IS NULL")
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.alter_column('org_id', existing_type=sa.Integer(), nullable=False)
