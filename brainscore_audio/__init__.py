"""brainscore-audio: how brain-like, and how useful, are the representations of an audio model?

Public API (see README.md and docs/):

- :class:`AudioModel`, :class:`Activations`: the model plugin interface.
- :class:`Benchmark`, :class:`Score`: the benchmark plugin interface.
- :data:`models`, :data:`benchmarks`, :data:`stimulus_sets`: registries.
- :func:`extract`, :func:`run_models`: the harness.
"""

from .benchmark import Benchmark, Score
from .errors import UserError
from .model import Activations, AudioModel, evenly_spaced_layers
from .registry import benchmarks, models, stimulus_sets

__version__ = "0.1.0"

__all__ = [
    "Activations", "AudioModel", "Benchmark", "Score", "UserError", "benchmarks",
    "evenly_spaced_layers", "models", "stimulus_sets", "extract", "run_models",
]


def __getattr__(name: str):
    # The harness imports tqdm and friends; keep `import brainscore_audio` light.
    if name == "extract":
        from .extraction import extract

        return extract
    if name == "run_models":
        from .runner import run_models

        return run_models
    raise AttributeError(name)
