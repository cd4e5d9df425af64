"""Shared plumbing of the fMRI benchmarks: lazy data loading and input checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np

from ..activations import StimulusActivations
from ..benchmark import Benchmark
from ..errors import UserError
from ..stimuli import StimulusSet
from .dataset import ComponentDataset, FMRIDataset


class FMRIBenchmark(Benchmark):
    """A benchmark over an :class:`FMRIDataset` loaded lazily (listing plugins loads no data).

    Args:
        identifier, version, description, bibtex, embedded: see :class:`Benchmark`.
        load: returns the data set (:class:`FMRIDataset`, or :class:`ComponentDataset` for
            component benchmarks); called once, on first use.
    """

    pooling = "mean"

    def __init__(self, identifier: str, load: Callable[[], FMRIDataset | ComponentDataset], *,
                 version: int = 1,
                 description: str = "", bibtex: str = "", embedded: bool = False) -> None:
        self.identifier = identifier
        self.version = version
        self.description = description
        self.bibtex = bibtex
        self.embedded = embedded
        self._load = load

    @cached_property
    def dataset(self) -> FMRIDataset | ComponentDataset:
        """The data set (loaded on first access)."""
        return self._load()

    @property
    def stimulus_set(self) -> StimulusSet:
        return self.dataset.stimulus_set

    def data_checksums(self) -> dict[str, str]:
        return dict(self.dataset.checksums)

    def _layer_matrices(self, activations: StimulusActivations) -> list[np.ndarray]:
        """Pooled ``(n_stimuli, dim)`` arrays in layer order, after checking their shapes."""
        n = len(self.stimulus_set)
        if activations.pooling != "mean":
            raise UserError(f"{self.identifier} needs time-pooled activations, got "
                            f"pooling={activations.pooling!r}")
        if list(activations.stimulus_ids) != list(self.stimulus_set.ids):
            raise UserError(f"{self.identifier}: activations are not in the order of stimulus set "
                            f"{self.stimulus_set.identifier!r}")
        if not activations.layers:
            raise UserError(f"{self.identifier}: no layers to score")
        matrices = []
        for name, values in activations.layers.items():
            values = np.asarray(values)
            if values.ndim != 2 or values.shape[0] != n:
                raise UserError(f"{self.identifier}: layer {name!r} has shape {values.shape}; "
                                f"expected ({n}, dim)")
            matrices.append(values.astype(np.float64))
        activations.check_finite()
        return matrices

    def _fold_parameters(self) -> dict[str, Any]:
        data = self.dataset
        return {
            "pooling": self.pooling,
            "folds": {"source": data.fold_source, "n_folds": int(len(np.unique(data.folds))),
                      "sha256": data.folds_sha256()},
            "n_stimuli": len(data.stimulus_set),
            **data.parameters,
        }

    def _common_parameters(self) -> dict[str, Any]:
        data = self.dataset
        return {
            **self._fold_parameters(),
            "n_voxels": int(data.responses.n_voxels),
            "n_subjects": len(data.responses.subject_labels()),
            "n_sessions": int(data.responses.responses.shape[2]),
        }
