"""Shared plumbing of the fMRI benchmarks: lazy data loading and input checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..activations import StimulusActivations
from ..benchmark import LazyDataBenchmark
from ..errors import UserError
from ..metrics.correlation import constant_columns
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
        activations.check_values()
        matrices = []
        for name, values in activations.layers.items():
            values = np.asarray(values)
            if values.ndim != 2 or values.shape[0] != n:
                raise UserError(f"{self.identifier}: layer {name!r} has shape {values.shape}; "
                                f"expected ({n}, dim)")
            matrices.append(values.astype(np.float64))
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
    """An fMRI benchmark scored by the nested ridge of docs/methods.md#voxel-regression.

    The ridge runs where the run's ``--device`` says (:attr:`device`, set by the harness): numpy
    on ``cpu``, torch on ``cuda[:N]``; the scores are the same to rounding.

    Args:
        alphas, alpha_limits, min_gain: the ridge grid, the range the alpha-edge extension may
            reach, and its minimum gain (see :mod:`brainscore_audio.metrics.ridge`).
    """

    uses_device = True  # distributed runs send scoring with --device cuda to GPU workers

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

    def _nested_ridge(self, layers: list[np.ndarray], names: list[str], targets: np.ndarray,
                      folds: np.ndarray, progress: Callable[[int], object] | None = None
                      ) -> tuple[NestedRidgeResult | None, dict[str, str]]:
        """:func:`nested_ridge_cv` with this benchmark's settings, on the layers that can
        predict anything.

        A layer whose features are all constant over the stimuli (:func:`ridge_layer_problem`)
        is not offered to the joint choice; its per-layer profile is NaN.

        Returns:
            ``(result, problems)``: the result indexed by all ``names`` (``layer_index`` into
            ``names``; ``per_layer_r2`` and ``per_layer_alpha`` NaN for unusable layers), or
            None when no layer is usable; ``problems``: ``{layer: reason}``.
        """
        problems = {name: p for name, x in zip(names, layers, strict=True)
                    if (p := ridge_layer_problem(x)) is not None}
        usable = [i for i, name in enumerate(names) if name not in problems]
        if not usable:
            return None, problems
        on_gpu = self.device.startswith("cuda")
        result = nested_ridge_cv([layers[i] for i in usable], targets, folds, alphas=self.alphas,
                                 alpha_limits=self.alpha_limits, min_gain=self.min_gain,
                                 progress=progress, array_library="torch" if on_gpu else "numpy",
                                 device=self.device if on_gpu else None)
        if len(usable) < len(names):
            index = np.asarray(usable)
            result.layer_index = index[result.layer_index]
            per_layer_r2 = np.full((len(names),) + result.per_layer_r2.shape[1:], np.nan)
            per_layer_r2[index] = result.per_layer_r2
            per_layer_alpha = np.full((len(names),) + result.per_layer_alpha.shape[1:], np.nan)
            per_layer_alpha[index] = result.per_layer_alpha
            result.per_layer_r2, result.per_layer_alpha = per_layer_r2, per_layer_alpha
        return result, problems


def ridge_layer_problem(features: np.ndarray) -> str | None:
    """Why a layer ``(n_stimuli, p)`` cannot predict anything, or None: all its features are
    constant over the stimuli (:func:`~brainscore_audio.metrics.correlation.constant_columns`),
    so every ridge prediction is a training mean."""
    if np.any(~constant_columns(features)):
        return None
    return (f"all {np.asarray(features).shape[1]} features are constant over the stimuli "
            "(a constant layer predicts only training means)")


def no_layer_reason(problems: dict[str, str]) -> str:
    """``details["raw_undefined"]`` when no layer can be scored."""
    return "no layer can be scored: " + "; ".join(f"{name}: {why}"
                                                   for name, why in problems.items())
