"""HEAR 2021 downstream tasks (Pepino et al. 2025's six): registration only."""

from brainscore_audio.downstream import register_suite
from brainscore_audio.registry import benchmarks, fetchers

from .benchmark import make_benchmark, make_fetcher
from .tasks import TASKS

for _key in TASKS:
    fetchers.register(f"hear.{_key}", make_fetcher(_key))
    benchmarks.register(f"hear.{_key}",
                        lambda data_dir=None, _key=_key: make_benchmark(_key, data_dir))
# The six tasks of Pepino et al. (2025) (suite "hear"): the paper's z-scored overall.
register_suite("hear", "downstream-overall")
