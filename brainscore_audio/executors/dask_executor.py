"""The Dask executor: jobs become Dask tasks on a distributed cluster.

Three ways to get a cluster: connect to a running scheduler (``--executor dask --scheduler
tcp://HOST:PORT``), start a :class:`distributed.LocalCluster` of worker processes on this machine
(``--executor dask-local --workers N``), or submit workers as SLURM jobs through dask-jobqueue
(``--cluster slurm``, see :mod:`.slurm`). Extraction jobs with ``--device cuda`` (and score jobs of
benchmarks with ``uses_device``) require the worker resource ``GPU`` (``dask worker ...
--resources GPU=1``); every other job runs on any worker.

The driver keeps the dependencies itself: a score job is submitted once its extraction finished,
so a failed or lost extraction skips its score jobs instead of failing them. A worker that dies
while running a job lets Dask retry it elsewhere (``distributed.scheduler.allowed-failures``
times); after that the job is reported failed (``KilledWorker``) and ``--resume`` reruns it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import UserError
from . import jobs
from .jobs import JobResult
from .plan import JobSpec, Plan, RunSettings

START_TOPIC = "brainscore-audio-job-started"
#: Loggers whose warnings at shutdown are silenced (errors still show).
SHUTDOWN_LOGGERS = ("distributed", "tornado")
GPU = "GPU"


@contextlib.contextmanager
def _quiet_loggers(*names: str):
    """Raise the given loggers (and their children) to ERROR for the block, then restore."""
    loggers = [logging.getLogger(name) for name in names]
    loggers += [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                if name.startswith(tuple(n + "." for n in names))]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def run_on_worker(spec: JobSpec, run: RunSettings, extraction_time: float | None) -> JobResult:
    """The Dask task: announce the start (for the progress view), then run the job."""
    try:
        from distributed import get_worker

        worker = get_worker()
        worker.log_event(START_TOPIC, {"job": spec.id, "worker": worker.address})
    except ValueError:  # not inside a worker (e.g. the synchronous scheduler)
        pass
    return jobs.run_job(spec, run, extraction_time)


class DaskExecutor:
    """Submits jobs to a :class:`distributed.Client`; closes what it started itself."""

    name = "dask"

    def __init__(self, client, owned: list[Any] | None = None,
                 log: Callable[[str], None] = print) -> None:
        self.client = client
        self._owned = list(owned or [])
        self._log = log
        self._futures: dict[Any, str] = {}
        self._started: queue.SimpleQueue = queue.SimpleQueue()
        self._on_start: Callable[[str, str], None] = lambda job_id, worker: None

    # -- construction --------------------------------------------------------------------
    @classmethod
    def connect(cls, address: str, log: Callable[[str], None] = print) -> DaskExecutor:
        """Connect to a running scheduler (``tcp://HOST:PORT``)."""
        from distributed import Client

        if "://" not in address and ":" not in address:
            raise UserError(f"--scheduler must be an address like tcp://HOST:PORT, got {address!r}")
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise UserError(f"--scheduler {address}: cannot connect to a Dask scheduler ({exc})") \
                from exc
        return cls(client, [client], log)

    @classmethod
    def local(cls, workers: int, device: str = "cpu",
              log: Callable[[str], None] = print) -> DaskExecutor:
        """A :class:`distributed.LocalCluster` of ``workers`` processes (one thread each) on
        127.0.0.1. With a CUDA ``device`` every worker declares ``GPU=1``: each runs at most one
        GPU job at a time, all on ``device``."""
        from distributed import Client, LocalCluster

        if workers < 1:
            raise UserError(f"--workers must be >= 1, got {workers}")
        # Worker processes start from a copy of this environment; tqdm reads TQDM_DISABLE when
        # imported, which in a spawned process happens before a Nanny's env= is applied.
        with _environment(TQDM_DISABLE="1"):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=":0",  # a free port: never clash with another cluster
                resources={GPU: 1} if device.startswith("cuda") else None)
        client = Client(cluster)
        return cls(client, [client, cluster], log)

    @classmethod
    def from_cluster(cls, cluster, log: Callable[[str], None] = print) -> DaskExecutor:
        """Use a cluster object (e.g. a dask-jobqueue ``SLURMCluster``); closed at the end."""
        from distributed import Client

        client = Client(cluster)
        return cls(client, [client, cluster], log)

    # -- Executor protocol --------------------------------------------------------------
    def start(self, plan: Plan, on_start: Callable[[str, str], None]) -> None:
        self._on_start = on_start
        self.client.subscribe_topic(START_TOPIC, self._started.put)
        gpu_jobs = sum(spec.gpu and plan.states[i].state == "pending"
                       for i, spec in plan.specs.items())
        if gpu_jobs and not self.gpu_workers():
            self._log(f"warning: no Dask worker declares a {GPU} resource yet; the {gpu_jobs} GPU "
                      f"job(s) wait until one joins (start workers with "
                      f"`dask worker {self.client.scheduler.address} --resources {GPU}=1`)")

    def submit(self, spec: JobSpec, run: RunSettings, extraction_time: float | None,
               priority: int) -> None:
        run = _for_workers(run)
        future = self.client.submit(
            run_on_worker, spec, run, extraction_time, key=f"{spec.id} #{run.token}",
            pure=False, priority=priority, resources={GPU: 1} if spec.gpu else None)
        self._futures[future] = spec.id

    def poll(self, timeout: float) -> list[tuple[str, JobResult | BaseException]]:
        from distributed import wait

        if self._futures:
            with contextlib.suppress(TimeoutError):
                wait(list(self._futures), timeout=timeout, return_when="FIRST_COMPLETED")
        self._drain_started()
        finished = []
        for future in [f for f in self._futures if f.done()]:
            finished.append((self._futures.pop(future), _outcome(future)))
            future.release()  # the result is in hand: free it on the cluster
        return finished

    def in_flight(self) -> int:
        return len(self._futures)

    def close(self) -> None:
        for future in list(self._futures):
            future.cancel()
        self._futures.clear()
        with contextlib.suppress(Exception):
            self.client.unsubscribe_topic(START_TOPIC)
        # Shutting down, Dask warns about workers it has to stop (e.g. "distributed.nanny -
        # WARNING - Worker process still alive after 4.0 seconds, killing" on a busy machine):
        # the run's results are saved by then, so such lines would only alarm the user.
        with _quiet_loggers(*SHUTDOWN_LOGGERS):
            for thing in self._owned:
                # best effort: the run's results are already saved
                with contextlib.suppress(Exception):
                    thing.close()

    # -- helpers --------------------------------------------------------------------------
    def gpu_workers(self) -> list[str]:
        """Addresses of the workers that declare a GPU resource."""
        workers = self.client.scheduler_info().get("workers", {})
        return [address for address, info in workers.items()
                if info.get("resources", {}).get(GPU, 0) > 0]

    def _drain_started(self) -> None:
        while True:
            try:
                _, message = self._started.get_nowait()
            except queue.Empty:
                return
            if message.get("job") in self._futures.values():
                self._on_start(message["job"], message.get("worker", "?"))


def _outcome(future) -> JobResult | BaseException:
    """The job's result, or its error (the job's own, or ``KilledWorker`` for a lost worker)
    with the worker-side traceback; read without raising here, so no local frame (holding other
    futures) stays referenced from the error."""
    if future.status == "finished":
        return future.result()
    if future.status == "cancelled":
        return RuntimeError("the job was cancelled on the cluster")
    error = future.exception()
    traceback = future.traceback()
    return error.with_traceback(traceback) if traceback is not None else error


def _for_workers(run: RunSettings) -> RunSettings:
    """Workers run jobs without per-clip progress bars (their stderr is a log)."""
    return replace(run, progress=False)


@contextlib.contextmanager
def _environment(**variables: str):
    """Set environment variables for the duration of the block (for processes started in it)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
