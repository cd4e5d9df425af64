"""RSA benchmark on fMRI voxel responses (docs/methods.md#fmri-rsa)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import StimulusActivations
from ..benchmark import Score
from ..metrics.correlation import standard_error
from ..metrics.layer_choice import first_best
from ..metrics.rsa import (
    DEAD_UNITS,
    LayerRDMs,
    leave_one_subject_out_topline,
    rdm,
    rdm_problem,
)
from .base import FMRIBenchmark
from .dataset import VoxelResponses

CEILING = ("leave-one-subject-out topline: Spearman rho of each subject's RDM with the mean RDM "
           "of the other subjects, averaged over subjects")
CROSS_VALIDATION = (
    "Pepino et al.'s rsa_layer_select: for each fold pair (i, j), i <= j in sorted fold order, "
    "the layer with the highest Spearman rho on the upper-triangle entries (a < b) with stimulus "
    "a outside fold i and b outside fold j fills the entries with a in fold i or b in fold j, "
    "later pairs overwriting earlier ones (entry (a, b) keeps the choice of pair (f_b, f_b) if "
    "f_a < f_b, else (f_a, last fold)); the composite's upper triangle is compared once per "
    "subject, then averaged over subjects; ties to the first layer, NaN layers never chosen")


class RSABenchmark(FMRIBenchmark):
    """Spearman rho between each subject's voxel RDM and each layer's RDM.

    ``raw`` is the maximum over layers of the mean-over-subjects rho (the papers' number);
    ``details["cross_validated"]`` is the same with the layer chosen on entries outside the
    scored block, which shows how optimistic the maximum is. ``ceiling`` is the
    leave-one-subject-out topline; ``ceiled = raw / ceiling``. Where the data has ROI labels,
    ``details["roi"]`` holds per-ROI, per-layer profiles.
    """

    def __init__(self, identifier: str, load, *, dead_units: str = "zero", **kwargs) -> None:
        if dead_units not in DEAD_UNITS:
            raise ValueError(f"dead_units must be one of {DEAD_UNITS}, got {dead_units!r}")
        super().__init__(identifier, load, **kwargs)
        self.dead_units = dead_units

    def parameters(self) -> dict[str, Any]:
        return {
            **self._common_parameters(),
            "rdm": "z-score each feature over stimuli, then 1 - Pearson r between stimuli",
            "dead_units": self.dead_units,
            "dead_units_rule": "a feature is dead (constant) when its standard deviation over "
                               "stimuli is at most 1e-6 of its root mean square; 'zero' keeps it "
                               "as a zero column of the z-scored matrix (the authors' code), "
                               "'drop' removes it",
            "min_varying_features": 2,
            "comparison": "Spearman rho of strict upper triangles; undefined (NaN) for a "
                          "constant RDM",
            "score": "max over layers of the mean over subjects; layers with an undefined RDM "
                     "are never the maximum",
            "error": "standard error over subjects of rho at the best layer",
            "cross_validation": CROSS_VALIDATION,
            "ceiling": CEILING,
        }

    def metadata(self) -> dict[str, Any]:
        return {"ceiling_convention": CEILING, "units": "Spearman rho", **self.dataset.facts}

    def __call__(self, activations: StimulusActivations) -> Score:
        layers = self._layer_matrices(activations)
        names = activations.layer_names
        data = self.dataset
        responses = data.responses.select(data.responses.finite_voxels())
        subjects = responses.subject_labels()
        problems = {name: p for name, x in zip(names, layers, strict=True)
                    if (p := rdm_problem(x)) is not None}
        usable = [i for i, name in enumerate(names) if name not in problems]
        n = len(self.stimulus_set)
        layer_rdms = np.full((len(names), n, n), np.nan)
        for i in usable:
            layer_rdms[i] = rdm(layers[i], self.dead_units)
        ranked = LayerRDMs(layer_rdms[usable], data.folds)  # ranks shared by every subject
        subject_rdms = _subject_rdms(responses, subjects, self.dead_units)
        rho = np.full((len(names), len(subjects)), np.nan)  # (L, S)
        if usable:
            rho[usable] = np.stack([ranked.compare(s) for s in subject_rdms], axis=1)
        per_layer_mean = rho.mean(axis=1)
        best = first_best(per_layer_mean)
        topline_per_subject = leave_one_subject_out_topline(subject_rdms)
        ceiling = float(topline_per_subject.mean())
        raw = float("nan") if best is None else float(per_layer_mean[best])
        details: dict[str, Any] = {
            "layer_problems": problems,
            "topline_per_subject": dict(zip(subjects, topline_per_subject.tolist(), strict=True)),
            "per_layer_per_subject": {name: dict(zip(subjects, rho[i].tolist(), strict=True))
                                      for i, name in enumerate(names)},
        }
        if best is None:
            details["raw_undefined"] = (
                "no layer has a defined RDM comparison: " + "; ".join(
                    f"{name}: {reason}" for name, reason in problems.items())
                if problems else "every layer's Spearman rho is undefined (a constant RDM)")
        if usable:
            details.update(_cross_validated(ranked, subject_rdms, subjects,
                                            [names[i] for i in usable]))
        if responses.rois is not None:
            details["roi"] = _roi_profiles(responses, subjects, ranked, names, usable,
                                           self.dead_units)
        return Score(
            raw=raw,
            ceiling=ceiling,
            ceiled=raw / ceiling if ceiling > 0 and best is not None else None,
            error=None if best is None else standard_error(rho[best]),
            per_subject={} if best is None else dict(zip(subjects, rho[best].tolist(),
                                                         strict=True)),
            per_layer=dict(zip(names, per_layer_mean.tolist(), strict=True)),
            chosen_layers=[] if best is None else [names[best]],
            details=details,
            artefacts={"layer_rdms": layer_rdms, "subject_rdms": subject_rdms,
                       "layer_names": np.array(names), "subjects": np.array(subjects)},
        )


def _cross_validated(ranked: LayerRDMs, subject_rdms: np.ndarray, subjects: list[str],
                     names: list[str]) -> dict[str, Any]:
    """``details`` entries of the cross-validated layer choice (``names``: the usable layers,
    in the order of ``ranked``)."""
    cv = [ranked.cross_validated(s) for s in subject_rdms]
    cv_chosen = np.concatenate([c[np.triu_indices_from(c, 1)] for _, c in cv])
    cv_chosen = cv_chosen[cv_chosen >= 0]
    return {
        "cross_validated": float(np.mean([value for value, _ in cv])),
        "cross_validated_per_subject": {s: float(v) for s, (v, _) in zip(subjects, cv,
                                                                         strict=True)},
        "cross_validated_layer_fraction": {
            names[i]: float(np.mean(cv_chosen == i)) for i in np.unique(cv_chosen)},
    }


def _subject_rdms(responses: VoxelResponses, subjects: list[str], dead_units: str) -> np.ndarray:
    """``(n_subjects, n, n)`` RDMs of each subject's session-averaged voxels."""
    mean = responses.mean()
    return np.stack([rdm(mean[:, responses.subjects == s], dead_units) for s in subjects])


def _roi_profiles(responses: VoxelResponses, subjects: list[str], ranked: LayerRDMs,
                  names: list[str], usable: list[int], dead_units: str) -> dict[str, Any]:
    """Per ROI: mean-over-subjects rho per layer (NaN for layers without a usable RDM) and the
    ROI's topline. Subjects with fewer than 2 voxels in an ROI are skipped for it; voxels
    without a region (``""``) are left out."""
    out: dict[str, Any] = {}
    mean = responses.mean()
    for roi in sorted(set(responses.rois.tolist()) - {""}):
        rdms = []
        for s in subjects:
            mask = (responses.subjects == s) & (responses.rois == roi)
            if mask.sum() >= 2:
                rdms.append(rdm(mean[:, mask], dead_units))
        if not rdms:
            continue
        rdms = np.stack(rdms)
        rho = np.full((len(names), len(rdms)), np.nan)
        if usable:
            rho[usable] = np.stack([ranked.compare(r) for r in rdms], axis=1)
        values = rho.mean(axis=1)
        per_layer = dict(zip(names, values.tolist(), strict=True))
        best = first_best(values)
        out[roi] = {
            "per_layer": per_layer,
            "best_layer": None if best is None else names[best],
            "n_voxels": int(np.sum(responses.rois == roi)),
            "n_subjects": len(rdms),
            "topline": float(leave_one_subject_out_topline(rdms).mean()) if len(rdms) > 1 else None,
        }
    return out
