"""RSA benchmark on fMRI voxel responses (METHODS.md section 4)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import StimulusActivations
from ..benchmark import Score
from ..metrics.correlation import standard_error
from ..metrics.rsa import LayerRDMs, leave_one_subject_out_topline, rdm
from .base import FMRIBenchmark
from .dataset import VoxelResponses

CEILING = ("leave-one-subject-out topline: Spearman rho of each subject's RDM with the mean RDM "
           "of the other subjects, averaged over subjects")


class RSABenchmark(FMRIBenchmark):
    """Spearman rho between each subject's voxel RDM and each layer's RDM.

    ``raw`` is the maximum over layers of the mean-over-subjects rho (the papers' number);
    ``details["cross_validated"]`` is the same with the layer chosen on entries outside the
    scored block, which shows how optimistic the maximum is. ``ceiling`` is the
    leave-one-subject-out topline; ``ceiled = raw / ceiling``. Where the data has ROI labels,
    ``details["roi"]`` holds per-ROI, per-layer profiles.
    """

    def parameters(self) -> dict[str, Any]:
        return {
            **self._common_parameters(),
            "rdm": "z-score each feature over stimuli, then 1 - Pearson r between stimuli",
            "comparison": "Spearman rho of strict upper triangles",
            "score": "max over layers of the mean over subjects",
            "cross_validation": "layer per fold-pair block chosen on entries outside both folds",
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
        layer_rdms = np.stack([rdm(x) for x in layers])
        ranked = LayerRDMs(layer_rdms, data.folds)  # layer ranks shared by every subject
        subject_rdms = _subject_rdms(responses, subjects)
        rho = np.stack([ranked.compare(s) for s in subject_rdms], axis=1)  # (L, S)
        per_layer_mean = rho.mean(axis=1)
        best = int(np.argmax(per_layer_mean))
        topline_per_subject = leave_one_subject_out_topline(subject_rdms)
        ceiling = float(topline_per_subject.mean())
        raw = float(per_layer_mean[best])
        cv = [ranked.cross_validated(s) for s in subject_rdms]
        cv_chosen = np.concatenate([c[np.triu_indices_from(c, 1)] for _, c in cv])
        details: dict[str, Any] = {
            "cross_validated": float(np.mean([value for value, _ in cv])),
            "cross_validated_per_subject": {s: float(v) for s, (v, _) in zip(subjects, cv,
                                                                             strict=True)},
            "cross_validated_layer_fraction": {
                names[i]: float(np.mean(cv_chosen == i)) for i in np.unique(cv_chosen)},
            "topline_per_subject": dict(zip(subjects, topline_per_subject.tolist(), strict=True)),
            "per_layer_per_subject": {name: dict(zip(subjects, rho[i].tolist(), strict=True))
                                      for i, name in enumerate(names)},
        }
        if responses.rois is not None:
            details["roi"] = _roi_profiles(responses, subjects, ranked, names)
        return Score(
            raw=raw,
            ceiling=ceiling,
            ceiled=raw / ceiling if ceiling > 0 else None,
            error=standard_error(rho[best]),
            per_subject=dict(zip(subjects, rho[best].tolist(), strict=True)),
            per_layer=dict(zip(names, per_layer_mean.tolist(), strict=True)),
            chosen_layers=[names[best]],
            details=details,
            artefacts={"layer_rdms": layer_rdms, "subject_rdms": subject_rdms,
                       "layer_names": np.array(names), "subjects": np.array(subjects)},
        )


def _subject_rdms(responses: VoxelResponses, subjects: list[str]) -> np.ndarray:
    """``(n_subjects, n, n)`` RDMs of each subject's session-averaged voxels."""
    mean = responses.mean()
    return np.stack([rdm(mean[:, responses.subjects == s]) for s in subjects])


def _roi_profiles(responses: VoxelResponses, subjects: list[str], ranked: LayerRDMs,
                  names: list[str]) -> dict[str, Any]:
    """Per ROI: mean-over-subjects rho per layer and the ROI's topline. Subjects with fewer
    than 2 voxels in an ROI are skipped for it; voxels without a region (``""``) are left out."""
    out: dict[str, Any] = {}
    mean = responses.mean()
    for roi in sorted(set(responses.rois.tolist()) - {""}):
        rdms = []
        for s in subjects:
            mask = (responses.subjects == s) & (responses.rois == roi)
            if mask.sum() >= 2:
                rdms.append(rdm(mean[:, mask]))
        if not rdms:
            continue
        rdms = np.stack(rdms)
        rho = np.stack([ranked.compare(r) for r in rdms], axis=1)
        per_layer = dict(zip(names, rho.mean(axis=1).tolist(), strict=True))
        out[roi] = {
            "per_layer": per_layer,
            "best_layer": max(per_layer, key=per_layer.get),
            "n_voxels": int(np.sum(responses.rois == roi)),
            "n_subjects": len(rdms),
            "topline": float(leave_one_subject_out_topline(rdms).mean()) if len(rdms) > 1 else None,
        }
    return out
