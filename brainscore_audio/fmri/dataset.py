"""Containers for fMRI responses to a stimulus set."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from ..stimuli import StimulusSet


@dataclass
class VoxelResponses:
    """Responses of many subjects' voxels to the stimuli of one stimulus set.

    Attributes:
        responses: ``(n_stimuli, n_voxels, n_sessions)`` float, rows in the stimulus set's order.
        subjects: ``(n_voxels,)`` subject label of each voxel (str).
        voxel_ids: ``(n_voxels,)`` identifiers from the data release.
        rois: ``(n_voxels,)`` region label (e.g. Primary, Anterior, Lateral, Posterior) or None.
    """

    responses: np.ndarray
    subjects: np.ndarray
    voxel_ids: np.ndarray
    rois: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.responses = np.asarray(self.responses, dtype=np.float64)
        self.subjects = np.asarray(self.subjects).astype(str)
        self.voxel_ids = np.asarray(self.voxel_ids)
        if self.responses.ndim != 3:
            raise ValueError(f"responses must be (stimuli, voxels, sessions), got "
                             f"{self.responses.shape}")
        n_voxels = self.responses.shape[1]
        for name in ("subjects", "voxel_ids") + (("rois",) if self.rois is not None else ()):
            if len(getattr(self, name)) != n_voxels:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries for "
                                 f"{n_voxels} voxels")
        if self.rois is not None:
            self.rois = np.asarray(self.rois).astype(str)

    @property
    def n_voxels(self) -> int:
        return self.responses.shape[1]

    def mean(self) -> np.ndarray:
        """Session-averaged responses ``(n_stimuli, n_voxels)``."""
        return self.responses.mean(axis=2)

    def subject_labels(self) -> list[str]:
        """Subject labels in order of first appearance."""
        _, first = np.unique(self.subjects, return_index=True)
        return [self.subjects[i] for i in sorted(first)]

    def finite_voxels(self) -> np.ndarray:
        """Boolean ``(n_voxels,)``: voxels without NaN/inf in any stimulus or session."""
        return np.all(np.isfinite(self.responses), axis=(0, 2))

    def select(self, mask: np.ndarray) -> VoxelResponses:
        """The voxels where ``mask`` is True."""
        return VoxelResponses(self.responses[:, mask], self.subjects[mask], self.voxel_ids[mask],
                              None if self.rois is None else self.rois[mask])


@dataclass
class FMRIDataset:
    """Everything an fMRI benchmark scores against.

    Attributes:
        stimulus_set: the stimuli, canonical order.
        responses: voxel responses following that order.
        folds: ``(n_stimuli,)`` outer fold per stimulus (category-balanced).
        fold_source: where the folds come from (a citation or the seed that made them).
        checksums: ``{name: sha256}`` of the data files used.
        facts: counts and planted values to show in the benchmark metadata.
    """

    stimulus_set: StimulusSet
    responses: VoxelResponses
    folds: np.ndarray
    fold_source: str
    checksums: dict[str, str] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)

    def folds_sha256(self) -> str:
        """sha256 of the fold assignment (as comma-separated integers)."""
        return hashlib.sha256(",".join(map(str, np.asarray(self.folds).tolist())).encode()).hexdigest()
