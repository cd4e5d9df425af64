"""Offline mini downstream tasks rendered from Debian audio packages: registration only."""

from brainscore_audio.downstream import register_suite
from brainscore_audio.registry import benchmarks, fetchers

from .benchmark import RENDERERS, fetch, make_benchmark

fetchers.register("mini-hear", fetch)
for _name in RENDERERS:
    benchmarks.register(f"mini.{_name}",
                        lambda data_dir=None, _name=_name: make_benchmark(_name, data_dir))
register_suite("mini", "downstream-overall-mini")  # the offline tasks' own overall
