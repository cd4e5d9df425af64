"""Alice EEG sentence benchmarks (Brennan & Hale 2019): registration only."""

from functools import partial

from brainscore_audio.registry import benchmarks, fetchers, stimulus_sets

from .benchmark import METRICS, dataset, make
from .fetch import fetch

stimulus_sets.register("alice2019", lambda data_dir=None: make(METRICS[0], data_dir).stimulus_set)
fetchers.register("alice2019", fetch)
for _metric in METRICS:
    benchmarks.register(f"alice2019.{_metric}", partial(make, _metric))
    benchmarks.register(f"alice2019-toolkit.{_metric}", partial(make, _metric, protocol="toolkit"))

__all__ = ["dataset"]
