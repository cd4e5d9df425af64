"""The demo's planted ground truth: the front end the brain was simulated from must win, and
reach the planted reliability; the generated stimuli must be deterministic."""

from __future__ import annotations

import numpy as np
import pytest
from brainscore_audio_benchmarks.demo import brain, sounds
from brainscore_audio_benchmarks.demo.benchmark import balanced_folds, planted_reliability

from brainscore_audio.extraction import extract
from brainscore_audio.registry import benchmarks, models


@pytest.fixture(scope="module")
def scores():
    out = {}
    for model_id in ("logmel", "random-cnn"):
        model = models.make(model_id)
        for benchmark_id in ("demo.voxel-ridge", "demo.rsa"):
            benchmark = benchmarks.make(benchmark_id, data_dir=None)
            acts = extract(model, benchmark.stimulus_set, progress=False)
            out[model_id, benchmark_id] = benchmark(acts)
    return out


def test_front_end_scores_near_the_planted_reliability(scores):
    logmel = scores["logmel", "demo.voxel-ridge"]
    planted = planted_reliability()
    subjects = np.repeat(np.arange(brain.N_SUBJECTS), brain.VOXELS_PER_SUBJECT)
    planted_ceiling = np.mean([np.median(planted[subjects == s]) for s in range(brain.N_SUBJECTS)])
    assert logmel.ceiling == pytest.approx(planted_ceiling, abs=0.03)  # measured vs planted
    assert logmel.raw == pytest.approx(planted_ceiling, abs=0.08)
    assert logmel.ceiled > 0.9


def test_front_end_beats_the_untrained_control_clearly(scores):
    for benchmark_id in ("demo.voxel-ridge", "demo.rsa"):
        assert scores["logmel", benchmark_id].raw > 3 * scores["random-cnn", benchmark_id].raw


def test_rsa_topline_and_roi_profiles(scores):
    rsa = scores["logmel", "demo.rsa"]
    assert 0.9 < rsa.ceiling <= 1.0
    assert set(rsa.details["roi"]) == {"tonotopic", "mixed"}
    assert rsa.details["cross_validated"] <= rsa.raw + 1e-12


def test_stimuli_are_deterministic_and_balanced():
    ids, waves, categories = sounds.generate()
    again_ids, again_waves, _ = sounds.generate()
    assert ids == again_ids and len(ids) == 120 and len(set(ids)) == 120
    assert all(np.array_equal(a, b) for a, b in zip(waves, again_waves, strict=True))
    assert all(w.shape == (16000,) and np.abs(w).max() < 1 for w in waves)
    folds = balanced_folds(categories)
    for category in set(categories):
        counts = np.bincount(folds[np.array(categories) == category], minlength=5)
        assert counts.tolist() == [4] * 5
