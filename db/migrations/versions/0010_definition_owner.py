"""definition owner scope: form_definition.owner_region (NULL = national, else the owning region)

Existing definitions become national (NULL): until now only national and province administrators
designed, and every definition reached every organisation.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 09:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_region', sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f('ix_form_definition_owner_region'), ['owner_region'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_form_definition_owner_region_region'), 'region',
                                    ['owner_region'], ['code'])


def downgrade() -> None:
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_form_definition_owner_region_region'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_form_definition_owner_region'))
        batch_op.drop_column('owner_region')
