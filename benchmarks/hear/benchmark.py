"""HEAR tasks as benchmarks and fetchers."""

from __future__ import annotations

from pathlib import Path

from brainscore_audio.downstream import HEARTaskBenchmark
from brainscore_audio.downstream.benchmark import HEAR_BIBTEX

from . import fetch as fetching
from .tasks import TASKS


def make_benchmark(key: str, data_dir: Path | None = None) -> HEARTaskBenchmark:
    task = TASKS[key]
    return HEARTaskBenchmark(f"hear.{key}", lambda: fetching.task_dir(task, data_dir),
                             suite=task.suite, version=task.benchmark_version,
                             description=task.description,
                             bibtex=HEAR_BIBTEX + "\n" + task.bibtex,
                             facts={"archive": task.archive, "url": task.url})


def make_fetcher(key: str):
    """``benchmark fetch hear.<key>``: factory(data_dir, force, url) -> task folder."""
    def fetcher(data_dir: Path, force: bool = False, url: str | None = None) -> Path:
        return fetching.fetch(TASKS[key], Path(data_dir), force, url)

    return fetcher
