"""Running a plan on an executor: dependencies, job states, the plan file, failures.

The driver is the same for every executor. It submits each job once its dependency finished,
records every state change in the plan file (atomically), marks the dependants of a failed job
``skipped`` with the reason, and keeps going with the other jobs (unless ``keep_going`` is
False: then the first failure is raised, as an in-process run always did).
"""

from __future__ import annotations

import traceback as tb
from collections.abc import Callable
from typing import Protocol

from ..errors import UserError
from .jobs import JobResult
from .plan import SUCCEEDED, JobSpec, Plan, RunSettings
from .progress import PlanProgress


class Executor(Protocol):
    """Schedules jobs; the driver decides what and when.

    ``start`` is called once with ``on_start(job_id, worker)`` (call it when a job begins);
    ``submit`` hands over a ready job; ``poll`` waits up to ``timeout`` seconds and returns the
    jobs that finished since, as ``(job_id, JobResult | BaseException)``.
    """

    name: str

    def start(self, plan: Plan, on_start: Callable[[str, str], None]) -> None: ...

    def submit(self, spec: JobSpec, run: RunSettings, extraction_time: float | None,
               priority: int) -> None: ...

    def poll(self, timeout: float) -> list[tuple[str, JobResult | BaseException]]: ...

    def in_flight(self) -> int: ...

    def close(self) -> None: ...


def execute(plan: Plan, executor: Executor, *, log: Callable[[str], None] = print,
            progress: bool = True, keep_going: bool = True, poll_seconds: float = 0.5) -> Plan:
    """Run every pending job of ``plan`` on ``executor``; returns the plan with final states."""
    view = PlanProgress(plan, enabled=progress)
    order = {job_id: index for index, job_id in enumerate(plan.specs)}
    extraction_times: dict[str, float | None] = {}
    submitted: set[str] = set()

    def on_start(job_id: str, worker: str) -> None:
        state = plan.states[job_id]
        if state.state == "pending":
            state.state, state.worker = "running", worker
            plan.save()
            view.update()

    for job_id, state in plan.states.items():
        spec = plan.specs[job_id]
        if spec.kind == "score" and state.state == "exists":
            view.write(f"skip  {spec.model_id} on {spec.benchmark_id}: record exists "
                       f"({state.record})", log)
    plan.save()
    try:
        executor.start(plan, on_start)
        while True:
            _submit_ready(plan, executor, order, submitted, extraction_times, view, log)
            if executor.in_flight() == 0:
                break
            for job_id, result in executor.poll(poll_seconds):
                error = _finish(plan, job_id, result, extraction_times, view, log)
                plan.save()
                view.update()
                if error is not None and not keep_going:
                    raise error
            view.update()
    finally:
        view.close()
        executor.close()
    plan.save()
    return plan


def _submit_ready(plan, executor, order, submitted, extraction_times, view, log) -> None:
    for job_id, spec in plan.specs.items():
        state = plan.states[job_id]
        if state.state != "pending" or job_id in submitted:
            continue
        deps = [plan.states[d] for d in spec.depends_on]
        broken = [d for d, s in zip(spec.depends_on, deps, strict=True)
                  if s.state in ("failed", "skipped")]
        if broken:
            state.state, state.message = "skipped", f"not run: {broken[0]} failed"
            view.write(f"skip  {spec.model_id} on {spec.benchmark_id}: {state.message}", log)
            plan.save()
            continue
        if all(s.state in SUCCEEDED for s in deps):
            extraction = extraction_times.get(spec.depends_on[0]) if spec.depends_on else None
            executor.submit(spec, plan.settings, extraction, -order[job_id])
            submitted.add(job_id)


def _finish(plan: Plan, job_id: str, result, extraction_times, view, log) -> BaseException | None:
    spec, state = plan.specs[job_id], plan.states[job_id]
    if isinstance(result, BaseException):
        state.state, state.message = "failed", error_line(result)
        if not isinstance(result, UserError):
            state.traceback = "".join(tb.format_exception(result))
        what = (f"extract {spec.model_id} on {spec.stimulus_set}" if spec.kind == "extract"
                else f"{spec.model_id} on {spec.benchmark_id}")
        view.write(f"fail  {what}: {state.message}", log)
        return result
    state.state, state.seconds = "done", round(result.seconds, 3)
    state.worker = result.worker
    if spec.kind == "extract":
        extraction_times[job_id] = result.seconds
    else:
        state.record, state.raw = result.record, result.raw
        view.write(f"score {spec.model_id} on {spec.benchmark_id}: raw {result.raw:.4f} -> "
                   f"{result.record}", log)
    return None


def error_line(error: BaseException) -> str:
    """One line for a job's error: a UserError's message, else ``Type: first line``."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, UserError):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
