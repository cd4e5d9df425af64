"""Broderick et al. 2018 natural speech EEG benchmarks (OpenNeuro ds004408): registration only."""

from functools import partial

from brainscore_audio.registry import benchmarks, fetchers, stimulus_sets

from .benchmark import METRICS, dataset, make
from .data import fetch

stimulus_sets.register("broderick2018",
                       lambda data_dir=None: make(METRICS[0], data_dir).stimulus_set)
fetchers.register("broderick2018", fetch)
for _metric in METRICS:
    benchmarks.register(f"broderick2018.{_metric}", partial(make, _metric))
    benchmarks.register(f"broderick2018-toolkit.{_metric}",
                        partial(make, _metric, protocol="toolkit"))

__all__ = ["dataset"]
