"""Where sweep batches run: in this process, in local worker processes, or on a Dask cluster.

Every executor takes the same batches and yields each batch's results as it finishes (in any
order). Results depend only on each run's parameters and seed, so every executor gives the same
runs table. At most a few batches per worker are in flight, so memory stays flat however many
runs a sweep has.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

EXECUTORS = ("serial", "processes", "dask")
IN_FLIGHT_PER_WORKER = 3  # batches queued per worker: keeps workers busy without hoarding memory


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def run_batches(
    kind: str,
    batches: list,
    run_batch: Callable,
    setup: Callable,
    setup_args: tuple,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator:
    """Yield ``run_batch(batch)`` for every batch, as each finishes.

    ``setup(*setup_args)`` runs once in every worker before its first batch (it registers the
    base scenario there). ``kind`` is one of :data:`EXECUTORS`.
    """
    if kind == "serial":
        setup(*setup_args)
        for batch in batches:
            yield run_batch(batch)
    elif kind == "processes":
        yield from _processes(batches, run_batch, setup, setup_args, workers or default_workers())
    elif kind == "dask":
        yield from _dask(batches, run_batch, setup, setup_args, workers, scheduler)
    else:
        raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")


def _windowed(submit: Callable[[object], Future], batches: list, window: int, done_of) -> Iterator:
    """Keep at most ``window`` batches in flight; yield results as they complete."""
    pending: set = set()
    queue = iter(batches)
    try:
        for batch in queue:
            pending.add(submit(batch))
            if len(pending) >= window:
                finished, pending = done_of(pending)
                for fut in finished:
                    yield fut.result()
        while pending:
            finished, pending = done_of(pending)
            for fut in finished:
                yield fut.result()
    finally:
        for fut in pending:
            fut.cancel()


def _processes(batches, run_batch, setup, setup_args, workers: int) -> Iterator:
    # fork starts workers fast on Linux (modules already imported); elsewhere spawn.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=setup,
        initargs=setup_args,
    )

    def done_of(pending):
        finished, rest = wait(pending, return_when=FIRST_COMPLETED)
        return finished, set(rest)

    try:
        yield from _windowed(lambda b: pool.submit(run_batch, b), batches,
                             workers * IN_FLIGHT_PER_WORKER, done_of)  # fmt: skip
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(
    batches, run_batch, setup, setup_args, workers: int | None, scheduler: str | None
) -> Iterator:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "the dask executor needs the optional extra: pip install -e '.[dask]'"
        ) from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        with _ctrl_c_ignored_by_children():  # Ctrl-C stops the parent, which closes the rest
            cluster = LocalCluster(
                n_workers=workers or default_workers(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never clashes with another cluster
                host="127.0.0.1",
                silence_logs=logging.ERROR,  # workers' warnings (cancelled tasks) stay quiet
            )
        client = Client(cluster)
    finished = False
    try:
        n_workers = max(len(client.scheduler_info()["workers"]), 1)
        window = n_workers * IN_FLIGHT_PER_WORKER
        pending = as_completed()
        queue = iter(batches)
        in_flight = 0
        for batch in queue:
            pending.add(client.submit(_dask_task, setup, setup_args, run_batch, batch, pure=False))
            in_flight += 1
            if in_flight >= window:
                fut = next(pending)
                in_flight -= 1
                yield fut.result()
        for fut in pending:
            yield fut.result()
        finished = True
    finally:
        # Ctrl-C, an error, or the caller stopped: tasks are cut short, and Dask and tornado
        # would log a traceback for each of them while the cluster closes.
        with _quiet_dask_logs(not finished):
            client.close()
            if cluster is not None:
                cluster.close()


@contextlib.contextmanager
def _ctrl_c_ignored_by_children() -> Iterator[None]:
    """Start child processes with SIGINT ignored (they inherit it): on Ctrl-C only this process
    is interrupted, and it shuts the cluster down in order instead of every worker dying noisily."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _quiet_dask_logs(quiet: bool = True) -> Iterator[None]:
    """Silence this process's Dask, tornado and asyncio loggers for the block, then restore
    them (each logger: Dask's logging config gives some their own level)."""
    if not quiet:
        yield
        return
    names = {*_NOISY, *(n for n in logging.root.manager.loggerDict if n.split(".")[0] in _NOISY)}
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


_NOISY = ("distributed", "tornado", "asyncio")


def _dask_task(setup, setup_args, run_batch, batch):
    # The base scenario travels with each task (a few kB); setup registers it once per worker.
    setup(*setup_args)
    return run_batch(batch)
