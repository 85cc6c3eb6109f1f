"""the audit head moves only with its trail

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Inserting an entry moves its chain's head (a trigger on ``audit_entry``), and the database
refuses any other change of ``audit_head``: a head is deleted never, updated only to the entry
just appended after it (or to itself: the no-op update that takes the row lock), and inserted
only at the end of its chain's trail. ADR 0020.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_MOVE = (
    "NEW.chain = OLD.chain AND ((NEW.seq = OLD.seq AND NEW.hash = OLD.hash) OR "
    "(NEW.seq = OLD.seq + 1 AND EXISTS (SELECT 1 FROM audit_entry e WHERE e.chain = NEW.chain "
    "AND e.seq = NEW.seq AND e.hash = NEW.hash AND e.prev_hash = OLD.hash)))"
)
_PLACE = (  # the first entry's previous hash: sixty-four zeros
    "(NEW.seq = 0 AND NEW.hash = '0000000000000000000000000000000000000000000000000000000000000000'"
    " AND NOT EXISTS (SELECT 1 FROM audit_entry e WHERE e.chain = NEW.chain)) OR "
    "(EXISTS (SELECT 1 FROM audit_entry e WHERE e.chain = NEW.chain AND e.seq = NEW.seq "
    "AND e.hash = NEW.hash) AND NOT EXISTS "
    "(SELECT 1 FROM audit_entry e WHERE e.chain = NEW.chain AND e.seq > NEW.seq))"
)
_REFUSED = "the audit head moves only with its trail"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_moves_head() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash "
            "WHERE chain = NEW.chain; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_moves_head AFTER INSERT ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_moves_head()"
        )
        op.execute(
            "CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' THEN IF {_MOVE} THEN RETURN NEW; END IF; "
            f"ELSIF TG_OP = 'INSERT' THEN IF {_PLACE} THEN RETURN NEW; END IF; END IF; "
            f"RAISE EXCEPTION '{_REFUSED}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_head "
            "FOR EACH ROW EXECUTE FUNCTION audit_head_guard()"
        )
        op.execute(
            "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_guard()"
        )
        return
    op.execute(
        "CREATE TRIGGER audit_entry_moves_head AFTER INSERT ON audit_entry BEGIN "
        "UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE chain = NEW.chain; END"
    )
    op.execute(
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
    )
    op.execute(
        f"CREATE TRIGGER audit_head_no_update BEFORE UPDATE ON audit_head WHEN NOT ({_MOVE}) "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
    )
    op.execute(
        f"CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head WHEN NOT ({_PLACE}) "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_head_no_truncate ON audit_head")
        op.execute("DROP TRIGGER audit_head_guard ON audit_head")
        op.execute("DROP FUNCTION audit_head_guard()")
        op.execute("DROP TRIGGER audit_entry_moves_head ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_moves_head()")
        return
    for name in ("audit_head_no_insert", "audit_head_no_update", "audit_head_no_delete"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TRIGGER audit_entry_moves_head")
