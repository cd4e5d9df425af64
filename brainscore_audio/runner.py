"""Scoring models on benchmarks: the orchestration behind ``benchmark run``.

The pairs become a plan of extraction and scoring jobs run by an executor
(:mod:`brainscore_audio.executors`): in this process by default, or on a Dask cluster.
Benchmarks sharing a stimulus set and pooling get their activations from one extraction. A
record already in the output folder that can stand for its pair is not recomputed (see
:mod:`brainscore_audio.scoring`; ``force`` recomputes), so a killed run resumes where it stopped.
Device checks live in :mod:`brainscore_audio.devices`, precomputed activations in
:mod:`brainscore_audio.precomputed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .devices import check_device, check_device_name
from .executors import LocalExecutor, RunSettings, build_plan, execute, read_plan_file
from .extraction import DEFAULT_BATCH_SIZE
from .scoring import RunOutcome


def run_models(
    model_ids: Sequence[str],
    benchmark_ids: Sequence[str],
    output_dir: str | Path,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    device: str = "cpu",
    batch_size: int = DEFAULT_BATCH_SIZE,
    force: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = print,
    *,
    executor=None,
    keep_going: bool = False,
    resume: bool = False,
) -> list[RunOutcome]:
    """Score each model on each benchmark; returns one outcome per pair.

    The pairs become a plan of jobs (:mod:`brainscore_audio.executors`): per model one
    extraction per stimulus set and pooling, then one scoring job per benchmark. Unknown ids fail
    before any work starts. A pair whose record exists (same versions) is skipped unless
    ``force``; cached activations are not recomputed. The plan and its job states are saved in
    ``<output_dir>/.run/plan.json``.

    Args:
        executor: where jobs run: ``None`` in this process (the default), or e.g. a
            :class:`~brainscore_audio.executors.dask_executor.DaskExecutor` (it is closed at the
            end). Every executor runs the same job functions.
        keep_going: ``False`` raises the first job's error (after saving the plan file);
            ``True`` reports failed jobs as outcomes with status ``"failed"``, marks the score
            jobs of a failed extraction ``"skipped"`` and runs everything else.
        resume: continue the plan saved in ``output_dir``: with ``force``, records the saved
            plan had finished are kept instead of being recomputed again.
    """
    local = executor is None or isinstance(executor, LocalExecutor)
    try:
        # In-process, the output folder stays as given; workers elsewhere need absolute paths.
        output_dir = Path(output_dir) if local else Path(output_dir).absolute()
        device = check_device(device) if local else check_device_name(device)
        done_before = []
        if resume:
            saved = read_plan_file(output_dir)
            done_before = [job["id"] for job in saved.get("jobs", [])
                           if job.get("state") in ("done", "exists")]
        run = RunSettings(output_dir=str(output_dir), data_dir=_absolute(data_dir),
                          cache_dir=_absolute(cache_dir), device=device, batch_size=batch_size,
                          force=force, progress=progress and local)
        plan = build_plan(model_ids, benchmark_ids, run, done_before=done_before)
    except BaseException:
        if executor is not None:  # e.g. a cluster started for this run
            executor.close()
        raise
    execute(plan, executor or LocalExecutor(), log=log, progress=progress, keep_going=keep_going)
    return plan_outcomes(plan)


def plan_outcomes(plan) -> list[RunOutcome]:
    """One :class:`RunOutcome` per (model, benchmark) pair of a finished plan, in plan order."""
    statuses = {"done": "scored", "exists": "skipped", "failed": "failed", "skipped": "skipped",
                "pending": "skipped", "running": "failed"}
    outcomes = []
    for job_id, spec in plan.specs.items():
        if spec.kind != "score":
            continue
        state = plan.states[job_id]
        outcomes.append(RunOutcome(spec.model_id, spec.benchmark_id, statuses[state.state],
                                   Path(state.record) if state.record else None, state.raw,
                                   state.message))
    return outcomes


def _absolute(path: str | Path | None) -> str | None:
    return None if path is None else str(Path(path).expanduser().absolute())


