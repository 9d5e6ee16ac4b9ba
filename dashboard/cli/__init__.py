"""`python -m dashboard ...`: the operator's command line (DESIGN.md section 4).

Every command takes --data-dir (or GASCC_DATA_DIR) and reads the rest of its settings from the
environment. Bad settings or arguments end with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
import time
from collections.abc import Callable

from dashboard.cli.errors import EXIT_USAGE, CommandError
from dashboard.domain.roles import User, system_user
from dashboard.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (SettingsError, CommandError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_demo(commands)
    _add_serve(commands)
    _add_db(commands)
    _add_users(commands)
    _add_tokens(commands)
    _add_api_tokens(commands)
    _add_scoring(commands)
    _add_report(commands)
    _add_gateway(commands)
    return parser


def _command(commands, name: str, run: Callable, help: str) -> argparse.ArgumentParser:
    sub = commands.add_parser(name, help=help, description=help)
    sub.add_argument("--data-dir", help="data directory (default: $GASCC_DATA_DIR or ./data)")
    sub.set_defaults(run=run)
    return sub


def _add_demo(commands) -> None:
    sub = _command(commands, "demo", run_demo, "seed a demo city if empty and serve the app")
    sub.add_argument("--port", type=int, help="HTTP port (default 8050)")
    sub.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    sub.add_argument("--gateway-port", type=int, help="ingest and live port (default 8765)")
    sub.add_argument("--scale", choices=("demo", "city", "wuhan"), default="demo")
    sub.add_argument("--seed", type=int, default=2026, help="random seed of the generated city")
    sub.add_argument(
        "--no-simulators",
        action="store_true",
        help="do not run the living-city simulators (python -m simulators run --demo)",
    )
    sub.add_argument(
        "--no-desk",
        action="store_true",
        help="no simulated duty officer: dispatching, notifying and closing are yours",
    )
    sub.add_argument(
        "--no-backfill",
        action="store_true",
        help="do not write the quarter's history when seeding a new city",
    )


def _add_serve(commands) -> None:
    sub = _command(commands, "serve", run_serve, "serve the app (production: gunicorn)")
    sub.add_argument("--port", type=int)
    sub.add_argument("--host")
    sub.add_argument("--workers", type=int)


def _add_db(commands) -> None:
    sub = _command(commands, "db", run_db, "database schema")
    sub.add_argument("action", choices=("upgrade", "current"))


def _writing(commands, name: str, run: Callable, help: str) -> argparse.ArgumentParser:
    """A subcommand that changes something: the log records who did it (--by)."""
    sub = _command(commands, name, run, help)
    sub.add_argument(
        "--by",
        metavar="NAME",
        help="who is acting, recorded in the event log as cli:NAME (default: your OS user name)",
    )
    return sub


def _add_users(commands) -> None:
    users = commands.add_parser("users", help="user accounts", description="user accounts")
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _writing(actions, "add", run_users, "add a user (the password is asked for)")
    add.add_argument("username")
    _add_role_and_binding(add)
    add.add_argument("--name", help="display name")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _command(actions, "list", run_users, "list users")
    role = _writing(actions, "role", run_users, "give a user another role (and its binding)")
    role.add_argument("username")
    _add_role_and_binding(role)
    deactivate = _writing(actions, "deactivate", run_users, "stop a user from signing in")
    deactivate.add_argument("username")


def _add_role_and_binding(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--role",
        required=True,
        help="admin, leader, duty_officer, supervisor, district_officer, enterprise or screen",
    )
    sub.add_argument("--district", help="district code, for a district_officer")
    sub.add_argument("--enterprise", help="enterprise id, for an enterprise user")


def _add_tokens(commands) -> None:
    tokens = commands.add_parser("tokens", help="ingest tokens", description="ingest tokens")
    actions = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _writing(actions, "add", run_tokens, "add a token for one source (printed once)")
    add.add_argument("--source", required=True, help="the source id the token speaks for")
    add.add_argument(
        "--types",
        required=True,
        help="comma-separated event types it may send, e.g. cylinder.scanned,team.position",
    )
    add.add_argument("--label", help="a note for operators, e.g. who holds the token")
    add.add_argument(
        "--enterprise",
        help="bind to one registered enterprise id: the source may then act only on its objects",
    )
    _command(actions, "list", run_tokens, "list tokens (never the tokens themselves)")
    revoke = _writing(actions, "revoke", run_tokens, "revoke a token by its id")
    revoke.add_argument("id", type=int)


def run_tokens(args: argparse.Namespace) -> int:
    from dashboard.cli import tokens as tokens_cli

    settings = Settings.from_env(data_dir=args.data_dir, require_secret=False)
    engine = _migrated_engine(settings)
    try:
        if args.action == "list":
            return tokens_cli.list_all(engine)
        if args.action == "revoke":
            return tokens_cli.revoke(engine, operator(args), args.id)
        return tokens_cli.add(engine, operator(args), args)
    finally:
        engine.dispose()


def _add_api_tokens(commands) -> None:
    tokens = commands.add_parser(
        "api-tokens", help="personal API tokens", description="personal API tokens (docs/api.md)"
    )
    actions = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = _writing(
        actions, "create", run_api_tokens, "a token acting as USERNAME (printed once)"
    )
    create.add_argument("username")
    create.add_argument("--label", help="a note, e.g. which script holds the token")
    listing = _command(actions, "list", run_api_tokens, "list tokens (never the tokens themselves)")
    listing.add_argument("--user", help="only this user's tokens")
    revoke = _writing(actions, "revoke", run_api_tokens, "revoke a token by its id")
    revoke.add_argument("id", type=int)


def run_api_tokens(args: argparse.Namespace) -> int:
    from dashboard.cli import api_tokens

    settings = Settings.from_env(data_dir=args.data_dir, require_secret=False)
    engine = _migrated_engine(settings)
    try:
        if args.action == "list":
            return api_tokens.list_all(engine, args.user)
        if args.action == "revoke":
            return api_tokens.revoke(engine, operator(args), args.id)
        return api_tokens.create(engine, operator(args), args.username, args.label)
    finally:
        engine.dispose()


def _add_scoring(commands) -> None:
    scoring = commands.add_parser(
        "scoring",
        help="scoring weights and thresholds",
        description="scoring weights and thresholds, versioned (docs/rankings.md)",
    )
    actions = scoring.add_subparsers(dest="action", required=True, metavar="ACTION")
    _command(actions, "show", run_scoring, "the configuration in force")
    _command(actions, "versions", run_scoring, "every recorded change, newest first")
    change = _writing(actions, "set", run_scoring, "change one key: a new version")
    change.add_argument("key", help="dotted key, e.g. district.weights.hazard_closure")
    change.add_argument("value", help="a number")
    change.add_argument("--reason", help="why, recorded with the change")
    load = _writing(actions, "load", run_scoring, "put a TOML file in force: a new version")
    load.add_argument("file", help="a file like dashboard/scoring.toml")
    load.add_argument("--reason", help="why, recorded with the change")
    export = _command(actions, "export", run_scoring, "write a version as TOML")
    export.add_argument("--version", help="the version (default: the one in force)")
    export.add_argument("--out", required=True, help="the file to write")


def run_scoring(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dashboard.cli import scoring

    settings = Settings.from_env(data_dir=args.data_dir, require_secret=False)
    engine = _migrated_engine(settings)
    try:
        if args.action == "show":
            return scoring.show(engine)
        if args.action == "versions":
            return scoring.versions(engine, settings.time_zone)
        if args.action == "export":
            return scoring.export(engine, args.version, Path(args.out))
        if args.action == "set":
            return scoring.set_value(engine, operator(args), args.key, args.value, args.reason)
        return scoring.load(engine, operator(args), Path(args.file), args.reason)
    finally:
        engine.dispose()


MAX_OPERATOR_NAME = 48  # "user:cli:NAME" fits the event log's source column


def operator(args: argparse.Namespace) -> User:
    """The operator at the command line, acting with an administrator's rights as "cli:NAME"."""
    name = args.by
    if name is None:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name and no passwd entry (some containers)
            raise CommandError("cannot tell who you are: give --by NAME") from None
    name = name.strip()
    if not name or len(name) > MAX_OPERATOR_NAME or not name.isprintable():
        raise CommandError(f"--by needs a name of 1..{MAX_OPERATOR_NAME} printable characters")
    return system_user(f"cli:{name}")


def _add_report(commands) -> None:
    report = commands.add_parser("report", help="reports", description="reports")
    kinds = report.add_subparsers(dest="kind", required=True, metavar="KIND")
    rankings = _command(
        kinds, "rankings", run_report, "the rankings of a period as a PDF briefing or a workbook"
    )
    rankings.add_argument("--period", required=True, help="2026Q4, or 2026-10-01..2026-11-15")
    rankings.add_argument("--out", required=True, help="the file to write (.pdf or .xlsx)")
    rankings.add_argument("--lang", choices=("zh", "en"), default="zh")
    rankings.add_argument(
        "--format", choices=("pdf", "xlsx"), help="default: from the suffix of --out"
    )
    rankings.add_argument("--version", help="the scoring version (default: the one in force)")


def run_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dashboard.citypack import CityPackError, load_city_pack
    from dashboard.cli import report

    settings = Settings.from_env(data_dir=args.data_dir, require_secret=False)
    try:
        city = load_city_pack(settings.city_pack)
    except CityPackError as error:
        raise CommandError(str(error)) from None
    request = report.RankingsRequest(
        period=args.period,
        out=Path(args.out),
        lang=args.lang,
        format=args.format,
        version=args.version,
        city_zh=city.name_zh,
        city_en=city.name_en,
        time_zone=settings.time_zone,
    )
    engine = _migrated_engine(settings)
    try:
        return report.rankings(engine, request)
    finally:
        engine.dispose()


def _add_gateway(commands) -> None:
    sub = _command(commands, "gateway", run_gateway, "serve the ingest gateway (websocket /ingest)")
    sub.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    sub.add_argument("--port", type=int, help="port (default $GASCC_GATEWAY_PORT or 8765)")


def run_gateway(args: argparse.Namespace) -> int:
    from dashboard.gateway.server import run_gateway as run

    # The secret key checks the browsers' live tokens, which the Dash app signs.
    settings = Settings.from_env(data_dir=args.data_dir)
    if args.host:
        settings = settings.with_overrides(host=args.host)
    if args.port is not None:
        if not 1 <= args.port <= 65535:
            raise CommandError(f"--port {args.port} is outside 1..65535")
        settings = settings.with_overrides(gateway_port=args.port)
    from data_access.db import make_engine
    from data_access.migrate import is_up_to_date

    engine = make_engine(settings.database_url)
    try:
        if not is_up_to_date(engine):
            raise CommandError(
                "the database schema is not up to date: run `python -m dashboard db upgrade`"
            )
    finally:
        engine.dispose()
    return run(settings)


def _settings(args: argparse.Namespace, *, demo: bool = False) -> Settings:
    settings = Settings.from_env(demo=demo, data_dir=args.data_dir)
    overrides = {
        key: getattr(args, key)
        for key in ("port", "host", "workers")
        if getattr(args, key, None) is not None
    }
    if "port" in overrides and not 1 <= overrides["port"] <= 65535:
        raise CommandError(f"--port {overrides['port']} is outside 1..65535")
    return settings.with_overrides(**overrides)


def _migrated_engine(settings: Settings):
    from data_access.db import make_engine
    from data_access.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except Exception as error:  # the driver's own message is the useful part
        raise CommandError(f"cannot migrate {engine.url!r}: {error}".splitlines()[0]) from None
    return engine


def run_db(args: argparse.Namespace) -> int:
    settings = Settings.from_env(data_dir=args.data_dir, require_secret=False)
    if args.action == "upgrade":
        engine = _migrated_engine(settings)
        print(f"database {engine.url!r} is at the newest schema")
        return 0
    from data_access.db import make_engine
    from data_access.migrate import current_revision, head_revision

    engine = make_engine(settings.database_url)
    print(f"current {current_revision(engine)} · newest {head_revision()}")
    return 0


def run_users(args: argparse.Namespace) -> int:
    from dashboard.cli import users as user_admin

    settings = Settings.from_env(data_dir=args.data_dir, require_secret=False)
    engine = _migrated_engine(settings)
    if args.action == "list":
        return user_admin.list_accounts(engine)
    if args.action == "deactivate":
        return user_admin.deactivate(engine, operator(args), args.username)
    if args.action == "role":
        return user_admin.change_role(engine, operator(args), args)
    by = operator(args)
    password = _read_password(args.password_stdin)
    return user_admin.add(engine, by, args, password)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise CommandError("the two passwords differ")
    if len(password) < 8:
        raise CommandError("the password must be at least 8 characters long")
    return password


def run_serve(args: argparse.Namespace) -> int:
    from dashboard.server import serve

    settings = _settings(args)
    from data_access.db import make_engine
    from data_access.migrate import is_up_to_date

    if not is_up_to_date(make_engine(settings.database_url)):
        raise CommandError(
            "the database schema is not up to date: run `python -m dashboard db upgrade`"
        )
    print(f"serving on http://{settings.host}:{settings.port}/", flush=True)
    return serve(settings)


def run_demo(args: argparse.Namespace) -> int:
    from dashboard.cli.readiness import announce_when_ready, checks
    from dashboard.demo import ensure_demo_users, run_beside, seed_if_empty
    from dashboard.server import serve
    from data_access.eventlog import last_seq
    from simulators.backfill import backfill_quarter

    settings = _settings(args, demo=True)
    if args.gateway_port is not None:
        settings = settings.with_overrides(gateway_port=args.gateway_port)
    started = time.monotonic()
    engine = _migrated_engine(settings)
    seeded = seed_if_empty(engine, settings, scale=args.scale, seed=args.seed)
    logins = ensure_demo_users(engine)
    if seeded and not args.no_backfill:  # a city with a past: the quarter so far
        photos = str(settings.data_dir / "photos")  # the pages show the photos it names
        past = backfill_quarter(
            engine, settings.city_pack, desk="duty", say=print, photos_dir=photos
        )
        print(past.line())
    log_mark = last_seq(engine)  # the simulators are on the air once a source is heard after it
    engine.dispose()
    env = _child_env(settings)
    simulate = not args.no_simulators
    with contextlib.ExitStack() as children:
        children.enter_context(run_beside(_gateway_command(settings), env, "gateway"))
        if simulate:  # they wait for the gateway by themselves
            command = _simulators_command(settings, desk=not args.no_desk)
            children.enter_context(run_beside(command, env, "simulators"))

        def ready(missing: list[str]) -> None:
            elapsed = time.monotonic() - started
            desk = simulate and not args.no_desk
            _print_demo_banner(settings, logins, seeded, elapsed, missing, desk)

        announce_when_ready(checks(settings, log_mark if simulate else None), ready)
        return serve(settings)


def _gateway_command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dashboard",
        "gateway",
        "--data-dir",
        str(settings.data_dir),
        "--host",
        settings.host,
        "--port",
        str(settings.gateway_port),
    ]


def _simulators_command(settings: Settings, *, desk: bool = True) -> list[str]:
    """The living city at a pace a person can follow (docs/simulators.md, "--demo"), with the
    simulated duty officer unless `desk` is False."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return [
        sys.executable,
        "-m",
        "simulators",
        "run",
        "--demo",
        "--url",
        f"ws://{host}:{settings.gateway_port}/ingest",
        "--data-dir",
        str(settings.data_dir),
        "--photos-dir",
        str(settings.data_dir / "photos"),
        "--desk" if desk else "--no-desk",
    ]


def _child_env(settings: Settings) -> dict[str, str]:
    """The demo's own settings for its children (passed in the environment, never in argv)."""
    return {
        **os.environ,
        "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": settings.database_url,
        "PYTHONUNBUFFERED": "1",
    }


def _print_demo_banner(
    settings: Settings,
    logins: list,
    seeded: bool,
    elapsed: float,
    missing: list[str],
    desk: bool = False,
) -> None:
    state = "seeded a new demo city" if seeded else "reusing the existing data"
    if missing:
        print(f"warning: after {elapsed:.0f} s still not answering: {', '.join(missing)}")
        print(f"Gas-safety command center demo ({state}, started in {elapsed:.1f} s)")
    else:
        print(f"Gas-safety command center demo ({state}, ready in {elapsed:.1f} s)")
    print(f"  data:  {settings.data_dir}")
    print(f"  open:  http://{settings.host}:{settings.port}/")
    print(f"  ingest: ws://{settings.host}:{settings.gateway_port}/ingest  (live: /live)")
    print("  logins (username / password, role):")
    for login in logins:
        print(f"    {login.username:<11} / {login.password:<16} {login.role.value}")
    if desk:
        from dashboard.demo import DESK_SIM

        who = f"{DESK_SIM.display_name}, account {DESK_SIM.username}"
        print(f"  duty desk: a simulated officer ({who}) acts too; --no-desk to do it all yourself")
    print("  Ctrl-C stops everything.", flush=True)
