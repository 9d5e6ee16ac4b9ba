"""Progress bars for long seeding runs (to stderr, so stdout stays a clean summary)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

BIG_SCALE_ROWS = 100_000  # show progress bars from this many customers on


@contextmanager
def progress_bar(table: str, total: int) -> Iterator[Callable[[int], object]]:
    """One bar per table; `seed_registry` calls the yielded function with each batch's size."""
    with tqdm(
        total=total, desc=f"{table:<17}", unit=" rows", unit_scale=True, file=sys.stderr
    ) as bar:
        yield bar.update
