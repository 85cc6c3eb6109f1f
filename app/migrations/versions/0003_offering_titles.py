"""one title per offering: workspace.titles replaces workspace.title

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

A workspace held one title, the last imported chain file's, which every offering's report and
graph carried. Each offering now keeps its own (ADR 0019). The old title goes to every offering
the workspace had, which is what their pages showed until now.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_workspace = sa.table(
    "workspace",
    sa.column("id", sa.Integer()),
    sa.column("title", sa.String()),
    sa.column("titles", sa.JSON()),
)
_service = sa.table(
    "service",
    sa.column("workspace_id", sa.Integer()),
    sa.column("key", sa.String()),
    sa.column("offering", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(sa.Column("titles", sa.JSON(), nullable=True))
    connection = op.get_bind()
    titled = connection.execute(
        sa.select(_workspace.c.id, _workspace.c.title).where(_workspace.c.title.is_not(None))
    ).all()
    for wid, title in titled:
        offerings = connection.execute(
            sa.select(_service.c.key)
            .where(_service.c.workspace_id == wid, _service.c.offering.is_not(None))
            .order_by(_service.c.offering)
        ).scalars()
        connection.execute(
            _workspace.update()
            .where(_workspace.c.id == wid)
            .values(titles=dict.fromkeys(offerings, title))
        )
    connection.execute(_workspace.update().where(_workspace.c.titles.is_(None)).values(titles={}))
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.alter_column("titles", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("title")


def downgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(), nullable=True))
    connection = op.get_bind()
    for wid, titles in connection.execute(sa.select(_workspace.c.id, _workspace.c.titles)).all():
        first = next(iter((titles or {}).values()), None)
        connection.execute(_workspace.update().where(_workspace.c.id == wid).values(title=first))
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("titles")
