"""Stimulus set ``nh2015`` and the benchmarks on the Tuckute et al. (2023) release.

- ``nh2015.voxel-ridge``, ``b2021.voxel-ridge``: nested ridge per voxel
  (docs/methods.md#voxel-regression).
- ``nh2015.component-ridge``: the same ridge on the 6 NH2015 components
  (docs/methods.md#component-regression).
- ``nh2015.rsa``, ``b2021.rsa``: RSA per subject, with ROI profiles (docs/methods.md#fmri-rsa).

Everything loads lazily from the release folder that :func:`release.locate` finds for the
``data_dir`` given (``--data-dir``, else ``$BRAINSCORE_AUDIO_DATA``, else the user cache).
Loaded parts are shared between benchmarks of one process.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from brainscore_audio import settings
from brainscore_audio.fmri import (
    ComponentDataset,
    ComponentRidgeBenchmark,
    FMRIDataset,
    RSABenchmark,
    VoxelResponses,
    VoxelRidgeBenchmark,
)
from brainscore_audio.stimuli import StimulusSet, file_stimulus_set

from . import folds as fold_choices
from . import release
from .checksums import cached_sha256
from .citations import B2021_BIBTEX, NH2015_BIBTEX

STIMULUS_SET = "nh2015"
DATASETS = {
    "nh2015": "NH2015: fMRI of 8 listeners, 165 natural sounds, 7,694 voxels with 3 sessions "
              "(Norman-Haignere et al. 2015)",
    "b2021": "B2021: fMRI of 20 listeners (10 with, 10 without musical training), first 165 "
             "sounds, 26,792 voxels (Boebinger et al. 2021)",
    "nh2015comp": "NH2015comp: the 6 voxel-decomposition components of Norman-Haignere et al. 2015",
}
BIBTEX = {"nh2015": NH2015_BIBTEX, "b2021": B2021_BIBTEX, "nh2015comp": NH2015_BIBTEX}
# Bumped whenever the same model's scores move (CHANGELOG.md says why).
VOXEL_RIDGE_VERSION = 2
COMPONENT_RIDGE_VERSION = 2
RSA_VERSION = 2


def release_folder(data_dir: str | Path | None) -> Path:
    """The release's ``data/`` folder for ``data_dir`` (see :func:`release.locate`)."""
    return release.locate(settings.data_dir(data_dir))


@lru_cache(maxsize=4)
def _stimuli(data: Path, counts: release.ReleaseCounts) -> release.Stimuli:
    return release.read_stimuli(data, counts)


@lru_cache(maxsize=4)
def _stimulus_set(data: Path, counts: release.ReleaseCounts) -> StimulusSet:
    stimuli = _stimuli(data, counts)
    return file_stimulus_set(STIMULUS_SET, stimuli.ids, stimuli.paths,
                             metadata={"category": stimuli.categories})


def nh2015_stimulus_set(data_dir: str | Path | None = None) -> StimulusSet:
    """The 165 natural sounds in the canonical order, with their 11 categories."""
    return _stimulus_set(release_folder(data_dir), release.expected_counts())


@lru_cache(maxsize=2)
def _responses(data: Path, part: str, counts: release.ReleaseCounts) -> VoxelResponses:
    reader = {"nh2015": release.read_nh2015, "b2021": release.read_b2021}[part]
    return reader(data, counts)


def _checksums(data: Path, part: str) -> dict[str, str]:
    return {**release.archive_checksum(data), **cached_sha256(data, release.PART_FILES[part])}


def voxel_dataset(part: str, data_dir: str | Path | None, folds: str = "pepino2025",
                  fold_seed: int = 0) -> FMRIDataset:
    """NH2015 or B2021 voxels with the stimulus set and folds (``part``: nh2015 | b2021)."""
    data = release_folder(data_dir)
    counts = release.expected_counts()
    stimuli = _stimulus_set(data, counts)
    responses = _responses(data, part, counts)
    fold_labels, source = fold_choices.choose_folds(folds, stimuli.categories, fold_seed)
    rois = sorted(set(responses.rois.tolist()) - {""})
    return FMRIDataset(
        stimulus_set=stimuli, responses=responses, folds=fold_labels, fold_source=source,
        checksums=_checksums(data, part),
        parameters={"release_counts": asdict(counts), "voxel_rule": release.VOXEL_RULES[part],
                    "category_counts": category_counts(stimuli.categories, fold_labels)},
        facts={"dataset": DATASETS[part], "release": release.URL, "n_stimuli": len(stimuli),
               "n_voxels": responses.n_voxels, "n_subjects": len(responses.subject_labels()),
               "rois": {r: int(np.sum(responses.rois == r)) for r in rois},
               "categories": _stimuli(data, counts).category_names},
    )


def category_counts(categories: list[str], folds: np.ndarray) -> dict[str, list[int]]:
    """``{category: [stimuli in fold 0, ..., fold 4]}``: the categories are unbalanced, so the
    folds cannot hold the same number of each."""
    categories = np.asarray(categories)
    return {str(c): np.bincount(folds[categories == c], minlength=fold_choices.N_FOLDS).tolist()
            for c in sorted(set(categories.tolist()))}


def component_dataset(data_dir: str | Path | None, folds: str = "pepino2025",
                      fold_seed: int = 0) -> ComponentDataset:
    """The 6 NH2015 components over the 165 stimuli."""
    data = release_folder(data_dir)
    counts = release.expected_counts()
    stimuli = _stimulus_set(data, counts)
    components, names = release.read_components(data, stimuli.ids, counts)
    fold_labels, source = fold_choices.choose_folds(folds, stimuli.categories, fold_seed)
    return ComponentDataset(
        stimulus_set=stimuli, components=components, component_names=names, folds=fold_labels,
        fold_source=source, checksums=_checksums(data, "nh2015comp"),
        parameters={"release_counts": asdict(counts),
                    "category_counts": category_counts(stimuli.categories, fold_labels)},
        facts={"dataset": DATASETS["nh2015comp"], "release": release.URL,
               "n_stimuli": len(stimuli), "components": names},
    )


def _check_folds(folds: str) -> None:
    if folds not in fold_choices.CHOICES:
        fold_choices.choose_folds(folds, [])  # raises the one-line error


def voxel_ridge(part: str, data_dir: str | Path | None = None, folds: str = "pepino2025",
                fold_seed: int = 0) -> VoxelRidgeBenchmark:
    """``<part>.voxel-ridge`` (part: nh2015 | b2021)."""
    _check_folds(folds)
    return VoxelRidgeBenchmark(
        f"{part}.voxel-ridge", partial(voxel_dataset, part, data_dir, folds, fold_seed),
        version=VOXEL_RIDGE_VERSION, bibtex=BIBTEX[part],
        description=f"{DATASETS[part].split(':')[0]} fMRI: nested-CV ridge per voxel, joint "
                    "layer/alpha choice (Pepino et al. 2025); raw = mean over subjects of "
                    "median voxel R^2")


def rsa(part: str, data_dir: str | Path | None = None, folds: str = "pepino2025",
        fold_seed: int = 0) -> RSABenchmark:
    """``<part>.rsa`` (part: nh2015 | b2021)."""
    _check_folds(folds)
    return RSABenchmark(
        f"{part}.rsa", partial(voxel_dataset, part, data_dir, folds, fold_seed),
        version=RSA_VERSION, bibtex=BIBTEX[part],
        description=f"{DATASETS[part].split(':')[0]} fMRI: RSA (Spearman of correlation-distance "
                    "RDMs), max over layers of the mean over subjects; ROI profiles")


def component_ridge(data_dir: str | Path | None = None, folds: str = "pepino2025",
                    fold_seed: int = 0) -> ComponentRidgeBenchmark:
    """``nh2015.component-ridge``."""
    _check_folds(folds)
    return ComponentRidgeBenchmark(
        "nh2015.component-ridge", partial(component_dataset, data_dir, folds, fold_seed),
        version=COMPONENT_RIDGE_VERSION, bibtex=BIBTEX["nh2015comp"],
        description="NH2015 components (6): nested-CV ridge per component; raw = mean R^2 over "
                    "components; no ceiling")
