"""The embedded demo: stimulus set `demo` and benchmarks `demo.voxel-ridge`, `demo.rsa`.

They use the library's real fMRI benchmark code (nested ridge, RSA) on the simulated brain of
:mod:`.brain`; nothing is downloaded.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from brainscore_audio.fmri import FMRIDataset, RSABenchmark, VoxelRidgeBenchmark
from brainscore_audio.stimuli import StimulusSet, array_stimulus_set

from . import brain, sounds

FOLD_SEED = 0
# Bumped whenever the same model's scores move (CHANGELOG.md says why).
VOXEL_RIDGE_VERSION = 2
RSA_VERSION = 2
BIBTEX = """@misc{brainscore_audio_demo,
  title = {brainscore-audio embedded demo: synthetic sounds and a simulated log-mel brain},
  note = {Simulated data; not a measurement. See benchmarks/demo/brain.py},
  year = {2026}
}"""


@cache
def demo_stimulus_set() -> StimulusSet:
    """The 120 generated sounds (16 kHz, 1 s) with their categories."""
    ids, waves, categories = sounds.generate()
    return array_stimulus_set("demo", ids, waves, sounds.SAMPLE_RATE,
                              metadata={"category": categories,
                                        "duration": [sounds.DURATION_S] * len(ids)})


def balanced_folds(categories: list[str], n_folds: int = 5, seed: int = FOLD_SEED) -> np.ndarray:
    """Fold label per stimulus, each category spread evenly over the folds (seeded)."""
    rng = np.random.default_rng(seed)
    folds = np.empty(len(categories), dtype=np.int64)
    categories = np.asarray(categories)
    for category in np.unique(categories):
        members = np.flatnonzero(categories == category)
        folds[rng.permutation(members)] = np.arange(len(members)) % n_folds
    return folds


@cache
def demo_dataset() -> FMRIDataset:
    """Stimuli, simulated responses and folds of the demo."""
    stimuli = demo_stimulus_set()
    waves = [stimuli.native_audio(i)[0] for i in range(len(stimuli))]
    responses, planted = brain.simulate(waves, sounds.SAMPLE_RATE)
    subjects = responses.subject_labels()
    planted_ceiling = float(np.mean([np.median(planted[responses.subjects == s])
                                     for s in subjects]))
    return FMRIDataset(
        stimulus_set=stimuli,
        responses=responses,
        folds=balanced_folds(stimuli.categories),
        fold_source=f"category-balanced, numpy default_rng(seed={FOLD_SEED})",
        checksums={"demo-stimuli": stimuli.fingerprint()},
        facts={"simulated": True, "planted_ceiling": planted_ceiling,
               "front_end": "time-averaged log-mel (the logmel model)",
               "n_stimuli": len(stimuli), "categories": list(sounds.CATEGORIES)},
    )


def planted_reliability() -> np.ndarray:
    """Planted reliability of each voxel's session average (for tests and docs)."""
    stimuli = demo_stimulus_set()
    waves = [stimuli.native_audio(i)[0] for i in range(len(stimuli))]
    return brain.simulate(waves, sounds.SAMPLE_RATE)[1]


def voxel_ridge() -> VoxelRidgeBenchmark:
    benchmark = VoxelRidgeBenchmark(
        "demo.voxel-ridge", demo_dataset, version=VOXEL_RIDGE_VERSION, embedded=True,
        bibtex=BIBTEX,
        description="Simulated fMRI (5 subjects x 200 voxels, log-mel read-outs): nested ridge",
    )
    benchmark.simulated = True  # planted brain data: records and the leaderboard say so
    return benchmark


def rsa() -> RSABenchmark:
    benchmark = RSABenchmark(
        "demo.rsa", demo_dataset, version=RSA_VERSION, embedded=True, bibtex=BIBTEX,
        description="Simulated fMRI (5 subjects x 200 voxels, log-mel read-outs): RSA",
    )
    benchmark.simulated = True
    return benchmark
