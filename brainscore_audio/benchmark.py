"""The benchmark plugin interface.

A benchmark never runs a model: the harness extracts activations over :attr:`stimulus_set`
(once per stimulus set and pooling, cached) and calls the benchmark with them. The benchmark
returns a :class:`Score`; the harness adds provenance and writes the score record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .activations import StimulusActivations
from .stimuli import StimulusSet


@dataclass
class Score:
    """What a benchmark computed for one model.

    Attributes:
        raw: the headline number papers compare (e.g. mean over subjects of median voxel R^2).
        ceiled: ``raw / ceiling`` where the benchmark has a ceiling, else ``None``.
        ceiling: the benchmark's ceiling on the same scale as ``raw``, else ``None``.
        error: standard error over subjects (or folds), else ``None``.
        per_subject: ``{subject: value}`` on the scale of ``raw``.
        per_layer: ``{layer: value}``, the score had only that layer been offered.
        chosen_layers: the layer(s) the protocol selected (most frequent first).
        details: further JSON-serialisable results (e.g. ROI profiles, layer x window maps).
        artefacts: large arrays kept beside the record in an ``.npz`` (e.g. per-voxel R^2).
    """

    raw: float
    ceiled: float | None = None
    ceiling: float | None = None
    error: float | None = None
    per_subject: dict[str, float] = field(default_factory=dict)
    per_layer: dict[str, float] = field(default_factory=dict)
    chosen_layers: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    artefacts: dict[str, np.ndarray] = field(default_factory=dict)


class Benchmark(ABC):
    """Base class of every benchmark plugin.

    Attributes a plugin sets:
        identifier: ``"<data>.<protocol>"``, e.g. ``"nh2015.voxel-ridge"``.
        version: bumped whenever scores for the same model would change.
        pooling: ``"mean"`` (one vector per clip) or ``"none"`` (keep frames, e.g. EEG).
        embedded: True when the benchmark needs no download (runs by default and in the demo).
        description: one line for ``benchmark list benchmarks``.
        bibtex: citations of the data and method papers.
        uses_device: True when scoring itself runs on :attr:`device` (e.g. downstream probes);
            a distributed run then sends its scoring jobs with ``--device cuda`` to GPU workers.
        simulated: True when the brain data are simulated (a check of the pipeline against a
            planted truth, not a measurement of a brain); records, the leaderboard table and
            the site say so.

    Set by the harness before scoring:
        device: the run's ``--device`` (``"cpu"`` or ``"cuda"``), for benchmarks that train
            something while scoring (e.g. downstream probes).
    """

    identifier: str
    version: int = 1
    pooling: str = "mean"
    embedded: bool = False
    description: str = ""
    bibtex: str = ""
    uses_device: bool = False
    simulated: bool = False
    device: str = "cpu"

    @property
    @abstractmethod
    def stimulus_set(self) -> StimulusSet:
        """The stimuli the harness must embed; activations come back in its order."""

    @abstractmethod
    def __call__(self, activations: StimulusActivations) -> Score:
        """Score ``activations`` (pooled ``(n_stimuli, dim)`` per layer, or framed lists)."""

    def parameters(self) -> dict[str, Any]:
        """The protocol parameters actually used (JSON-serialisable), for the score record."""
        return {}

    def data_checksums(self) -> dict[str, str]:
        """``{file or data set: sha256}`` of the data the scores depend on."""
        return {}

    def metadata(self) -> dict[str, Any]:
        """Descriptive facts for the leaderboard (ceiling convention, units, counts)."""
        return {}


class LazyDataBenchmark(Benchmark):
    """A benchmark whose data set is loaded on first use, so listing benchmarks loads nothing.

    Args:
        load: returns the data set, an object with ``stimulus_set`` and ``checksums``
            (``{file: sha256}``) attributes; called once. Benchmarks of one release can share
            one (cached) loader, so data is read once per process.
    """

    def __init__(self, load: Callable[[], Any]) -> None:
        self._load = load

    @cached_property
    def dataset(self) -> Any:
        """The data set (loaded on first access)."""
        return self._load()

    @property
    def stimulus_set(self) -> StimulusSet:
        return self.dataset.stimulus_set

    def data_checksums(self) -> dict[str, str]:
        return dict(self.dataset.checksums)
