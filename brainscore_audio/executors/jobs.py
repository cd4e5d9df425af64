"""The two job functions every executor runs: extract activations, score one benchmark.

They take a :class:`~.plan.JobSpec` and :class:`~.plan.RunSettings` (ids and paths) and rebuild
models and benchmarks from the registries, so they run the same in-process and in a Dask worker
on another machine. Extraction writes the activation cache; scoring reads it (the cache folder
must therefore be shared by all workers) and writes the record atomically.

Built objects are reused within one run and one thread (a worker keeps the benchmark's loaded
data and the model's weights between jobs), and dropped when a new run starts.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .. import registry, scoring, settings
from ..activations import StimulusActivations
from ..benchmark import Benchmark
from ..cache import ActivationCache, CacheEntry
from ..devices import check_device
from ..errors import UserError
from ..extraction import extract
from ..model import AudioModel
from ..plugin_calls import guarded
from ..records import ModelRef
from .plan import JobSpec, RunSettings


@dataclass
class JobResult:
    """What a finished job reports back (small and picklable).

    Attributes:
        seconds: wall time of the job's work in seconds (extraction, or scoring + writing).
        record / raw: the record written and its headline number (score jobs).
        worker: ``host:pid`` of the process that ran the job.
    """

    seconds: float
    worker: str
    record: str | None = None
    raw: float | None = None


class _Built(threading.local):
    """Models and benchmarks built in this thread for the current run (``token``)."""

    token: str | None = None
    models: dict[str, AudioModel]
    benchmarks: dict[str, Benchmark]


_built = _Built()


def adopt(token: str, models: dict[str, AudioModel], benchmarks: dict[str, Benchmark]) -> None:
    """Reuse objects the planner already built (in-process runs: data is not loaded twice)."""
    _scope(token)
    _built.models.update(models)
    _built.benchmarks.update(benchmarks)


def run_job(spec: JobSpec, run: RunSettings, extraction_time: float | None = None) -> JobResult:
    """Run one job; raises what the job raised (the executor records it as failed)."""
    _scope(run.token)
    start = time.perf_counter()
    if spec.kind == "extract":
        _extract(spec, run)
        return JobResult(time.perf_counter() - start, worker_name())
    if spec.kind == "score":
        outcome = _score(spec, run, extraction_time)
        return JobResult(time.perf_counter() - start, worker_name(), str(outcome.path), outcome.raw)
    raise ValueError(f"unknown job kind {spec.kind!r}")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _extract(spec: JobSpec, run: RunSettings) -> None:
    if run.device.startswith("cuda"):
        check_device(run.device)  # on the worker: is a GPU visible here?
    stimuli = _stimuli(spec, run)
    with guarded(f"model {spec.model_source!r}"):
        model = _model(spec.model_source)
        if str(model.version) != spec.model_version or model.identifier != spec.model_id:
            raise UserError(f"model {spec.model_source!r} is {model.identifier} version "
                            f"{model.version} on worker {worker_name()} but {spec.model_id} "
                            f"version {spec.model_version} where the run was planned; install "
                            "the same plugin version (and settings) on every machine")
        extract(model, stimuli, list(spec.layers), spec.pooling, _cache(run), run.device,
                run.batch_size, progress=run.progress)


def _score(spec: JobSpec, run: RunSettings, extraction_time: float | None):
    benchmark = _benchmark(spec.benchmark_source, run)
    stimuli = _stimuli(spec, run)
    entry = _cache(run).entry(spec.model_id, spec.model_version, spec.stimulus_set,
                              spec.fingerprint, spec.pooling)
    activations = load_cached(entry, stimuli.ids, spec.layers, spec.model_id, spec.model_version)
    benchmark.device = run.device
    ref = ModelRef(id=spec.model_id, version=spec.model_version,
                   checkpoint=loaded_checkpoint(entry, spec))
    return scoring.score_and_write(benchmark, activations, ref, Path(run.output_dir), run.device,
                                  extraction_time)


def loaded_checkpoint(entry: CacheEntry, spec: JobSpec) -> str | None:
    """The checkpoint the cached activations were computed with (the extraction records the
    model's checkpoint after loading it: a download whose hash is not published is only known
    then), checked against the one the plan knew.

    Raises:
        UserError: the cache holds activations of other weights than the planned ones.
    """
    cached = entry.meta().get("checkpoint")
    if spec.checkpoint is not None and cached is not None and cached != spec.checkpoint:
        raise UserError(f"activations of {spec.model_id} in {entry.folder} were computed with "
                        f"checkpoint {cached!r}, not the planned {spec.checkpoint!r}; delete "
                        "that cache folder and rerun")
    return cached if cached is not None else spec.checkpoint


def load_cached(entry: CacheEntry, stimulus_ids: list[str], layers, model_id: str,
                model_version: str) -> StimulusActivations:
    """Activations of ``layers`` from a cache entry, in stimulus order.

    Raises:
        UserError: a layer is not in the cache (on a cluster: the cache folder is not shared).
    """
    cached = set(entry.cached_layers(stimulus_ids))
    missing = [name for name in layers if name not in cached]
    if missing:
        raise UserError(f"activations of {model_id} (layers {', '.join(missing)}) are not in the "
                        f"cache folder {entry.folder} on {worker_name()}: every worker must see "
                        "the same shared cache (--cache-dir or $BRAINSCORE_AUDIO_CACHE)")
    values, hops = {}, {}
    for name in layers:
        values[name], hops[name] = entry.load_layer(name)
    return StimulusActivations(stimulus_ids=list(stimulus_ids), layers=values,
                               pooling=entry.pooling, hop_seconds=hops, model_id=model_id,
                               model_version=model_version)


def _stimuli(spec: JobSpec, run: RunSettings):
    stimuli = _benchmark(spec.benchmark_source, run).stimulus_set
    if stimuli.fingerprint() != spec.fingerprint:
        raise UserError(f"stimulus set {spec.stimulus_set!r} of {spec.benchmark_id} differs on "
                        f"{worker_name()} from where the run was planned (fingerprint "
                        f"{stimuli.fingerprint()[:12]} != {spec.fingerprint[:12]}); every worker "
                        "must see the same data folder (--data-dir or $BRAINSCORE_AUDIO_DATA)")
    return stimuli


def _scope(token: str) -> None:
    if _built.token != token:
        _built.token, _built.models, _built.benchmarks = token, {}, {}


def _model(model_id: str) -> AudioModel:
    if model_id not in _built.models:
        _built.models.clear()  # keep one model's weights per thread
        _built.models[model_id] = registry.models.make(model_id)
    return _built.models[model_id]


def _benchmark(source: str, run: RunSettings) -> Benchmark:
    """The benchmark built from ``source`` (its registry id, e.g. ``task:<folder>``)."""
    if source not in _built.benchmarks:
        _built.benchmarks[source] = registry.benchmarks.make(
            source, data_dir=settings.data_dir(run.data_dir))
    return _built.benchmarks[source]


def _cache(run: RunSettings) -> ActivationCache:
    return ActivationCache(settings.cache_dir(run.cache_dir))
