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
            Voxels outside every region carry ``""`` (``None`` or NaN labels are converted).
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
            self.rois = np.array(["" if _missing_label(r) else str(r) for r in self.rois])

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


def _missing_label(value) -> bool:
    """True for ``None`` and float NaN (how pandas marks a voxel without a region)."""
    return value is None or (isinstance(value, float | np.floating) and np.isnan(value))


def folds_sha256(folds: np.ndarray) -> str:
    """sha256 of a fold assignment (as comma-separated integers)."""
    return hashlib.sha256(",".join(map(str, np.asarray(folds).tolist())).encode()).hexdigest()


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
        parameters: data-set specific settings recorded with every score (JSON-serialisable).
    """

    stimulus_set: StimulusSet
    responses: VoxelResponses
    folds: np.ndarray
    fold_source: str
    checksums: dict[str, str] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)

    def folds_sha256(self) -> str:
        """sha256 of the fold assignment (as comma-separated integers)."""
        return folds_sha256(self.folds)


@dataclass
class ComponentDataset:
    """Responses that are not voxels of subjects but a few named components (e.g. the six
    voxel-decomposition components of Norman-Haignere et al. 2015).

    Attributes:
        stimulus_set: the stimuli, canonical order.
        components: ``(n_stimuli, n_components)`` float, rows in the stimulus set's order.
        component_names: ``n_components`` names, in column order.
        folds, fold_source, checksums, facts, parameters: as in :class:`FMRIDataset`.
    """

    stimulus_set: StimulusSet
    components: np.ndarray
    component_names: list[str]
    folds: np.ndarray
    fold_source: str
    checksums: dict[str, str] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.components = np.asarray(self.components, dtype=np.float64)
        self.component_names = [str(c) for c in self.component_names]
        if self.components.ndim != 2 or self.components.shape[1] != len(self.component_names):
            raise ValueError(f"components must be (stimuli, {len(self.component_names)}), got "
                             f"{self.components.shape}")

    def folds_sha256(self) -> str:
        """sha256 of the fold assignment (as comma-separated integers)."""
        return folds_sha256(self.folds)
