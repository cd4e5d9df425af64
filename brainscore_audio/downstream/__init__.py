"""Downstream tasks in the HEAR 2021 format: loader, probe protocol, metrics, overall score.

Importing this package registers the benchmark family ``task:<folder>`` (any HEAR-format
folder; ``benchmark run --task-dir``). Task plugins name the z-scored overall of their suite with
:func:`register_suite`.
"""

from ..registry import benchmarks
from .benchmark import HEARTaskBenchmark, task_benchmark
from .config import (
    DEFAULT_GRID,
    DEFAULT_OPTIONS,
    HEAR_RUNNER_OPTIONS,
    ProbeConfig,
    ProtocolOptions,
    TrainingSettings,
)
from .metrics import METRICS
from .overall import register_suite, zscore_overall
from .sources import SOURCE_TASK_PREFIX, SourceTaskBenchmark, make_source_task, source_task_id
from .task import Fold, HEARTask, load_task
from .writer import TaskWriter

TASK_PREFIX = "task:"

benchmarks.register_prefix(TASK_PREFIX, lambda path, data_dir=None: task_benchmark(path))
benchmarks.register_prefix(SOURCE_TASK_PREFIX, make_source_task)

# The probe and protocol import torch; load them on first use so that registering plugins stays
# light (``benchmark list`` must not import torch).
_LAZY = {"train_probe": ".probe", "run_protocol": ".protocol", "ProtocolResult": ".protocol"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(name)


__all__ = [
    "DEFAULT_GRID", "DEFAULT_OPTIONS", "HEAR_RUNNER_OPTIONS", "METRICS", "SOURCE_TASK_PREFIX",
    "TASK_PREFIX", "Fold", "SourceTaskBenchmark", "make_source_task", "source_task_id",
    "HEARTask", "HEARTaskBenchmark", "ProbeConfig", "ProtocolOptions", "ProtocolResult",
    "TaskWriter", "TrainingSettings", "load_task", "register_suite", "run_protocol",
    "task_benchmark", "train_probe", "zscore_overall",
]
