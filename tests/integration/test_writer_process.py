"""The ingest writer process: batches in order, nothing lost when the child dies, a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from dashboard.domain.events import Rejection
from dashboard.gateway.ingest import Unavailable
from dashboard.gateway.writer import ProcessWriter
from data_access.eventlog import Accepted, Duplicate, Incoming
from data_access.models import CylinderState, EventRecord
from tests.integration.test_eventlog import scan, seed_city


@pytest.fixture
def writer(engine: Engine) -> Iterator[ProcessWriter]:
    seed_city(engine)
    writer = ProcessWriter(engine.url.render_as_string(hide_password=False))
    writer.start()
    yield writer
    writer.stop()


def scans(first: int, count: int) -> list[Incoming]:
    events = [scan(f"w-{n}", "Y1", "filling", n / 100) for n in range(first, first + count)]
    return [Incoming("ent-0001", event) for event in events]


async def test_batches_commit_in_the_order_they_were_handed_over(writer, engine) -> None:
    started = [writer.commit(scans(n * 10, 10)) for n in range(6)]  # all in flight at once
    results = [await outcome for outcome in started]
    seqs = [o.seq for batch in results for o in batch]
    assert all(isinstance(o, Accepted) for batch in results for o in batch)
    assert seqs == sorted(seqs) and len(set(seqs)) == 60
    assert [o.event_id for o in results[2]] == [f"w-{n}" for n in range(20, 30)]
    with engine.connect() as connection:
        state = connection.execute(select(CylinderState).where(CylinderState.code == "Y1")).one()
    assert state.seq == max(seqs)  # the last event applied is the newest


async def test_a_batch_sent_again_comes_back_as_duplicates(writer) -> None:
    await writer.commit(scans(0, 5))
    again = await writer.commit(scans(0, 5))
    assert again == [Duplicate(f"w-{n}") for n in range(5)]


async def test_a_killed_writer_costs_at_most_an_answer_and_a_new_one_takes_over(
    writer, engine
) -> None:
    before = logged(engine)
    first = writer._child
    assert first is not None
    in_flight = writer.commit(scans(0, 2000))
    os.kill(first.process.pid, signal.SIGKILL)
    with contextlib.suppress(Unavailable):  # committed before the kill, or unavailable
        await in_flight
    resent = await writer.commit(scans(0, 2000))  # what the client does without an ack
    assert all(isinstance(o, Accepted | Duplicate) for o in resent)
    assert writer._child is not first
    assert logged(engine) == before + 2000  # each event exactly once


def logged(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(EventRecord)) or 0


async def test_stop_answers_every_batch_handed_over_before_it(engine) -> None:
    seed_city(engine)
    writer = ProcessWriter(engine.url.render_as_string(hide_password=False))
    writer.start()
    started = [writer.commit(scans(n * 4, 4)) for n in range(5)]
    await asyncio.to_thread(writer.stop)
    assert [len(await outcome) for outcome in started] == [4] * 5


async def test_a_database_that_is_down_gives_unavailable(tmp_path) -> None:
    writer = ProcessWriter("postgresql+psycopg://nobody:nothing@127.0.0.1:1/none")
    writer.start()
    try:
        with pytest.raises(Unavailable):
            await writer.commit(scans(0, 1))
    finally:
        writer.stop()


async def test_the_token_binding_crosses_to_the_writer_process(writer) -> None:
    foreign = Incoming("ent-0002", scan("w-foreign", "Y1", "filling"), enterprise="e2")
    own = Incoming("ent-0001", scan("w-own", "Y1", "filling", 1), enterprise="e1")
    rejected, accepted = await writer.commit([foreign, own])
    assert isinstance(rejected, Rejection) and rejected.code == "not_permitted"
    assert isinstance(accepted, Accepted)
