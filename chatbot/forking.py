"""Pure-Python work split over forked processes: building a large index, ranking a batch.

The work is a function of a shared *job* (an analyzer and texts, a bot and questions) and
a slice of positions. The job is left in a module variable just before the pool forks, so
the workers inherit it: nothing is pickled on the way in, only each slice's result on the
way back, and results come back in order. Only a caller with no other threads running
should ask for several workers (a fork copies one thread): the command line does, the
server's reloader does not. Where fork is not available, or one worker is asked for, the
slices run here, one after another, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

__all__ = ["available_workers", "forked_slices"]

R = TypeVar("R")

# (function, job) for the forked workers: set just before the pool forks, cleared after.
_job: tuple[Callable[[Any, int, int], Any], Any] | None = None


def available_workers() -> int:
    """Processes worth forking here: the CPUs this process may run on, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _run_slice(bounds: tuple[int, int]) -> Any:
    assert _job is not None
    function, job = _job
    return function(job, bounds[0], bounds[1])


def forked_slices(
    function: Callable[[Any, int, int], R], job: Any, total: int, *, workers: int, slice_size: int
) -> Iterator[R]:
    """``function(job, start, end)`` for consecutive slices of ``range(total)``, results in order."""
    global _job
    slices = [(start, min(start + slice_size, total)) for start in range(0, total, max(1, slice_size))]
    if workers <= 1 or len(slices) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for start, end in slices:
            yield function(job, start, end)
        return
    _job = (function, job)
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(slices))) as pool:
            yield from pool.imap(_run_slice, slices)
    finally:
        _job = None
