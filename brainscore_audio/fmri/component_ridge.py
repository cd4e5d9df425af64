"""Nested ridge regression onto a few named response components
(docs/methods.md#component-regression).

The components of a voxel decomposition (e.g. the six of Norman-Haignere et al. 2015) are
targets like voxels, but there are no subjects and no repeated sessions: the score is the
R^2 of each component and their mean, and there is no ceiling.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..activations import StimulusActivations
from ..benchmark import Score
from ..metrics.layer_choice import first_best
from .base import RidgeBenchmark, no_layer_reason

CEILING = ("none: the components are derived from data averaged over subjects and sessions, so "
           "no split-half reliability is available; `ceiled` is left empty")


class ComponentRidgeBenchmark(RidgeBenchmark):
    """Predict every component from the model's layers with the nested ridge of
    :class:`~brainscore_audio.fmri.VoxelRidgeBenchmark` (joint layer/alpha choice with edge
    extension, pooled inner and outer predictions, R^2 = clipped squared Pearson r).

    ``raw`` is the mean over components of their R^2; ``details["per_component"]`` holds each.
    ``per_layer`` is the same mean with only that layer offered. There is no subject level, so
    ``error`` is empty, and no ceiling (``ceiling`` and ``ceiled`` are empty).

    The load function must return a :class:`~brainscore_audio.fmri.dataset.ComponentDataset`.
    """

    def parameters(self) -> dict[str, Any]:
        data = self.dataset
        return {
            **self._fold_parameters(),
            "components": list(data.component_names),
            **self._ridge_parameters("component"),
            "score": "squared Pearson r of pooled out-of-fold predictions (r < 0 -> 0); raw = mean "
                     "over components",
            "ceiling": CEILING,
        }

    def metadata(self) -> dict[str, Any]:
        return {"ceiling_convention": CEILING, "units": "R^2", **self.dataset.facts}

    def __call__(self, activations: StimulusActivations) -> Score:
        layers = self._layer_matrices(activations)
        names = activations.layer_names
        data = self.dataset
        components = data.component_names
        result, problems = self._nested_ridge(layers, names, data.components, data.folds)
        if result is None:
            return Score(raw=float("nan"), per_layer=dict.fromkeys(names, float("nan")),
                         details={"layer_problems": problems,
                                  "raw_undefined": no_layer_reason(problems)})
        per_component = dict(zip(components, result.r2.tolist(), strict=True))
        per_layer = {name: float(result.per_layer_r2[i].mean()) for i, name in enumerate(names)}
        choice_counts = Counter(result.layer_index.ravel().tolist())
        chosen = [names[i] for i, _ in choice_counts.most_common()]
        return Score(
            raw=float(result.r2.mean()),
            per_layer=per_layer,
            chosen_layers=chosen,
            details={
                "layer_problems": problems,
                "per_component": per_component,
                "per_layer_per_component": {
                    name: dict(zip(components, result.per_layer_r2[i].tolist(), strict=True))
                    for i, name in enumerate(names)},
                "layer_per_fold": {c: [names[i] for i in result.layer_index[:, k]]
                                   for k, c in enumerate(components)},
                "alpha_per_fold": {c: result.alpha[:, k].tolist()
                                   for k, c in enumerate(components)},
                "best_single_layer": {c: names[first_best(result.per_layer_r2[:, k])]
                                      for k, c in enumerate(components)},
            },
            artefacts={
                "component_names": np.array(components),
                "component_r2": result.r2,
                "predictions": result.predictions,
                "layer_per_fold": result.layer_index,
                "alpha_per_fold": result.alpha,
                "component_r2_per_layer": result.per_layer_r2,
                "layer_names": np.array(names),
            },
        )
