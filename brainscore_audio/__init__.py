"""brainscore-audio: how brain-like, and how useful, are the representations of an audio model?

Public API (see README.md and docs/):

- :class:`AudioModel`, :class:`Activations`: the model plugin interface.
- :class:`Benchmark`, :class:`Score`: the benchmark plugin interface.
- :data:`models`, :data:`benchmarks`, :data:`stimulus_sets`: registries.
- :func:`score`, :func:`extract`, :func:`records_frame`: the Python API (README.md, "Python");
  :func:`run_models`: many models on many benchmarks.
"""

from .benchmark import Benchmark, Score
from .errors import UserError
from .model import Activations, AudioModel, evenly_spaced_layers
from .registry import benchmarks, models, stimulus_sets

__version__ = "0.1.0"

__all__ = [
    "Activations", "AudioModel", "Benchmark", "Score", "UserError", "benchmarks",
    "evenly_spaced_layers", "models", "stimulus_sets", "extract", "records_frame", "run_models",
    "score",
]


def __getattr__(name: str):
    # The harness imports tqdm and friends; keep `import brainscore_audio` light.
    if name in ("extract", "score", "records_frame"):
        from . import api

        return getattr(api, name)
    if name == "run_models":
        from .runner import run_models

        return run_models
    raise AttributeError(name)
