"""Command line of the simulators: ``python -m simulators seed --scale demo|city|wuhan``,
``python -m simulators run --url ws://HOST:PORT/ingest`` and
``python -m simulators backfill --days N`` (docs/simulators.md).

Each subcommand is a `_add_<name>` function that registers its parser and a handler taking the
parsed arguments and returning the exit code.
Exit codes: 0 done, 1 (run) some event did not get the answer it expected, 2 a usage or
configuration problem (one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from dashboard.citypack import CityPackError, load_city_pack
from dashboard.settings import Settings, SettingsError
from data_access.db import make_engine
from data_access.migrate import upgrade
from simulators.progress import BIG_SCALE_ROWS, progress_bar
from simulators.seed import (
    REFERENCE_DATE,
    SCALES,
    RegistryNotEmptyError,
    Scale,
    seed_registry,
)

Handler = Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (SettingsError, CityPackError, RegistryNotEmptyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulators", description="City generator and live event simulators."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_seed(commands)
    _add_run(commands)
    _add_backfill(commands)
    return parser


# --- seed -----------------------------------------------------------------------------------


def _add_seed(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    seed = commands.add_parser(
        "seed",
        help="fill an empty database with a generated city registry",
        description=(
            "Generate a city's registry (enterprises, sites, workers, customers, cylinders, "
            "pipelines, sensors, teams, resources) into the database, deterministically."
        ),
    )
    seed.add_argument("--scale", choices=sorted(SCALES), default="demo")
    seed.add_argument("--seed", type=_non_negative, default=0, help="random seed (default 0)")
    seed.add_argument("--data-dir", help="data directory (default: $GASCC_DATA_DIR or ./data)")
    seed.add_argument("--database-url", help="overrides DATABASE_URL")
    seed.add_argument(
        "--replace", action="store_true", help="clear an existing registry and seed again"
    )
    seed.add_argument(
        "--reference-date",
        type=date.fromisoformat,
        default=REFERENCE_DATE,
        help=f"'today' for generated dates (default {REFERENCE_DATE.isoformat()})",
    )
    seed.add_argument("--no-progress", action="store_true", help="never show progress bars")
    seed.set_defaults(handler=_seed)


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _settings(args: argparse.Namespace) -> Settings:
    environ = dict(os.environ)
    if args.database_url:
        # Through the settings, so a --database-url is checked and normalised like DATABASE_URL.
        environ["DATABASE_URL"] = args.database_url
    return Settings.from_env(environ, data_dir=args.data_dir, require_secret=False)


def _seed(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    settings = _settings(args)
    scale: Scale = SCALES[args.scale]
    pack = load_city_pack(settings.city_pack)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        show = scale.customers >= BIG_SCALE_ROWS and not args.no_progress
        counts = seed_registry(
            engine,
            scale,
            pack,
            seed=args.seed,
            reference_date=args.reference_date,
            replace=args.replace,
            progress=progress_bar if show else None,
        )
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"seeded {scale.name} (seed {args.seed}) in {elapsed:.1f} s: {summary}")
    return 0


# --- backfill -------------------------------------------------------------------------------


def _add_backfill(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backfill = commands.add_parser(
        "backfill",
        help="write N days of the seeded city's history through the write path, in bulk",
        description=(
            "Run the city's streams offline on the simulated clock over the N days before --end "
            "(default now) and append their events, with the command center's own dispatches, "
            "notifications, closings and escalations, in large batches (docs/simulators.md, "
            "Backfill). Deterministic for a seed, a start and an end; a period that already "
            "holds history is refused."
        ),
    )
    backfill.add_argument("--days", type=_positive, required=True, help="how many days")
    backfill.add_argument("--seed", type=_non_negative, default=0, help="random seed (default 0)")
    backfill.add_argument(
        "--scale",
        choices=sorted(SCALES),
        default="demo",
        help="the registry's scale (an empty registry is told to seed this one)",
    )
    backfill.add_argument("--data-dir", help="data directory (default: $GASCC_DATA_DIR or ./data)")
    backfill.add_argument("--database-url", help="overrides DATABASE_URL")
    backfill.add_argument(
        "--end",
        type=_moment,
        help="when the history ends, e.g. 2026-12-01T10:00+08:00 (default: now, whole seconds)",
    )
    backfill.add_argument("--desk", default="backfill", help="actor of the desk's events")
    backfill.add_argument("--no-progress", action="store_true", help="no progress bar")
    backfill.add_argument(
        "--volume",
        action="append",
        default=[],
        metavar="STREAM=FACTOR",
        help="scale a volume stream, e.g. cylinders=0.02 (a year of Wuhan in minutes; the case "
        "streams keep their pace)",
    )
    backfill.add_argument(
        "--no-traits",
        action="store_true",
        help="every district and enterprise behaves alike (default: seeded traits, "
        "simulators/district_traits.py)",
    )
    backfill.set_defaults(handler=_backfill)


def _backfill(args: argparse.Namespace) -> int:
    from simulators.backfill import BackfillRefused, backfill
    from simulators.world import load_world

    settings = _settings(args)
    try:
        volume = _pairs(args.volume, "--volume")
        if any(factor < 0 for factor in volume.values()):
            raise ValueError("--volume: a factor cannot be negative")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    pack = load_city_pack(settings.city_pack)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        world = load_world(engine, pack)
        if not world.enterprises:
            print(
                "error: the registry is empty: seed it first (python -m simulators seed "
                f"--scale {args.scale})",
                file=sys.stderr,
            )
            return 2
        with _days_bar(args.days, not args.no_progress) as progress:
            result = backfill(
                engine, world, days=args.days, end=args.end, seed=args.seed, desk=args.desk,
                progress=progress, photos_dir=str(settings.data_dir / "photos"),
                volume=volume, traits=not args.no_traits,
            )  # fmt: skip
    except BackfillRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(result.summary(), flush=True)
    return 0


@contextlib.contextmanager
def _days_bar(days: float, show: bool) -> Iterator[Callable[[float, int], None] | None]:
    """A bar of the days written, with the events written so far (to stderr)."""
    if not show:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=round(days, 1), desc="backfill", unit=" days", file=sys.stderr) as bar:

        def update(done: float, written: int) -> None:
            bar.n = round(min(done, days), 1)
            bar.set_postfix_str(f"{written:,} events", refresh=False)
            bar.refresh()

        yield update


# --- run ------------------------------------------------------------------------------------


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from simulators.anomalies import ANOMALY_KINDS
    from simulators.core import STREAMS
    from simulators.scenarios import SCENARIOS

    run = commands.add_parser(
        "run",
        help="stream a living city to an ingest gateway",
        description=(
            "Send the live streams of the seeded city (every bottled-gas enterprise, the 119 "
            "fire feed, the 96511 hotline, the field-app fleet, the sensor network) to an "
            "ingest gateway, each source on its own connection with its own token. "
            "Ctrl-C (or SIGTERM) stops it: queued events are sent and acked, then a summary "
            "per source is printed. Exit code 0 when every event got the answer it expected."
        ),
    )
    run.add_argument("--url", required=True, help="the gateway, e.g. ws://127.0.0.1:8765/ingest")
    run.add_argument("--data-dir", help="data directory (default: $GASCC_DATA_DIR or ./data)")
    run.add_argument("--database-url", help="overrides DATABASE_URL")
    run.add_argument(
        "--tokens",
        help="JSON file {source: token}; default: create a token per source in the database "
        "(revoked when the run ends)",
    )
    run.add_argument(
        "--registry-scale",
        choices=sorted(SCALES),
        help="generate the registry in memory (as `seed --scale` did) instead of reading the "
        "database; needs --tokens",
    )
    run.add_argument("--registry-seed", type=_non_negative, default=0)
    run.add_argument(
        "--demo",
        action="store_true",
        help="the demo preset: the real clock, cases 8 times their natural pace, about 6 "
        "events/s, a scenario every hour, no stand-in dispatch",
    )
    run.add_argument("--seed", type=_non_negative, default=0, help="random seed (default 0)")
    run.add_argument(
        "--speed",
        type=_speed,
        help="simulated seconds per real second (default 1; 'max': as fast as the gateway "
        "takes them, --clock sim only)",
    )
    run.add_argument("--rate", type=_positive, help="target events per real second")
    run.add_argument(
        "--pace",
        type=_positive,
        help="make new cases (incidents, inspections, complaints, violations, digs) this many "
        "times their natural rate; durations stay true (default 1; demo 8)",
    )
    run.add_argument(
        "--stand-in",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the simulators dispatch their own incidents' nearest teams a minute after the "
        "report (default: on, off with --demo, where the duty desk dispatches)",
    )
    run.add_argument("--flat", action="store_true", help="no daily rhythm (benchmarks)")
    run.add_argument(
        "--clock",
        choices=("live", "sim"),
        default="live",
        help="live: occurred_at is real time (default); sim: occurred_at is the simulated "
        "time, which then lies in the past (a backfill)",
    )
    run.add_argument(
        "--sim-start",
        type=_moment,
        help="where the simulated clock starts, e.g. 2026-11-23T17:50+08:00 (default: now; "
        "with --clock sim, early enough to end now)",
    )
    run.add_argument("--duration", type=_span, help="stop after this long, e.g. 90s, 10m, 2h")
    run.add_argument("--sim-duration", type=_span, help="stop after this much simulated time")
    run.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run a scenario once ({', '.join(SCENARIOS)}); repeat or comma-separate",
    )
    run.add_argument(
        "--scenario-after",
        type=_span,
        help="real time before the first scenario (default 5s)",
    )
    run.add_argument(
        "--scenario-every", type=_span, help="cycle through the scenarios this often (real time)"
    )
    run.add_argument(
        "--anomaly-rate",
        type=_rate,
        help="set every anomaly rate to this (0 turns them off); default: small rates",
    )
    run.add_argument(
        "--anomaly",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help=f"one anomaly's rate; kinds: {', '.join(ANOMALY_KINDS)}",
    )
    run.add_argument(
        "--streams", help=f"comma-separated streams to run (default all: {', '.join(STREAMS)})"
    )
    run.add_argument(
        "--volume",
        action="append",
        default=[],
        metavar="STREAM=FACTOR",
        help="scale a stream's volume (e.g. sensors=0.1); --rate sets cylinders and sensors",
    )
    run.add_argument("--window", type=_positive_int, default=8, help="frames in flight per source")
    run.add_argument("--max-frame-events", type=_positive_int, default=1000)
    run.add_argument("--max-customers", type=_positive_int, default=200_000)
    run.add_argument("--max-cylinders", type=_positive_int, default=300_000)
    run.add_argument("--photos-dir", help="also write the generated photos here (<sha256>.svg)")
    run.add_argument("--run-tag", help="the id prefix of this run (default: from seed and start)")
    run.add_argument("--drain-timeout", type=_positive, default=30.0)
    run.add_argument(
        "--report-every", type=float, default=None, help="progress line interval, s (0: none)"
    )
    run.add_argument("--keep-tokens", action="store_true", help="do not revoke created tokens")
    run.add_argument(
        "--follow-desk",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="follow the duty desk's dispatches heard on the gateway's /live (default: with "
        "--demo); needs SECRET_KEY or the demo's <data-dir>/secret_key",
    )
    run.add_argument("--live-url", help="the gateway's live channel (default: --url's /live)")
    run.add_argument(
        "--desk",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a simulated duty officer dispatches, notifies and closes through the desk's "
        "commands (default: with --demo and a database; --no-desk leaves it to you)",
    )
    run.set_defaults(handler=_run)


def _speed(text: str) -> float | str:
    if text.strip().lower() in ("max", "unpaced"):
        return "max"
    return _positive(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a rate is within 0..1")
    return value


def _span(text: str) -> float:
    from simulators.clock import parse_span

    try:
        return parse_span(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _moment(text: str) -> float:
    from datetime import datetime

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date and time") from None
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return value.timestamp()


def _pairs(items: list[str], what: str) -> dict[str, float]:
    """["a=1,b=2", "c=3"] -> {"a": 1.0, "b": 2.0, "c": 3.0}."""
    out: dict[str, float] = {}
    for part in (p.strip() for item in items for p in item.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"{what} {part!r}: expected NAME=NUMBER") from None
    return out


class _UsageError(ValueError):
    pass


def _run_options(args: argparse.Namespace) -> tuple[Any, Any, list[str]]:
    from dataclasses import replace

    from simulators.anomalies import anomaly_rates
    from simulators.core import STREAMS, CityOptions
    from simulators.run import DEMO_SCENARIO_EVERY_S, RunOptions, demo_options
    from simulators.scenarios import SCENARIOS

    names = [n.strip() for item in args.scenario for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise _UsageError(f"unknown scenario {unknown[0]!r}; known: {', '.join(SCENARIOS)}")
    if args.demo:
        city, run = demo_options(args.url)
    else:
        city, run = CityOptions(), RunOptions(url=args.url)
    speed: float | None = run.speed  # the preset's (1 by default)
    if args.speed == "max":
        speed = None
    elif args.speed is not None:
        speed = args.speed
    if speed is None and args.clock != "sim":
        raise _UsageError("--speed max needs --clock sim (occurred_at = simulated time)")
    try:
        rates = anomaly_rates(args.anomaly_rate, _pairs(args.anomaly, "--anomaly"))
        volume = _pairs(args.volume, "--volume")
    except ValueError as error:
        raise _UsageError(str(error)) from None
    streams = frozenset(STREAMS)
    if args.streams:
        streams = frozenset(s.strip() for s in args.streams.split(",") if s.strip())
    scale = speed or 1.0
    after = args.scenario_after if args.scenario_after is not None else 5.0
    every = args.scenario_every or (DEMO_SCENARIO_EVERY_S if args.demo else None)  # real seconds
    try:
        city = replace(
            city,
            seed=args.seed,
            streams=streams,
            rate=args.rate if args.rate is not None else city.rate,
            case_pace=args.pace if args.pace is not None else city.case_pace,
            stand_in_dispatch=city.stand_in_dispatch if args.stand_in is None else args.stand_in,
            volume=volume,
            flat=args.flat,
            anomalies=rates,
            scenarios=tuple((name, after * scale) for name in names),
            scenario_every=every * scale if every else None,
            first_scenario_after=after * scale if every or args.demo else 0.0,
            run_tag=args.run_tag,
            photos_dir=args.photos_dir,
        )
    except ValueError as error:
        raise _UsageError(str(error)) from None
    occurred_span = args.duration or 0.0  # real time, which is occurred_at time when live
    if args.clock == "sim" and args.sim_duration:
        occurred_span = args.sim_duration
    city = replace(city, valid_margin_days=max(60, math.ceil(occurred_span / 86_400) + 30))
    report_every = args.report_every if args.report_every is not None else run.report_every
    run = replace(
        run,
        speed=speed,
        clock=args.clock,
        sim_start=args.sim_start,
        duration=args.duration,
        sim_duration=args.sim_duration,
        window=args.window,
        max_frame_events=args.max_frame_events,
        drain_timeout=args.drain_timeout,
        report_every=report_every or None,
    )
    return city, run, names


def _desk_listener(args: argparse.Namespace, engine: Any) -> Any:
    """The field app's ear on the duty desk (simulators/desk.py), or None: not asked for, the
    sim clock, or no key to sign live tokens with (a remote gateway keeps today's behaviour)."""
    from simulators.desk import DeskListener, database_lookup, desk_secret, live_url_for

    follow = args.follow_desk if args.follow_desk is not None else args.demo
    if not follow:
        return None
    if args.clock != "live":
        print("note: the duty desk is followed on the live clock only", file=sys.stderr)
        return None
    secret = desk_secret(os.environ, args.data_dir)
    if secret is None:
        print(
            "note: no SECRET_KEY and no <data-dir>/secret_key: not following the duty desk",
            file=sys.stderr,
        )
        return None
    lookup = database_lookup(engine) if engine is not None else None
    url = args.live_url or live_url_for(args.url)
    return DeskListener(url, secret, lookup=lookup, seed=args.seed)


def _duty_desk(args: argparse.Namespace, engine: Any, settings: Settings) -> Any:
    """The simulated duty officer (simulators/duty_desk.py), or None: not asked for, or no
    database to act in. Its crews need the desk followed, so it runs only with the listener."""
    from dashboard.demo import ensure_desk_user
    from dashboard.routing import build_router
    from simulators.duty_desk import DutyDesk

    wanted = args.desk if args.desk is not None else args.demo
    if not wanted or engine is None:
        return None
    user = ensure_desk_user(engine)
    if user is None:
        print("note: no desk-sim account could be made: the duty desk is yours", file=sys.stderr)
        return None
    return DutyDesk(
        engine,
        user,
        seed=args.seed,
        router=build_router(settings.router_url),
        time_zone=settings.time_zone,
    )


def _detention_desk(args: argparse.Namespace, engine: Any) -> Any:
    """The simulated detention desk (simulators/detention_desk.py): a supervisor and the
    enterprises detaining, recalling and disposing of problem cylinders through the commands;
    with the duty desk (the demo), when there is a database to act in."""
    from simulators.detention_desk import DetentionDesk, detention_user

    wanted = args.desk if args.desk is not None else args.demo
    if not wanted or engine is None:
        return None
    return DetentionDesk(engine, seed=args.seed, supervisor=detention_user(engine))


def _complaint_desk(args: argparse.Namespace, engine: Any) -> Any:
    """The simulated complaint staff (simulators/complaint_desk.py): the 96511 desk, the
    district offices and the enterprises taking complaints down the chain through the commands;
    with the duty desk (the demo), when there is a database to act in."""
    from simulators.complaint_desk import ComplaintDesk

    wanted = args.desk if args.desk is not None else args.demo
    if not wanted or engine is None:
        return None
    return ComplaintDesk(engine, seed=args.seed)


def _take_open_tasks(engine: Any, city: Any) -> None:
    """The district offices carry on with the inspection tasks open in the database."""
    from datetime import UTC, datetime

    from data_access.queries.inspection_tasks import open_task_work
    from simulators.streams.tasks import live_task_work

    found = open_task_work(engine, datetime.now(UTC))
    for work in live_task_work(found, city.clock.sim_of_occurred):
        city.streams["inspections"].take_task(work)
    if found:
        print(f"inspection tasks: working through {len(found)} open ones", file=sys.stderr)


def _log_to_stderr() -> None:
    """The simulators' own log lines (the desk listener's) go to stderr with the progress."""
    import logging

    logger = logging.getLogger("simulators")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _run(args: argparse.Namespace) -> int:
    import asyncio
    import json
    import signal
    from dataclasses import replace

    from simulators.run import create_tokens, revoke_tokens, run_city
    from simulators.world import load_world, offline_world

    try:
        city_options, run_options, names = _run_options(args)
    except _UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _log_to_stderr()
    settings = _settings(args)
    pack = load_city_pack(settings.city_pack)
    engine = None
    limits = {"max_customers": args.max_customers, "max_cylinders": args.max_cylinders}
    supplied: dict[str, str] | None = None
    if args.tokens:
        try:
            with open(args.tokens, encoding="utf-8") as handle:
                supplied = json.load(handle)
        except (OSError, ValueError) as error:
            print(f"error: --tokens {args.tokens}: {error}", file=sys.stderr)
            return 2
        if not isinstance(supplied, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in supplied.items()
        ):
            print("error: --tokens must hold a JSON object {source: token}", file=sys.stderr)
            return 2
    if args.registry_scale:
        if supplied is None:
            print("error: --registry-scale needs --tokens", file=sys.stderr)
            return 2
        world = offline_world(args.registry_scale, pack, seed=args.registry_seed, **limits)
    else:
        from sqlalchemy.exc import SQLAlchemyError

        engine = make_engine(settings.database_url)
        try:
            world = load_world(engine, pack, **limits)
        except SQLAlchemyError as error:  # no schema yet, or the database is not there
            world = None
            problem = str(error).splitlines()[0]
        if world is None or not world.enterprises:
            engine.dispose()
            why = f" ({problem})" if world is None else ""
            print(
                f"error: no registry in {settings.database_url}{why}; run `python -m simulators "
                "seed` first",
                file=sys.stderr,
            )
            return 2
    desk = _desk_listener(args, engine)
    city_options = replace(city_options, follow_desk=desk is not None)
    duty_desk = _duty_desk(args, engine, settings) if desk is not None else None
    if desk is None and args.desk:  # its dispatches would go nowhere: no crew would hear them
        print("note: the simulated duty desk needs the desk followed: it is off", file=sys.stderr)
    if duty_desk is not None:  # the officer sends the teams: no stand-in dispatch
        city_options = replace(city_options, stand_in_dispatch=False)
    created: list[int] = []

    def tokens_for(sources: list[str]) -> dict[str, str]:
        if supplied is not None:
            return supplied
        tokens, ids, notes = create_tokens(engine, sources, world)
        created.extend(ids)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        return tokens

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    async def main() -> Any:
        stop, abort = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()

        def signalled() -> None:  # the first signal drains, a second one stops waiting
            if stop.is_set():
                abort.set()
            else:
                print("stopping: sending what is queued (again to stop at once)", file=sys.stderr)
                stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, signalled)

        def started(city: Any) -> None:
            if engine is not None and "inspections" in city.streams:
                _take_open_tasks(engine, city)
            if complaint_desk is not None and "complaints" in city.streams:
                city.streams["complaints"].handled_by_desk = True  # its staff take them on
            when = city.local(city.clock.sim_start).isoformat(timespec="seconds")
            print(
                f"simulating from {when} ({run_options.clock} clock, run tag {city.run_tag}; "
                f"--sim-start {when} --run-tag {city.run_tag} --seed {args.seed} repeats it) to "
                f"{args.url}",
                file=sys.stderr,
                flush=True,
            )

        return await run_city(
            world,
            city_options,
            run_options,
            tokens_for,
            stop=stop,
            abort=abort,
            progress=progress,
            scenario_start=names[0] if len(names) == 1 and not args.demo else None,
            on_start=started,
            desk=desk,
            duty_desk=duty_desk,
        )

    detention_desk = _detention_desk(args, engine)
    if detention_desk is not None:
        detention_desk.start()
    complaint_desk = _complaint_desk(args, engine)
    if complaint_desk is not None:
        complaint_desk.start()
    try:
        try:
            report = asyncio.run(main())
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    finally:
        if detention_desk is not None:
            detention_desk.stop()
        if complaint_desk is not None:
            complaint_desk.stop()
        if engine is not None:
            if not args.keep_tokens:
                revoke_tokens(engine, created)
            engine.dispose()
    print(report.summary(), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
