"""Reproducing a study: data, runs, leaderboard, analyses and the report, from its recipe.

:func:`reproduce` checks each data set the recipe reads (and fetches the missing ones, or says
how in one line each), scores every model of the study the project can load on every benchmark
and task through the run plan and its executors (:func:`~brainscore_audio.runner.run_models`:
local, Dask or SLURM, resumable), builds a leaderboard of the results, runs the recipe's
analyses and writes the report (:mod:`.report`). Output folder layout::

    <output>/scores/            one record per (model, benchmark), and .run/plan.json
    <output>/leaderboard.json   the study's leaderboard
    <output>/report.md          published numbers beside ours, the analyses
    <output>/comparison.json    the same numbers for programs
    <output>/figures/           published-vs-ours.png, brain-vs-downstream.png
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import leaderboard, registry
from ..errors import UserError
from ..extraction import DEFAULT_BATCH_SIZE
from ..records import read_record
from .compare import compare
from .recipe import Recipe
from .report import FIGURES, ModelStatus, Report, write

SCORES = "scores"


@dataclass
class DataCheck:
    """Whether a data set the recipe reads is in the data folder."""

    name: str
    benchmarks: list[str]
    problem: str = ""  # empty: present
    fetched: bool = False


def data_problem(benchmark_id: str, data_dir: Path | None) -> str:
    """Why ``benchmark_id`` cannot read its data (one line), or "" when it can: the benchmark is
    built and its stimuli listed, which checks the data folder."""
    try:
        len(registry.benchmarks.make(benchmark_id, data_dir=data_dir).stimulus_set)
    except UserError as exc:
        return str(exc)
    return ""


def check_data(recipe: Recipe, data_dir: Path | None) -> list[DataCheck]:
    """Each data set of the recipe, present or with the one-line reason it is not (checked
    through the first benchmark that reads it)."""
    return [DataCheck(name, list(ids), data_problem(ids[0], data_dir))
            for name, ids in recipe.data.items()]


def fetch_missing(checks: Sequence[DataCheck], data_dir: Path | None,
                  log: Callable[[str], None] = print) -> None:
    """Fetch every missing data set (``benchmark fetch NAME``); a fetch that fails keeps its
    one-line reason, which says how to get the data by hand where a fetcher knows."""
    for check in checks:
        if check.problem:  # another fetch may have brought it (one archive, several data sets)
            check.problem = data_problem(check.benchmarks[0], data_dir)
        if not check.problem:
            continue
        if check.name not in registry.fetchers:
            check.problem += f" (no fetcher is registered for {check.name!r})"
            continue
        log(f"fetching {check.name} (missing: {check.problem})")
        fetcher = registry.fetchers.entry(check.name).factory
        kwargs = {"data_dir": data_dir, "force": False}
        if "url" in inspect.signature(fetcher).parameters:
            kwargs["url"] = None
        try:
            registry.fetchers.make(check.name, **kwargs)
        except UserError as exc:
            check.problem = str(exc)
        else:
            check.problem = data_problem(check.benchmarks[0], data_dir)
            check.fetched = not check.problem


@dataclass
class RunRequest:
    """What to run and where (the ``benchmark reproduce`` options)."""

    output: Path
    data_dir: Path | None = None
    cache_dir: Path | None = None
    device: str = "cpu"
    batch_size: int = DEFAULT_BATCH_SIZE
    fetch: bool = True
    skip_missing: bool = False
    resume: bool = False
    force: bool = False
    progress: bool = True
    models: list[str] | None = None  # ids to run instead of the study's
    executor: object = None
    command: str = ""
    log: Callable[[str], None] = field(default=print)


def resolve_models(recipe: Recipe, override: Sequence[str] | None
                   ) -> tuple[list[str], list[ModelStatus]]:
    """``(ids to run, status of every model)``: the study's models with an id that a plugin
    provides (or, with ``override``, those ids; ids not in the study are listed as extra)."""
    statuses, run = [], []
    wanted = set(override) if override is not None else None
    for model in recipe.models:
        if model.id is None:
            statuses.append(ModelStatus(model.name, None, "unavailable", model.unavailable))
        elif model.id not in registry.models:
            statuses.append(ModelStatus(model.name, model.id, "unavailable",
                                        f"no installed plugin provides {model.id!r}"))
        elif wanted is not None and model.id not in wanted:
            statuses.append(ModelStatus(model.name, model.id, "not run",
                                        "not among the --model ids of this run"))
        else:
            statuses.append(ModelStatus(model.name, model.id, "to run", model.note))
            run.append(model.id)
    for extra in override or []:
        if extra not in run:
            registry.models.entry(extra)  # unknown id: one line with close matches
            statuses.append(ModelStatus(extra, extra, "extra", "not a model of the study"))
            run.append(extra)
    return run, statuses


def reproduce(recipe: Recipe, request: RunRequest) -> tuple[Path, Report]:
    """Run the study (see the module docstring); returns the report file and the report."""
    log = request.log
    for benchmark_id in [*recipe.benchmarks, *recipe.tasks]:
        registry.benchmarks.entry(benchmark_id)  # a recipe naming no plugin: one line
    model_ids, statuses = resolve_models(recipe, request.models)
    checks = check_data(recipe, request.data_dir)
    if request.fetch:
        fetch_missing(checks, request.data_dir, log)
    missing = [c for c in checks if c.problem]
    notes = []
    for check in missing:
        log(f"data set {check.name} missing: {check.problem}")
    if missing and not request.skip_missing:
        raise UserError(f"{len(missing)} data set(s) of {recipe.study} missing "
                        f"({', '.join(c.name for c in missing)}; how to get each is printed "
                        "above); fetch them, or pass --skip-missing to run the rest")
    skipped = {b for c in missing for b in c.benchmarks}
    if skipped:
        notes.append(f"skipped for missing data ({', '.join(c.name for c in missing)}): "
                     f"{', '.join(sorted(skipped))}")
    benchmark_ids = [b for b in [*recipe.benchmarks, *recipe.tasks] if b not in skipped]
    if not model_ids:
        raise UserError(f"{recipe.study}: no model of the study can be loaded here")
    if not benchmark_ids:
        raise UserError(f"{recipe.study}: no benchmark left to run")
    scores = request.output / SCORES
    from ..runner import run_models

    outcomes = run_models(model_ids, benchmark_ids, scores, request.data_dir, request.cache_dir,
                          request.device, request.batch_size, request.force,
                          progress=request.progress, log=log, executor=request.executor,
                          keep_going=True, resume=request.resume)
    _model_outcomes(statuses, outcomes)
    # the records of this run's pairs (a task folder's benchmark id names its path, its
    # records the task's name), each checked as the leaderboard checks a folder of records
    records = []
    for path in sorted({Path(o.path) for o in outcomes if o.path}):
        records.append(read_record(path))
        leaderboard.check_declared_weights(records[-1], str(path))
    if not records:
        raise UserError(f"{recipe.study}: no score was produced (see the failed jobs above)")
    board = leaderboard.build(records)
    leaderboard.save(board, request.output / "leaderboard.json")
    report = Report(recipe, compare(recipe, board), statuses, notes=notes,
                    command=request.command,
                    provenance={"recipe": recipe.path, "leaderboard_version":
                                board.leaderboard_version, "package": board.package_version})
    _analyses(recipe, board, records, report, request.output)
    return write(report, request.output), report


def _model_outcomes(statuses: list[ModelStatus], outcomes) -> None:
    """Each run model's status from its pairs: scored when any pair has a record, else failed
    with the first failure's message."""
    by_model: dict[str, list] = {}
    for outcome in outcomes:
        by_model.setdefault(outcome.model_id, []).append(outcome)
    for status in statuses:
        if status.status not in ("to run", "extra"):
            continue
        pairs = by_model.get(status.id, [])
        done = [o for o in pairs if o.status in ("scored", "skipped") and o.path]
        failed = [o for o in pairs if o.status == "failed"]
        if status.status == "extra":
            status.detail = f"{status.detail}; {len(done)} of {len(pairs)} scores"
            continue
        if done:
            status.status = "scored"
            status.detail = "; ".join(filter(None, [
                status.detail, f"{len(done)} of {len(pairs)} benchmarks"
                + (f" ({len(failed)} failed: {failed[0].message})" if failed else "")]))
        else:
            status.status = "failed"
            status.detail = failed[0].message if failed else "no score"


def _analyses(recipe: Recipe, board, records, report: Report, output: Path) -> None:
    """The recipe's analyses, as report sections (a failed analysis says why, in its section)."""
    wanted = recipe.analyses.brain_vs_downstream
    if wanted is not None:
        from ..downstream.analysis import analyse, plot, tables

        try:
            result = analyse(board, wanted.suite, wanted.threshold)
        except UserError as exc:
            report.analyses.append(("Brain scores vs downstream", f"Not computed: {exc}"))
        else:
            report.analyses.append((
                "Brain scores vs downstream",
                "Pearson r across this run's models (model keys as on the leaderboard):\n\n"
                f"```text\n{tables(result)}\n```"))
            try:
                figure = plot(result, output / FIGURES / "brain-vs-downstream.png")
            except UserError as exc:
                report.notes.append(str(exc))
            else:
                report.figures.append(("Brain score against the downstream overall, per brain "
                                       "benchmark", f"{FIGURES}/{figure.name}"))
    agreement_wanted = recipe.analyses.metric_agreement
    if agreement_wanted is not None:
        report.analyses.append(("Metric agreement (rank-dependence split)",
                                _agreement_section(records, agreement_wanted.datasets)))


def _agreement_section(records, datasets: Sequence[str]) -> str:
    from tabulate import tabulate

    from ..eeg.agreement import agreement, collect

    tables = collect(records)
    parts = []
    for dataset in datasets:
        if dataset not in tables:
            parts.append(f"{dataset}: no records of its metric benchmarks in this run.")
            continue
        result = agreement(dataset, tables[dataset])
        rows = [[m, *[f"{v:.2f}" for v in row]]
                for m, row in zip(result.metrics, result.spearman, strict=True)]
        parts.append(
            f"{dataset}: {len(result.models)} models scored by all {len(result.metrics)} "
            f"metrics; Kendall's W = {result.w:.3f}"
            + (" (rank correlations need at least 3 models)" if len(result.models) < 3 else "")
            + "\n\n```text\n" + tabulate(rows, headers=["Spearman", *result.metrics]) + "\n```"
            + "\n\nrv and cka-linear are the same number on centred data (always rho = 1).")
    return "\n\n".join(parts)
