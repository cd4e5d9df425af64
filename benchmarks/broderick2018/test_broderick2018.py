"""broderick2018: reading a BIDS tree written with mne-bids (channels.tsv bad marks, TextGrid
sentences) and scoring it. Fetching over loopback HTTP is in tests/test_eeg_fetch.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from brainscore_audio_benchmarks.broderick2018 import data, fixture

from brainscore_audio.extraction import extract
from brainscore_audio.registry import benchmarks, models


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("broderick-data")
    fixture.write_dataset(root / data.FOLDER)
    return root


def test_loader_reads_the_bids_tree(data_dir):
    dataset = data.load(data_dir)
    assert dataset.subjects == ["sub-001", "sub-002"]
    assert [s.id for s in dataset.sentences] == ["broderick2018-r01s001", "broderick2018-r01s002",
                                                 "broderick2018-r02s001", "broderick2018-r02s002"]
    assert [len(s.words) for s in dataset.sentences] == [6, 6, 6, 6]  # split at the long pauses
    assert dataset.channel_names == data.CHANNELS and dataset.positions.shape == (128, 3)
    eeg = dataset.subject_eeg("sub-002")
    for run in ("sub-002_run-01", "sub-002_run-02"):
        assert eeg.bad_channels[run] == {fixture.FLAT: "flat", fixture.MARKED_BAD: "marked"}
    assert all(s is not None and s.shape[0] == 128 for s in eeg.sentences)
    assert dataset.config.notch_hz == 50.0
    again = data.load(data_dir).subject_eeg("sub-002")  # from the on-disk cache
    assert all(np.array_equal(a, b) for a, b in zip(eeg.sentences, again.sentences, strict=True))
    assert list((data_dir / data.FOLDER / "derivatives" / "brainscore-audio").glob("sub-002-*.npz"))


def test_benchmark_scores_the_fixture(data_dir, tmp_path):
    from brainscore_audio.cache import ActivationCache

    benchmark = benchmarks.make("broderick2018.rsa-spearman", data_dir=data_dir)
    activations = extract(models.make("logmel"), benchmark.stimulus_set, pooling="none",
                          cache=ActivationCache(tmp_path), progress=False)
    score = benchmark(activations)
    assert -1 <= score.raw <= 1 and set(score.per_subject) == {"sub-001", "sub-002"}
    assert len(score.details["per_channel"]["values"]) == 128
    assert score.details["per_channel"]["positions"][0] == pytest.approx([0, 0], abs=0.05)  # A1
    assert "ds004408" in benchmark.bibtex and "Broderick" in benchmark.bibtex
    assert benchmark.parameters()["sentence_boundaries"].startswith("silent gaps >= 0.5 s")
