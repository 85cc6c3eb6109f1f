"""a language for each account and a default language for each workspace

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

The pages and the API speak English or Dutch (issue 15, ADR 0036). A person may choose theirs on
/account (``app_user.language``), a workspace's owner a default for its people
(``workspace.language``); both start empty, which leaves every existing account and workspace
as it was: English unless the browser asks otherwise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("workspace", "app_user"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    for table in ("app_user", "workspace"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
