"""Voxel-wise nested ridge regression benchmark (docs/methods.md#voxel-regression)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .. import progress
from ..activations import StimulusActivations
from ..benchmark import Score
from ..metrics.correlation import standard_error
from ..metrics.layer_choice import first_best
from ..metrics.reliability import session_reliability
from ..metrics.ridge import progress_units
from .base import RidgeBenchmark, no_layer_reason
from .dataset import VoxelResponses

AGGREGATION = "median over a subject's voxels, then mean over subjects; error = SE over subjects"
CEILING = ("per-voxel session reliability (mean pairwise Pearson r of single sessions, "
           "Spearman-Brown corrected to the number of sessions), aggregated like the raw score")


class VoxelRidgeBenchmark(RidgeBenchmark):
    """Predict every voxel from the model's layers with nested CV ridge (Pepino et al. 2025).

    ``raw`` is the mean over subjects of the median voxel R^2 (squared Pearson r of pooled
    out-of-fold predictions, r < 0 -> 0): the number papers compare. ``ceiling`` is the same
    aggregate of the per-voxel reliability; ``ceiled = raw / ceiling``.
    """

    def parameters(self) -> dict[str, Any]:
        return {
            **self._common_parameters(),
            **self._ridge_parameters("voxel"),
            "score": "squared Pearson r of pooled out-of-fold predictions; r < 0 -> 0",
            "aggregation": AGGREGATION,
            "ceiling": CEILING,
        }

    def metadata(self) -> dict[str, Any]:
        return {"ceiling_convention": CEILING, "aggregation": AGGREGATION, "units": "R^2",
                **self.dataset.facts}

    def __call__(self, activations: StimulusActivations) -> Score:
        layers = self._layer_matrices(activations)
        names = activations.layer_names
        data = self.dataset
        finite = data.responses.finite_voxels()
        responses = data.responses.select(finite)
        targets = responses.mean()
        units = progress_units(targets.shape[1], len(layers), targets.shape[0],
                               len(np.unique(data.folds)))
        with progress.bar(total=units, desc=f"{self.identifier}: ridge", unit="fold") as bar:
            result, problems = self._nested_ridge(layers, names, targets, data.folds,
                                                  progress=bar.update)
        reliability = session_reliability(responses.responses)
        subjects = responses.subject_labels()
        ceiling_per_subject = [float(np.median(np.clip(reliability[responses.subjects == s], 0, 1)))
                               for s in subjects]
        ceiling = float(np.mean(ceiling_per_subject))
        if result is None:
            return Score(raw=float("nan"), ceiling=ceiling,
                         per_layer=dict.fromkeys(names, float("nan")),
                         details={"layer_problems": problems,
                                  "raw_undefined": no_layer_reason(problems),
                                  "ceiling_per_subject": dict(zip(subjects, ceiling_per_subject,
                                                                  strict=True))})
        per_subject = {s: float(np.median(result.r2[responses.subjects == s])) for s in subjects}
        raw = float(np.mean(list(per_subject.values())))
        per_layer = {
            name: float(np.mean([np.median(result.per_layer_r2[i][responses.subjects == s])
                                 for s in subjects]))
            for i, name in enumerate(names)
        }
        choice_counts = Counter(result.layer_index.ravel().tolist())
        total = sum(choice_counts.values())
        chosen = [names[i] for i, _ in choice_counts.most_common()]
        roi_details = ({} if responses.rois is None else
                       {"roi": _roi_summary(result.r2, result.per_layer_r2, result.layer_index,
                                            responses, names)})
        return Score(
            raw=raw,
            ceiling=ceiling,
            ceiled=raw / ceiling if ceiling > 0 else None,
            error=standard_error(np.array(list(per_subject.values()))),
            per_subject=per_subject,
            per_layer=per_layer,
            chosen_layers=chosen,
            details={
                "layer_problems": problems,
                "layer_choice_fraction": {names[i]: c / total for i, c in choice_counts.items()},
                "ceiling_per_subject": dict(zip(subjects, ceiling_per_subject, strict=True)),
                "n_voxels_scored": int(finite.sum()),
                "n_voxels_dropped_nonfinite": int((~finite).sum()),
                **roi_details,
            },
            artefacts={
                "voxel_ids": responses.voxel_ids,
                "voxel_subject": responses.subjects,
                "voxel_r2": result.r2,
                "voxel_reliability": reliability,
                "voxel_layer_per_fold": result.layer_index,
                "voxel_alpha_per_fold": result.alpha,
                "voxel_r2_per_layer": result.per_layer_r2,
                "layer_names": np.array(names),
                **({"voxel_roi": responses.rois} if responses.rois is not None else {}),
            },
        )


def _subject_median_mean(values: np.ndarray, subjects: np.ndarray) -> float:
    """Mean over subjects of the median of ``values`` ``(v,)`` over each subject's voxels."""
    return float(np.mean([np.median(values[subjects == s]) for s in np.unique(subjects)]))


def _roi_summary(r2: np.ndarray, per_layer_r2: np.ndarray, layer_index: np.ndarray,
                 responses: VoxelResponses, names: list[str]) -> dict[str, Any]:
    """Per region (voxels labelled ``""`` left out): the score aggregated like ``raw`` over the
    region's voxels, the same per layer, and how often each layer was chosen there.

    Args:
        r2: ``(v,)``; per_layer_r2: ``(n_layers, v)``; layer_index: ``(n_folds, v)``.
    """
    out: dict[str, Any] = {}
    for roi in sorted(set(responses.rois.tolist()) - {""}):
        mask = responses.rois == roi
        subjects = responses.subjects[mask]
        per_layer = {name: _subject_median_mean(per_layer_r2[i][mask], subjects)
                     for i, name in enumerate(names)}
        counts = np.bincount(layer_index[:, mask].ravel(), minlength=len(names))
        best = first_best(np.array(list(per_layer.values())))
        out[roi] = {
            "n_voxels": int(mask.sum()),
            "n_subjects": len(np.unique(subjects)),
            "r2": _subject_median_mean(r2[mask], subjects),
            "per_layer": per_layer,
            "best_layer": None if best is None else names[best],
            "layer_choice_fraction": {names[i]: float(c / counts.sum())
                                      for i, c in enumerate(counts) if c},
        }
    return out
