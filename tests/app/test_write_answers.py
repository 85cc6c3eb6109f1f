"""A write answers with what it stored, even when another write to the same entity lands
before it reads the row back (issue 13: under load on PostgreSQL, two PATCHes of one supplier
were both answered with the later one's version)."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlmodel import Session

from app import services
from app.audit import COMMAND_LINE
from tests.app.conftest import Ws


def test_a_patch_answers_with_its_own_version_and_body(engine: Engine, demo_ws: Ws) -> None:
    """A change of a supplier's name answers with its own name and revision, not those of
    the change another writer committed just after it."""
    with Session(engine) as session:
        workspace = services.workspace_for(session, demo_ws.slug)
        before = services.get_entity(
            session, workspace=workspace, section="suppliers", key="loonwolk"
        ).version

    wrote: list[bool] = []

    def another_writer(_: Session) -> None:
        if wrote:  # once: its own commit calls this hook too
            return
        wrote.append(True)
        with Session(engine) as other:
            services.update_entity(
                other,
                workspace=services.workspace_for(other, demo_ws.slug),
                section="suppliers",
                key="loonwolk",
                changes={"name": "LoonWolk Holding B.V."},
                version=None,
                actor=COMMAND_LINE,
            )

    with Session(engine) as mine:
        event.listen(mine, "after_commit", another_writer)
        row = services.update_entity(
            mine,
            workspace=services.workspace_for(mine, demo_ws.slug),
            section="suppliers",
            key="loonwolk",
            changes={"name": "LoonWolk Payroll B.V."},
            version=before,
            actor=COMMAND_LINE,
        )
        answer = services.row_json(row)
    assert (answer["name"], answer["revision"]) == ("LoonWolk Payroll B.V.", before + 1)
    with Session(engine) as session:
        now = services.get_entity(
            session,
            workspace=services.workspace_for(session, demo_ws.slug),
            section="suppliers",
            key="loonwolk",
        )
    assert (now.body["name"], now.version) == ("LoonWolk Holding B.V.", before + 2)
