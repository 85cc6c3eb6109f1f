"""The service's commands of ``ketenkaart``: its database, accounts, tokens and server.

``db upgrade``, ``workspace create``, ``user create|disable``, ``member set``, ``grant create``,
``audit verify|anchor``, ``token create|revoke``, ``serve``, ``demo``, ``backup`` and
``restore`` run the service and look after its database (``KETENKAART_DATABASE_URL`` or
``--database-url``), whose schema each of them brings up to date first. :mod:`app.cli` adds
their parsers with :func:`add_parsers` and runs them with :func:`run_command`. The service's
modules (FastAPI, SQLAlchemy, uvicorn) are imported inside the commands, never here, so that
``check`` does not pay for them.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli_base import EXIT_GAP, EXIT_OK, Parser, add_database_option, database_errors, parse_date
from graph.errors import UsageError
from graph.i18n import format_number, gettext, ngettext

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import Engine
    from sqlmodel import Session

    from app.config import Settings

ROLES = ("viewer", "editor", "owner", "auditor")
MEMBER_ROLES = ("viewer", "editor", "owner")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_SLUG = 64
MAX_NAME = 200
DEMO_DATABASE = "ketenkaart-demo.db"
DEMO_WORKSPACE = "demo"
DEMO_EMAIL = "demo@ketenkaart.example"


def add_parsers(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add the service's commands to the command line's ``commands``."""
    database = Parser(add_help=False)
    add_database_option(database)

    db = commands.add_parser("db", help=gettext("look after the database's schema"))
    db_actions = db.add_subparsers(dest="action", required=True, parser_class=Parser)
    db_actions.add_parser(
        "upgrade",
        parents=[database],
        help=gettext("bring the schema up to date"),
        description=gettext("Bring the database's schema up to the newest migration."),
    )

    ws = commands.add_parser("workspace", help=gettext("manage workspaces"))
    ws_actions = ws.add_subparsers(dest="action", required=True, parser_class=Parser)
    ws_create = ws_actions.add_parser(
        "create",
        parents=[database],
        help=gettext("create a workspace"),
        description=gettext("Create a workspace."),
    )
    ws_create.add_argument("slug", metavar="SLUG", help=gettext("its name in URLs: a-z, 0-9 and -"))
    ws_create.add_argument("--name", help=gettext("its display name (default: the slug)"))
    ws_create.add_argument(
        "--owner", metavar=gettext("EMAIL"), help=gettext("the account that becomes its owner")
    )
    _people_parsers(commands, database)
    _token_parsers(commands, database)
    _server_parsers(commands, database)


def _people_parsers(commands: argparse._SubParsersAction[Parser], database: Parser) -> None:
    user = commands.add_parser("user", help=gettext("manage accounts"))
    user_actions = user.add_subparsers(dest="action", required=True, parser_class=Parser)
    user_create = user_actions.add_parser(
        "create",
        parents=[database],
        help=gettext("create an account"),
        description=gettext(
            "Create an account. The password is asked for twice on a terminal, or read "
            "from the first line of standard input with --password-stdin; it is never a flag."
        ),
    )
    user_create.add_argument("email", metavar=gettext("EMAIL"))
    user_create.add_argument("--name", required=True, help=gettext("the name people see"))
    user_create.add_argument("--password-stdin", action="store_true")
    user_disable = user_actions.add_parser(
        "disable",
        parents=[database],
        help=gettext("disable an account and end its sessions and tokens"),
        description=gettext(
            "Disable an account: it can no longer sign in, and every browser session "
            "and token of it ends at once. Its memberships and grants stay, for the record."
        ),
    )
    user_disable.add_argument("email", metavar=gettext("EMAIL"))

    member = commands.add_parser("member", help=gettext("manage who is in a workspace"))
    member_actions = member.add_subparsers(dest="action", required=True, parser_class=Parser)
    member_set = member_actions.add_parser(
        "set",
        parents=[database],
        help=gettext("make an account a member, or change its role"),
        description=gettext("Make an account a member of a workspace, or change its role."),
    )
    member_set.add_argument("email", metavar=gettext("EMAIL"))
    member_set.add_argument("--workspace", required=True, metavar="SLUG")
    member_set.add_argument("--role", required=True, choices=MEMBER_ROLES)

    grant = commands.add_parser(
        "grant", help=gettext("give an auditor read access for an engagement")
    )
    grant_actions = grant.add_subparsers(dest="action", required=True, parser_class=Parser)
    grant_create = grant_actions.add_parser(
        "create",
        parents=[database],
        help=gettext("grant an auditor read access"),
        description=gettext(
            "Give an auditor's account read access to the whole workspace, or to the "
            "chosen offerings and everything under them, from --from through --to."
        ),
    )
    grant_create.add_argument("email", metavar=gettext("EMAIL"))
    grant_create.add_argument("--workspace", required=True, metavar="SLUG")
    grant_create.add_argument("--from", dest="starts", required=True, metavar=gettext("DATE"))
    grant_create.add_argument("--to", dest="ends", required=True, metavar=gettext("DATE"))
    grant_create.add_argument(
        "--offering",
        action="append",
        default=[],
        help=gettext("limit to this offering (repeatable)"),
    )

    trail = commands.add_parser("audit", help=gettext("the audit trail"))
    trail_actions = trail.add_subparsers(dest="action", required=True, parser_class=Parser)
    verify = trail_actions.add_parser(
        "verify",
        parents=[database],
        help=gettext("recompute the audit trail's hashes"),
        description=gettext(
            "Recompute every chain of the audit trail (every workspace's and the "
            "accounts', found from the workspaces and the entries, or one workspace's) and name "
            "the first broken entry or head; exit 1 when one is broken. --anchor also compares the "
            "trail with an anchor kept earlier, --register the register with its trail."
        ),
    )
    verify.add_argument("--workspace", metavar="SLUG")
    verify.add_argument(
        "--anchor",
        metavar=gettext("FILE"),
        help=gettext(
            "an anchor printed by `audit anchor` earlier: name every chain rewritten since"
        ),
    )
    verify.add_argument(
        "--key",
        metavar=gettext("FILE"),
        help=gettext(
            "with --anchor: the anchor must be signed by this key (default: "
            "KETENKAART_ANCHOR_KEY when set)"
        ),
    )
    verify.add_argument(
        "--register",
        action="store_true",
        help=gettext("also name every entity whose row differs from what the trail says it is"),
    )
    anchor = trail_actions.add_parser(
        "anchor",
        parents=[database],
        help=gettext("print each chain's head hash, signed"),
        description=gettext(
            "Print, as JSON, each chain's last entry and hash signed with an Ed25519 "
            "key kept outside the database (--key FILE, else KETENKAART_ANCHOR_KEY: PEM, or the "
            "32-byte seed in base64; make one with `openssl genpkey -algorithm ed25519`). Keep it: "
            "`audit verify --anchor FILE` finds any later rewrite."
        ),
    )
    anchor.add_argument("--workspace", metavar="SLUG", help=gettext("this workspace's chain only"))
    anchor.add_argument("--key", metavar=gettext("FILE"), help=gettext("the Ed25519 private key"))


def _token_parsers(commands: argparse._SubParsersAction[Parser], database: Parser) -> None:
    tok = commands.add_parser("token", help=gettext("manage API tokens"))
    tok_actions = tok.add_subparsers(dest="action", required=True, parser_class=Parser)
    tok_create = tok_actions.add_parser(
        "create",
        parents=[database],
        help=gettext("create a token and print it (once)"),
        description=gettext(
            "Create a bearer token for a workspace; it is printed alone on stdout, once."
        ),
    )
    tok_create.add_argument("--workspace", required=True, metavar="SLUG")
    tok_create.add_argument("--role", required=True, choices=ROLES)
    tok_create.add_argument(
        "--user",
        metavar=gettext("EMAIL"),
        help=gettext("the account it belongs to (needed for an auditor's)"),
    )
    tok_create.add_argument(
        "--expires",
        metavar=gettext("DATE"),
        help=gettext("last day it works, YYYY-MM-DD (default: never)"),
    )
    tok_revoke = tok_actions.add_parser(
        "revoke",
        parents=[database],
        help=gettext("revoke a token"),
        description=gettext("Revoke a token, given whole or by its first 10 characters."),
    )
    tok_revoke.add_argument("token", metavar="TOKEN")


def _server_parsers(commands: argparse._SubParsersAction[Parser], database: Parser) -> None:
    serve = commands.add_parser(
        "serve",
        parents=[database],
        help=gettext("run the service"),
        description=gettext("Run the HTTP service; flags override the KETENKAART_* environment."),
    )
    serve.add_argument("--host", help=gettext("address to listen on (default: 127.0.0.1)"))
    serve.add_argument("--port", type=int, help=gettext("port to listen on (default: 8000)"))
    serve.add_argument("--workers", type=int, help=gettext("worker processes (default: 1)"))

    demo = commands.add_parser(
        "demo",
        help=gettext("serve the demo chain"),
        description=gettext(
            "Load the demo chain into {database} in this folder, print a token and serve it on "
            "127.0.0.1."
        ).format(database=DEMO_DATABASE),
    )
    demo.add_argument(
        "--port", type=int, default=8000, help=gettext("port to listen on (default: 8000)")
    )

    backup = commands.add_parser(
        "backup",
        parents=[database],
        help=gettext("archive every workspace"),
        description=gettext(
            "Write a consistent zip archive of the whole database; the service may run."
        ),
    )
    backup.add_argument("file", metavar=gettext("FILE"))
    restore = commands.add_parser(
        "restore",
        parents=[database],
        help=gettext("load an archive into an empty database"),
        description=gettext("Load a backup archive into an empty database, all or nothing."),
    )
    restore.add_argument("file", metavar=gettext("FILE"))


def run_command(args: argparse.Namespace) -> int:
    """Run a command of the service, with its errors as usage errors (exit 2)."""
    from pydantic import ValidationError  # noqa: PLC0415 - the service's imports only here

    from app.errors import Problem  # noqa: PLC0415

    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "db": _db_upgrade,
        "workspace": _workspace_create,
        "user": _user_disable if getattr(args, "action", None) == "disable" else _user_create,
        "member": _member_set,
        "grant": _grant_create,
        "audit": _audit_anchor if getattr(args, "action", None) == "anchor" else _audit_verify,
        "token": _token_create if getattr(args, "action", None) == "create" else _token_revoke,
        "serve": _serve,
        "demo": _demo,
        "backup": _backup,
        "restore": _restore,
    }
    try:
        with database_errors():
            return commands[args.command](args)
    except Problem as err:
        details = "".join(f"\n  {e['location']}: {e['message']}" for e in err.errors)
        raise UsageError(f"{err.detail}{details}") from None
    except ValidationError as err:
        problems = "; ".join(
            f"KETENKAART_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in err.errors()
        )
        raise UsageError(
            gettext("the configuration is not valid: {problems}").format(problems=problems)
        ) from None


def _settings(args: argparse.Namespace, **flags: object) -> Settings:
    """The environment's settings, with the flags given on the command line over them."""
    from app.config import Settings  # noqa: PLC0415

    given = {k: v for k, v in flags.items() if v is not None}
    if getattr(args, "database_url", None):
        given["database_url"] = args.database_url
    return Settings(**given)  # type: ignore[arg-type]


def _database(url: str) -> Engine:
    """An engine for ``url``, its schema brought up to date."""
    from app.db import make_engine  # noqa: PLC0415
    from app.migrate import upgrade  # noqa: PLC0415

    engine = make_engine(url)
    upgrade(engine)
    return engine


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Session]:
    """A session on the database the settings and flags name, its schema brought up to date;
    the engine is let go afterwards."""
    from sqlmodel import Session  # noqa: PLC0415 - the service's imports only here

    engine = _database(_settings(args).database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _db_upgrade(args: argparse.Namespace) -> int:
    from app.backup import current_head  # noqa: PLC0415

    engine = _database(_settings(args).database_url)
    engine.dispose()
    print(  # noqa: T201
        gettext("{database}: schema at revision {revision} (the newest)").format(
            database=_shown(engine), revision=current_head()
        )
    )
    return EXIT_OK


def _workspace_create(args: argparse.Namespace) -> int:

    from app import accounts, membership  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    slug: str = args.slug
    problems = []
    if not SLUG.fullmatch(slug) or len(slug) > MAX_SLUG:
        problems.append(
            gettext(
                "workspace '{slug}': a slug is 1-{most} characters a-z, 0-9 and -, "
                "starting with a letter or digit"
            ).format(slug=slug, most=MAX_SLUG)
        )
    if args.name is not None and not 1 <= len(args.name.strip()) <= MAX_NAME:
        problems.append(gettext("--name: 1-{most} characters").format(most=MAX_NAME))
    if problems:
        raise UsageError("\n".join(problems))
    with _session(args) as session:
        owner = None
        if args.owner is not None:
            owner = accounts.user_by_email(session, args.owner)
            if owner is None:
                raise UsageError(
                    gettext(
                        "no account for {email}; create it with `ketenkaart user create`"
                    ).format(email=args.owner)
                )
        workspace = membership.create_workspace(
            session, slug=slug, name=args.name, owner=owner, actor=COMMAND_LINE
        )
        print(  # noqa: T201
            gettext("created workspace '{slug}' ({name})").format(
                slug=workspace.slug, name=workspace.name
            )
        )
    return EXIT_OK


def _token_create(args: argparse.Namespace) -> int:

    from app import accounts, services  # noqa: PLC0415

    expires = parse_date(args.expires, "--expires") if args.expires else None
    if expires is not None and expires < date.today():  # noqa: DTZ011 - the caller's calendar day
        raise UsageError(gettext("--expires {date} is in the past").format(date=expires))
    with _session(args) as session:
        user_id = None
        if args.user:
            user = accounts.user_by_email(session, args.user)
            if user is None:
                raise UsageError(gettext("--user: no account for {email}").format(email=args.user))
            user_id = user.id
        token = services.create_token(
            session, slug=args.workspace, role=args.role, expires=expires, user_id=user_id
        )
    print(token)  # noqa: T201 - alone on stdout, for scripts
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    import getpass  # noqa: PLC0415

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(gettext("no terminal to ask the password on: use --password-stdin"))
    first = getpass.getpass(gettext("Password (at least 15 characters): "))
    if getpass.getpass(gettext("Once more: ")) != first:
        raise UsageError(gettext("the two passwords differ"))
    return first


def _user_create(args: argparse.Namespace) -> int:

    from app import accounts  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    password = _read_password(args)
    with _session(args) as session:
        user = accounts.create_user(
            session,
            email=args.email,
            display_name=args.name,
            password=password,
            actor=COMMAND_LINE,
        )
        print(  # noqa: T201
            gettext("created the account of {name} <{email}>").format(
                name=user.display_name, email=user.email
            )
        )
    return EXIT_OK


def _user_disable(args: argparse.Namespace) -> int:

    from datetime import UTC, datetime  # noqa: PLC0415

    from app import accounts  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    with _session(args) as session:
        user = accounts.disable_user(
            session, email=args.email, now=datetime.now(UTC), actor=COMMAND_LINE
        )
        print(  # noqa: T201
            gettext(
                "disabled the account of {name} <{email}>; its sessions and tokens have ended"
            ).format(name=user.display_name, email=user.email)
        )
    return EXIT_OK


def _member_set(args: argparse.Namespace) -> int:

    from app import membership, services  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415
    from app.deps import ROLE_WORDS  # noqa: PLC0415

    with _session(args) as session:
        workspace = services.workspace_for(session, args.workspace)
        found = membership.set_member(
            session, workspace=workspace, email=args.email, role=args.role, actor=COMMAND_LINE
        )
        role = ROLE_WORDS.get(found["role"])
        print(  # noqa: T201
            gettext("{email} is {role} of '{workspace}'").format(
                email=found["email"],
                role=gettext(role) if role else found["role"],
                workspace=workspace.slug,
            )
        )
    return EXIT_OK


def _grant_create(args: argparse.Namespace) -> int:

    from app import membership, services  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415

    starts, ends = parse_date(args.starts, "--from"), parse_date(args.ends, "--to")
    with _session(args) as session:
        workspace = services.workspace_for(session, args.workspace)
        found = membership.create_grant(
            session,
            workspace=workspace,
            email=args.email,
            offerings=args.offering,
            starts=starts,
            ends=ends,
            actor=COMMAND_LINE,
        )
    scope = ", ".join(found["offerings"]) or gettext("the whole workspace")
    print(  # noqa: T201
        gettext(
            "grant {id}: {email} may read {scope} of '{workspace}' from {starts} through {ends}"
        ).format(
            id=found["id"],
            email=found["email"],
            scope=scope,
            workspace=args.workspace,
            starts=found["starts"],
            ends=found["ends"],
        )
    )
    return EXIT_OK


def _audit_verify(args: argparse.Namespace) -> int:

    from app import audit, services  # noqa: PLC0415

    kept = _anchor_file(args.anchor) if args.anchor else None
    key = _anchor_key(args.key) if args.key or kept is not None else None
    with _session(args) as session:
        if args.workspace:
            workspaces = [services.workspace_for(session, args.workspace)]
            chains = [audit.chain_of(workspaces[0].id)]
        else:
            workspaces = audit.workspaces(session)
            chains = audit.chains(session)
        verdicts = [audit.verify(session, chain) for chain in chains]
        lines = [str(v) for v in verdicts]
        ok = all(v.ok for v in verdicts)
        if kept is not None:
            try:
                checks = audit.check_anchor(session, kept, key=key)
            except audit.AnchorError as err:
                raise UsageError(f"--anchor {args.anchor}: {err}") from None
            lines += [
                gettext("anchor: {check}").format(check=c)
                for c in checks
                if not args.workspace or c.chain in chains
            ]
            ok = ok and all(c.ok for c in checks if not args.workspace or c.chain in chains)
        if args.register:
            for workspace in workspaces:
                found = audit.register_differences(session, workspace)
                lines += [f"{workspace.slug}: {f}" for f in found]
                matches = gettext("{workspace}: the register matches its trail")
                lines += [] if found else [matches.format(workspace=workspace.slug)]
                ok = ok and not found
    for line in lines:
        print(line)  # noqa: T201
    return EXIT_OK if ok else EXIT_GAP


def _audit_anchor(args: argparse.Namespace) -> int:

    import json  # noqa: PLC0415

    from app import audit, services  # noqa: PLC0415

    key = _anchor_key(args.key)
    if key is None:
        raise UsageError(
            gettext(
                "no anchor key: give --key FILE or set {variable} (an Ed25519 key in PEM, e.g. "
                "from `openssl genpkey -algorithm ed25519`, or its seed in base64)"
            ).format(variable=audit.ANCHOR_KEY_VARIABLE)
        )
    with _session(args) as session:
        if args.workspace:
            chains = [audit.chain_of(services.workspace_for(session, args.workspace).id)]
        else:
            chains = audit.chains(session)
        made = audit.anchor(session, key, chains)
    print(json.dumps(made, indent=2))  # noqa: T201 - alone on stdout, to keep
    return EXIT_OK


def _anchor_key(path: str | None) -> Ed25519PrivateKey | None:
    """The anchor key from ``--key FILE``, else from the environment; ``None`` if neither."""
    from app import audit  # noqa: PLC0415

    try:
        if path is None:
            return audit.key_from_environment()
        return audit.load_key(Path(path).read_bytes())
    except OSError as err:
        raise UsageError(_cannot_read(f"--key {path}", err)) from None
    except audit.AnchorError as err:
        raise UsageError(f"{path or audit.ANCHOR_KEY_VARIABLE}: {err}") from None


def _anchor_file(path: str) -> dict[str, object]:
    import json  # noqa: PLC0415

    try:
        kept = json.loads(Path(path).read_bytes())
    except OSError as err:
        raise UsageError(_cannot_read(f"--anchor {path}", err)) from None
    except ValueError as err:
        from app.backup import json_problem  # noqa: PLC0415

        raise UsageError(
            gettext("{name}: not JSON: {error}").format(
                name=f"--anchor {path}", error=json_problem(err)
            )
        ) from None
    if not isinstance(kept, dict):
        raise UsageError(gettext("--anchor {file}: not an anchor of ketenkaart").format(file=path))
    return kept


def _cannot_read(name: str, err: OSError) -> str:
    """That ``name`` cannot be read, with the system's own words for why."""
    return gettext("{name}: cannot read: {error}").format(name=name, error=err.strerror or err)


def _token_revoke(args: argparse.Namespace) -> int:

    from app import services  # noqa: PLC0415

    token: str = args.token.strip()
    if len(token) < 10:  # the prefix the service keeps
        raise UsageError(gettext("give the whole token, or its first 10 characters"))
    with _session(args) as session:
        count = services.revoke_token(session, token=token)
    print(  # noqa: T201
        ngettext("revoked {n} token", "revoked {n} tokens", count).format(n=format_number(count))
    )
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args, host=args.host, port=args.port, workers=args.workers)
    return _run_server(settings)


def _run_server(settings: Settings) -> int:
    """Upgrade the schema once, then serve; the workers read the settings from the environment."""
    import uvicorn  # noqa: PLC0415

    from app.config import get_settings  # noqa: PLC0415
    from app.security import UVICORN_LOG_CONFIG, configure_logging  # noqa: PLC0415

    if not 0 < settings.port < 65536:
        raise UsageError(
            gettext("--port {port} is not a TCP port (1-65535)").format(port=settings.port)
        )
    if settings.workers < 1:
        raise UsageError(
            gettext("--workers {workers}: at least 1").format(workers=settings.workers)
        )
    _database(settings.database_url).dispose()
    # Every worker process builds its app from the environment: hand it what the flags said.
    os.environ.update(
        KETENKAART_DATABASE_URL=settings.database_url,
        KETENKAART_HOST=settings.host,
        KETENKAART_PORT=str(settings.port),
        KETENKAART_WORKERS=str(settings.workers),
        KETENKAART_TRUSTED_PROXIES=settings.trusted_proxies,
    )
    if settings.plain_http_localhost:
        os.environ["KETENKAART_PLAIN_HTTP_LOCALHOST"] = "1"
    get_settings.cache_clear()
    configure_logging()
    sys.stdout.flush()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        timeout_worker_healthcheck=settings.worker_healthcheck,  # ADR 27
        log_config=UVICORN_LOG_CONFIG,
        access_log=False,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: only the
        # proxies named in KETENKAART_TRUSTED_PROXIES are (ADR 21)
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or "",
    )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from sqlmodel import Session  # noqa: PLC0415

    import app  # noqa: PLC0415
    from app import accounts, membership, passwords, services  # noqa: PLC0415
    from app.audit import COMMAND_LINE  # noqa: PLC0415
    from app.config import Settings  # noqa: PLC0415
    from app.errors import NotFound  # noqa: PLC0415

    chain = Path(app.__file__).resolve().parents[1] / "examples" / "demo-chain.yaml"
    if not chain.is_file():
        raise UsageError(
            gettext("the demo chain is not installed with this copy ({file} is missing)").format(
                file=chain
            )
        )
    database = Path.cwd() / DEMO_DATABASE
    settings = Settings(
        database_url=f"sqlite:///{database}",
        host="127.0.0.1",
        port=args.port,
        plain_http_localhost=True,  # a person's own machine, no TLS: the cookie goes without Secure
    )
    engine = _database(settings.database_url)
    try:
        with Session(engine) as session:
            password = secrets.token_urlsafe(12)
            user = accounts.user_by_email(session, DEMO_EMAIL)
            if user is None:
                user = accounts.create_user(
                    session,
                    email=DEMO_EMAIL,
                    display_name=gettext("Demo owner"),
                    password=password,
                    actor=COMMAND_LINE,
                )
            else:  # a new password each run, printed below (the old one is not kept anywhere)
                user.password_hash = passwords.hash_password(password)
                session.add(user)
                session.commit()
            try:
                workspace = services.workspace_for(session, DEMO_WORKSPACE)
            except NotFound:
                workspace = membership.create_workspace(
                    session,
                    slug=DEMO_WORKSPACE,
                    name="ketenkaart demo",
                    owner=user,
                    actor=COMMAND_LINE,
                )
            if not services.register_document(session, workspace)["offerings"]:
                services.import_chain(
                    session,
                    workspace=workspace,
                    name=str(chain),
                    data=chain.read_bytes(),
                    dry_run=False,
                )
            token = services.create_token(
                session, slug=DEMO_WORKSPACE, role="owner", expires=None, user_id=user.id
            )
    finally:
        engine.dispose()
    base = f"http://127.0.0.1:{settings.port}"
    print(_demo_banner(base, database, password, token))  # noqa: T201
    return _run_server(settings)


def _demo_banner(base: str, database: Path, password: str, token: str) -> str:
    """What ``demo`` prints before it serves: where to sign in and the API, with a token."""
    lines = [
        gettext("ketenkaart demo: workspace '{workspace}' in {database}"),
        gettext("  open {base}/login and sign in as {email} with password {password}"),
        gettext("  API: {base}/api/v1 (described by {base}/openapi.json, shown at {base}/docs)"),
        gettext("  owner token (shown once):  {token}"),
        gettext(
            "  try: curl -H 'Authorization: Bearer {token}' "
            "{base}/api/v1/workspaces/{workspace}/check"
        ),
        gettext("  stop with Ctrl-C"),
    ]
    return "\n".join(
        line.format(
            workspace=DEMO_WORKSPACE,
            database=database,
            base=base,
            email=DEMO_EMAIL,
            password=password,
            token=token,
        )
        for line in lines
    )


def _backup(args: argparse.Namespace) -> int:
    from app import backup  # noqa: PLC0415

    engine = _database(_settings(args).database_url)
    try:
        summary = backup.backup(
            engine, Path(args.file), documents_dir=_settings(args).documents_dir
        )
    finally:
        engine.dispose()
    print(  # noqa: T201
        ngettext(
            "{file}: {rows} rows of {tables} tables, schema revision {revision}",
            "{file}: {rows} rows of {tables} tables, schema revision {revision}",
            summary.rows,
        ).format(
            file=args.file,
            rows=format_number(summary.rows),
            tables=format_number(len(summary.counts)),
            revision=summary.revision,
        )
    )
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from app import backup  # noqa: PLC0415

    engine = _database(_settings(args).database_url)
    try:
        summary = backup.restore(
            engine, Path(args.file), documents_dir=_settings(args).documents_dir
        )
    finally:
        engine.dispose()
    print(  # noqa: T201
        ngettext(
            "restored {rows} rows of {tables} tables from {file} into {database}",
            "restored {rows} rows of {tables} tables from {file} into {database}",
            summary.rows,
        ).format(
            rows=format_number(summary.rows),
            tables=format_number(len(summary.counts)),
            file=args.file,
            database=_shown(engine),
        )
    )
    return EXIT_OK
