"""Shared plumbing of the fMRI benchmarks: lazy data loading and input checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..activations import StimulusActivations
from ..benchmark import LazyDataBenchmark
from ..errors import UserError
from ..metrics.ridge import (
    ALPHA_LIMITS,
    DEFAULT_ALPHAS,
    EXTENSION_MIN_GAIN,
    NestedRidgeResult,
    nested_ridge_cv,
)
from .dataset import ComponentDataset, FMRIDataset


class FMRIBenchmark(LazyDataBenchmark):
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
        super().__init__(load)

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


class RidgeBenchmark(FMRIBenchmark):
    """An fMRI benchmark scored by the nested ridge of METHODS.md section 2.

    Args:
        alphas, alpha_limits, min_gain: the ridge grid, the range the alpha-edge extension may
            reach, and its minimum gain (see :mod:`brainscore_audio.metrics.ridge`).
    """

    def __init__(self, identifier: str, load: Callable, *,
                 alphas: Sequence[float] = DEFAULT_ALPHAS,
                 alpha_limits: tuple[float, float] = ALPHA_LIMITS,
                 min_gain: float = EXTENSION_MIN_GAIN, **kwargs) -> None:
        super().__init__(identifier, load, **kwargs)
        self.alphas = tuple(float(a) for a in alphas)
        self.alpha_limits = alpha_limits
        self.min_gain = min_gain

    def _ridge_parameters(self, target: str) -> dict[str, Any]:
        """The ridge recipe for the score record; ``target`` names what is predicted."""
        return {
            "alphas": list(self.alphas),
            "alpha_limits": list(self.alpha_limits),
            "alpha_edge_extension": True,
            "extension_min_gain": self.min_gain,
            "selection": f"joint (layer, alpha) per {target} on pooled inner leave-one-fold-out R^2",
            "centering": "X and y centred with training means; ridge without intercept",
        }

    def _nested_ridge(self, layers: list[np.ndarray], targets: np.ndarray, folds: np.ndarray,
                      progress: Callable[[int], object] | None = None) -> NestedRidgeResult:
        """:func:`nested_ridge_cv` with this benchmark's settings."""
        return nested_ridge_cv(layers, targets, folds, alphas=self.alphas,
                               alpha_limits=self.alpha_limits, min_gain=self.min_gain,
                               progress=progress)
