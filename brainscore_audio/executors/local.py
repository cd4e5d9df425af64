"""The in-process executor (the default): jobs run one after another in this process.

It runs the same job functions as the Dask executor. Among the ready jobs it always runs the one
planned first, so a model's score jobs follow its extraction before the next model starts.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from . import jobs
from .jobs import JobResult
from .plan import JobSpec, Plan, RunSettings


class LocalExecutor:
    """Runs jobs in the calling thread; an exception a job raises is returned as its result
    (KeyboardInterrupt and other non-``Exception`` errors propagate)."""

    name = "local"

    def __init__(self) -> None:
        self._queue: list[tuple[int, int, JobSpec, RunSettings, float | None]] = []
        self._count = 0
        self._on_start: Callable[[str, str], None] = lambda job_id, worker: None

    def start(self, plan: Plan, on_start: Callable[[str, str], None]) -> None:
        self._on_start = on_start
        jobs.adopt(plan.settings.token, plan.built_models, plan.built_benchmarks)

    def submit(self, spec: JobSpec, run: RunSettings, extraction_time: float | None,
               priority: int) -> None:
        self._count += 1
        heapq.heappush(self._queue, (-priority, self._count, spec, run, extraction_time))

    def poll(self, timeout: float) -> list[tuple[str, JobResult | BaseException]]:
        if not self._queue:
            return []
        _, _, spec, run, extraction_time = heapq.heappop(self._queue)
        self._on_start(spec.id, "local")
        try:
            result: JobResult | BaseException = jobs.run_job(spec, run, extraction_time)
        except Exception as exc:  # reported by the driver; the other jobs go on
            result = exc
        return [(spec.id, result)]

    def in_flight(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        self._queue.clear()
