"""broderick2018: reading copies of ds004408 built from the real file trees of releases 1.0.0 and
1.0.8 and the real 1.0.8 sidecars (``shared/data/real-layouts/openneuro-ds004408``; synthetic
signal), and scoring one. Fetching over loopback HTTP is in tests/test_eeg_fetch.py."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from brainscore_audio_benchmarks.broderick2018 import data, fixture

from brainscore_audio.errors import UserError
from brainscore_audio.extraction import extract
from brainscore_audio.registry import benchmarks, models


@pytest.fixture(scope="session")
def layouts(shared_data) -> Path:
    return shared_data / "real-layouts" / "openneuro-ds004408"


@pytest.fixture(scope="module", params=["1.0.8", "1.0.0"])
def release(request, tmp_path_factory, shared_data):
    """``(data dir, version)``: sub-001, sub-002 (runs 1-2) and, where the release has it, the
    other experiment's sub-100."""
    version = request.param
    root = tmp_path_factory.mktemp(f"broderick-{version}")
    fixture.write_release(root / data.FOLDER, shared_data / "real-layouts" / "openneuro-ds004408",
                          version, other_subjects=("sub-100",))
    return root, version


def _real_marks(layouts: Path, subject: str, run: int) -> set[str]:
    """The authors' bad-channel marks of a run, read independently of the package."""
    path = layouts / "text-1.0.8" / f"{data.run_stem(subject, run)}_channels.tsv"
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["name"] for row in csv.DictReader(handle, delimiter="\t")
                if row["status"] == "bad"}


def test_the_real_tree_has_the_documented_facts(layouts):
    """What the reader relies on, checked on the real listings (not on our fixture)."""
    new, old = fixture.read_tree(layouts, "1.0.8"), fixture.read_tree(layouts, "1.0.0")
    assert not any(e.path.endswith("_events.tsv") for e in new + old)
    runs = {e.path.split("/")[0]: set() for e in new if e.path.startswith("sub-")}
    for entry in new:
        if entry.path.endswith("_eeg.vhdr"):
            runs[entry.path.split("/")[0]].add(entry.path)
    assert len(runs) == 19 and all(len(r) == 20 for r in runs.values())
    assert {f"stimuli/audio{r:02d}.{x}" for r in range(1, 21) for x in ("wav", "TextGrid")} <= \
        {e.path for e in new}
    assert f"stimuli/single_speaker/{data.audio_key(20)}.wav" in {e.path for e in old}
    others = sorted({e.path.split("/")[0] for e in old if data.OTHER_EXPERIMENT.match(e.path)})
    assert others == [f"sub-{i}" for i in range(100, 114)]
    marks = 0
    for path in (layouts / "text-1.0.8").glob("sub-*/eeg/*_channels.tsv"):
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        assert [r["name"] for r in rows] == data.CHANNELS
        marks += sum(r["status"] == "bad" for r in rows)
    assert marks == 1673


def test_both_layouts_are_read_with_their_version_and_bad_marks(release, layouts):
    data_dir, version = release
    dataset = data.load(data_dir)
    assert dataset.subjects == ["sub-001", "sub-002"]
    assert dataset.facts["doi"] == f"10.18112/openneuro.ds004408.v{version}"
    assert dataset.facts["release_version"] == version
    assert dataset.facts["stimulus_folder"] == ("stimuli/" if version == "1.0.8"
                                                else "stimuli/single_speaker/")
    assert dataset.facts["skipped_other_experiment"] == ([] if version == "1.0.8" else ["sub-100"])
    assert [s.id for s in dataset.sentences] == ["broderick2018-r01s001", "broderick2018-r01s002",
                                                 "broderick2018-r02s001", "broderick2018-r02s002"]
    # the words tier, not the phones tier that comes first in the grids
    assert [len(s.words) for s in dataset.sentences] == [6, 6, 6, 6]
    assert all(w.text.startswith("w") for s in dataset.sentences for w in s.words)
    assert dataset.channel_names == data.CHANNELS and dataset.positions.shape == (128, 3)
    eeg = dataset.subject_eeg("sub-001")
    for run in (1, 2):
        marks = _real_marks(layouts, "sub-001", run) if version == "1.0.8" else set()
        found = eeg.bad_channels[f"sub-001_run-{run:02d}"]
        assert {c for c, why in found.items() if why == "marked"} == marks - {fixture.FLAT}
        assert found[fixture.FLAT] == "flat"
    assert len(_real_marks(layouts, "sub-001", 1)) == 5  # B2, C20, C21, C24, C25 in 1.0.8
    assert all(s is not None and s.shape[0] == 128 for s in eeg.sentences)
    again = data.load(data_dir).subject_eeg("sub-001")  # from the on-disk cache
    assert all(np.array_equal(a, b) for a, b in zip(eeg.sentences, again.sentences, strict=True))


def test_the_other_experiment_is_refused_by_name(release):
    data_dir, _ = release
    with pytest.raises(UserError, match=r"^--subjects sub-100: sub-100 belongs to the "
                                        "two-speaker experiment of ds004408 releases "
                                        r"1.0.0-1.0.7, which these benchmarks do not score"):
        data.load(data_dir, subjects="sub-100")


def test_a_grid_without_a_words_tier_is_refused(tmp_path, release):
    data_dir, version = release
    copy = tmp_path / data.FOLDER
    import shutil

    shutil.copytree(data_dir / data.FOLDER, copy)
    info = data.release_info(copy)
    grid = copy / info.stimuli / "audio02.TextGrid"
    fixture.write_textgrid(grid, [("a", 0.5, 0.8)], 2.0, phones=True, word_tier="syllables")
    with pytest.raises(UserError) as error:
        data.load(tmp_path)
    assert str(error.value) == (f"{grid}: no word tier (expected one named 'words'); tiers are "
                                "'phones', 'syllables'")


def test_missing_description_and_stimuli_are_one_line_errors(tmp_path, release):
    data_dir, _ = release
    import shutil

    copy = tmp_path / data.FOLDER
    shutil.copytree(data_dir / data.FOLDER, copy)
    (copy / "dataset_description.json").unlink()
    with pytest.raises(UserError, match="dataset_description.json: not found; expected the BIDS "
                                        "description of ds004408"):
        data.load(tmp_path)
    (copy / "dataset_description.json").write_text('{"Name": "x"}')
    (copy / "CHANGES").write_text("1.0.3 2023-06-28\n  - fix filenames\n")
    assert data.release_info(copy).version == "1.0.3" and data.release_info(copy).doi is None
    shutil.rmtree(copy / "stimuli")
    with pytest.raises(UserError, match="no audioNN.wav in stimuli or stimuli/single_speaker"):
        data.load(tmp_path)


def test_benchmark_scores_and_records_the_release(layouts, tmp_path):
    from brainscore_audio.cache import ActivationCache

    data_dir = tmp_path / "data"
    fixture.write_release(data_dir / data.FOLDER, layouts, "1.0.8")
    benchmark = benchmarks.make("broderick2018.rsa-spearman", data_dir=data_dir)
    activations = extract(models.make("logmel"), benchmark.stimulus_set, pooling="none",
                          cache=ActivationCache(tmp_path / "cache"), progress=False)
    score = benchmark(activations)
    assert -1 <= score.raw <= 1 and set(score.per_subject) == {"sub-001", "sub-002"}
    assert len(score.details["per_channel"]["values"]) == 128
    assert score.details["per_channel"]["positions"][0] == pytest.approx([0, 0], abs=0.05)  # A1
    assert "ds004408" in benchmark.bibtex and "Broderick" in benchmark.bibtex
    parameters = benchmark.parameters()
    assert parameters["doi"] == "10.18112/openneuro.ds004408.v1.0.8"
    assert parameters["release_version"] == "1.0.8"
    assert parameters["sentence_boundaries"].startswith("silent gaps >= 0.5 s")
    toolkit = benchmarks.make("broderick2018-toolkit.rsa-spearman", data_dir=data_dir)
    assert toolkit.identifier == "broderick2018-toolkit.rsa-spearman"
    score = toolkit(activations)  # the same activations: the stimulus set is shared
    assert -1 <= score.raw <= 1 and score.details["per_channel"]["window"] == "N400"
    assert toolkit.parameters()["protocol"] == "toolkit"
    assert toolkit.parameters()["release_version"] == "1.0.8"
