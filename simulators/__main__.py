"""Command line of the simulators: ``python -m simulators seed --scale demo|city|wuhan``.

Each subcommand is a `_add_<name>` function that registers its parser and a handler taking the
parsed arguments and returning the exit code; add the next one (``run``) the same way.
Exit codes: 0 done, 2 a usage or configuration problem (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date

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


if __name__ == "__main__":
    sys.exit(main())
