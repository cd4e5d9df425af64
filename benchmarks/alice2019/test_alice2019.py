"""alice2019: reading the v1 and v2 release layouts (written by the test), the checks of a
hand-downloaded folder, the CLI run and the EEG analyses on the fixture. Fetching over loopback
HTTP is tested in tests/test_eeg_fetch.py (it needs the http_server fixture)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from brainscore_audio_benchmarks.alice2019 import data, fixture, release

from brainscore_audio.cli import main
from brainscore_audio.errors import UserError
from brainscore_audio.records import read_record

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "leaderboard" / "schema.json")
                    .read_text())


@pytest.fixture(autouse=True)
def fixture_counts(monkeypatch):
    """The fixture's table is small: declare its counts (the published ones are enforced)."""
    monkeypatch.setenv(release.COUNTS_ENV, fixture.COUNTS_JSON)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("alice-data")
    fixture.write_release(root / data.FOLDER)
    return root


def test_loader_reads_the_release_layout(data_dir):
    dataset = data.load(data_dir)
    assert dataset.subjects == ["S01", "S03"]  # S02 is not flagged usable in datasets.mat
    assert [s.id for s in dataset.sentences] == [f"alice2019-s00{i}" for i in range(1, 5)]
    assert [s.audio for s in dataset.sentences] == ["1", "1", "2", "2"]
    assert dataset.channel_names == fixture.EEG_LABELS and len(dataset.channel_names) == 60
    assert dataset.positions.shape == (60, 3)
    assert dataset.facts["positions"] == data.SFP_NAME
    first = dataset.sentences[0]
    audio, rate = dataset.stimulus_set.native_audio(0)
    assert len(audio) == pytest.approx(first.duration * rate, abs=1)
    for subject in ("S01", "S03"):  # S03's trl carries an extra column, like the real S02
        onsets, bad = data.segment_onsets(data_dir / data.FOLDER / "proc" / f"{subject}.mat",
                                          subject, fixture.SFREQ)
        assert onsets == pytest.approx({str(k): v for k, v in fixture.SEGMENT_STARTS_S.items()},
                                       abs=1.0 / fixture.SFREQ)
        assert bad == [fixture.MARKED_BAD]
    eeg = dataset.subject_eeg("S01")
    assert eeg.bad_channels["S01"] == {**fixture.PLANTED_BAD, fixture.MARKED_BAD: "marked"}
    assert set(eeg.action["S01"].values()) == {"interpolated"}
    assert all(s is not None and s.shape[0] == 60 for s in eeg.sentences)
    assert set(dataset.checksums) >= {data.CSV_NAME, data.DATASETS_NAME, "S01.mat"}


def test_cli_run_writes_the_layer_by_window_record(data_dir, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "--model", "logmel", "--benchmark", "alice2019.cka-linear", "--data-dir",
                 str(data_dir), "--output", str(out), "--quiet", "--cache-dir",
                 str(tmp_path / "cache")])
    assert code == 0, capsys.readouterr().err
    path = out / "logmel__v1__alice2019.cka-linear.json"
    raw_json = json.loads(path.read_text())
    jsonschema.validate(raw_json, {"$ref": "#/$defs/ScoreRecord", "$defs": SCHEMA["$defs"]})
    record = read_record(path)
    layer_map = record.details["layer_by_window"]
    assert layer_map["layers"] == ["logmel"] and len(layer_map["windows"]) == 22
    assert layer_map["window_bounds_ms"][layer_map["windows"].index("N400")] == [300, 500]
    values = np.array(layer_map["values"], dtype=float)
    assert values.shape == (1, 22) and np.all(np.isfinite(values))
    assert record.raw == pytest.approx(values[0, layer_map["windows"].index("250-500")])
    assert record.pooling == "none" and record.chosen_layers == ["logmel"]
    assert set(record.per_subject) == {"S01", "S03"}
    assert record.raw == pytest.approx(np.mean(list(record.per_subject.values())))
    channel = record.details["per_channel"]
    assert channel["layer"] == "logmel" and channel["window"] == "250-500"
    assert len(channel["channels"]) == len(channel["values"]) == len(channel["positions"]) == 60
    assert record.parameters["preprocessing"]["notch_hz"] == 60.0
    assert record.parameters["headline_window"] == "250-500"
    assert record.details["bad_channels"]["S03"]["S03"]["5"] == "flat (interpolated)"
    with np.load(out / record.artefacts["scores"]) as artefacts:
        assert artefacts["scores"].shape == (1, 22, 2, 4)  # layers, windows, subjects, sentences


def test_clear_errors_for_missing_or_malformed_data(tmp_path, data_dir):
    with pytest.raises(UserError, match="benchmark fetch alice2019"):
        data.load(tmp_path)
    broken = tmp_path / "broken" / data.FOLDER
    fixture.write_release(broken, subjects=("S01",), usable=("S01",), positions_file=False)
    path = broken / data.CSV_NAME
    rows = list(csv.DictReader(path.open()))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, [c for c in rows[0] if c != "Sentence"])
        writer.writeheader()
        writer.writerows([{k: v for k, v in r.items() if k != "Sentence"} for r in rows])
    with pytest.raises(UserError, match="AliceChapterOne-EEG.csv: missing column"):
        data.load(tmp_path / "broken")
    with pytest.raises(UserError, match="unknown alice2019 subject"):
        data.load(data_dir, subjects="S07")


def test_v2_brainvision_reads_the_same_recordings_and_says_which(data_dir, tmp_path):
    """v2 (BrainVision + timelock-preprocessing/, its aux channel named AUD) of the same
    recordings gives the same preprocessed sentences as v1; each says which release it is."""
    v2 = tmp_path / "v2"
    fixture.write_release(v2 / data.FOLDER, version="v2", aux_label="AUD")
    assert (v2 / data.FOLDER / "S01.vmrk").is_file()
    assert (v2 / data.FOLDER / "timelock-preprocessing" / "S01.mat").is_file()
    one, two = data.load(data_dir), data.load(v2)
    assert (one.facts["release"], one.facts["doi"]) == ("v1", "10.7302/Z29C6VNH")
    assert (two.facts["release"], two.facts["doi"]) == ("v2", "10.7302/746w-g237")
    assert two.subjects == one.subjects == ["S01", "S03"]
    assert two.channel_names == one.channel_names == fixture.EEG_LABELS
    a, b = one.subject_eeg("S03"), two.subject_eeg("S03")
    assert a.bad_channels == {"S03": b.bad_channels["S03"]}
    for x, y in zip(a.sentences, b.sentences, strict=True):
        np.testing.assert_allclose(y, x, rtol=1e-3, atol=1e-3 * np.abs(x).max())
    parameters = data.record_parameters(two)
    assert parameters["release"].startswith("v2: BrainVision") and \
        parameters["doi"] == "10.7302/746w-g237"
    assert parameters["release_counts"] == {"words": 24, "segments": 2, "sentences": 4}


def test_a_copy_without_datasets_mat_uses_the_v1_usable_list(tmp_path):
    fixture.write_release(tmp_path / data.FOLDER, subjects=("S01", "S02", "S03", "S07"),
                          version="v2", datasets_file=False)
    dataset = data.load(tmp_path)
    assert dataset.subjects == ["S01", "S03"]  # S02 and S07 are not among v1's 33
    assert dataset.facts["usable_from"] == ("the 33 usable data sets of v1's datasets.mat "
                                            "(none here)")
    assert len(release.USABLE_IN_V1) == 33


def test_the_authors_mastoid_reference_is_an_option(data_dir):
    recorded = data.read_subject(data_dir / data.FOLDER, release.V1, "S01")[0]
    mastoids = data.read_subject(data_dir / data.FOLDER, release.V1, "S01", "mastoids")[0]
    assert "29" not in recorded.channel_names and mastoids.channel_names[-1] == "29"
    i25 = mastoids.channel_names.index("25")
    np.testing.assert_allclose(mastoids.data[i25] + mastoids.data[-1], 0, atol=1e-9)
    np.testing.assert_allclose(mastoids.data[:-1],
                               recorded.data - recorded.data[i25][None] / 2, atol=1e-9)
    dataset = data.load(data_dir, reference="mastoids")
    assert dataset.channel_names == fixture.EEG_LABELS + ["29"]
    assert data.record_parameters(dataset)["reference"] == data.REFERENCES["mastoids"]
    assert "implicit reference at electrode 29" in data.record_parameters(
        data.load(data_dir))["reference"]
    with pytest.raises(UserError, match="reference='average': expected one of recorded, mastoids"):
        data.load(data_dir, reference="average")


def test_a_hand_downloaded_folder_is_checked_before_use(tmp_path, monkeypatch):
    """--data-dir may name the folder of files itself; HTML saved under a file's name, missing
    files and an incomplete table stop with one line naming the file."""
    import shutil

    folder = tmp_path / "my-download"
    fixture.write_release(folder, version="v2")
    assert data.load(folder).subjects == ["S01", "S03"]  # the folder itself, not .../alice2019

    def error() -> str:
        with pytest.raises(UserError) as info:
            data.load(folder)
        assert "\n" not in str(info.value)
        return str(info.value)

    vhdr = folder / "S01.vhdr"
    saved = vhdr.read_bytes()
    vhdr.write_text("<!DOCTYPE html><html><title>Just a moment...</title></html>")
    assert error().startswith(f"{vhdr}: an HTML page, not the EEG of S01 (v2: BrainVision")
    vhdr.write_bytes(saved)
    (folder / "S03.vmrk").unlink()
    assert error().startswith(f"{folder / 'S03.vmrk'}: not found; expected the EEG of S03")
    assert "download the files by hand in a browser from https://deepblue.lib.umich.edu" in \
        error()
    fixture.write_release(folder, version="v2")
    shutil.rmtree(folder / "timelock-preprocessing")
    assert "timelock-preprocessing/S01.mat: not found; the authors' preprocessing" in error()
    fixture.write_release(folder, version="v2")
    (folder / "audio" / data.AUDIO_NAME.format(segment=2)).unlink()
    assert "DownTheRabbitHoleFinal_SoundFile2.wav: not found" in error()
    fixture.write_release(folder, version="v2")
    monkeypatch.delenv(release.COUNTS_ENV)
    assert error() == (f"{folder / data.CSV_NAME}: 24 words in 2 segments and 4 sentences; "
                       "expected 2129 words (the header line aside), 12 segments, 84 sentences "
                       "(an incomplete or different table)")
    with pytest.raises(UserError, match="Alice data not found .*benchmark fetch alice2019"):
        data.load(tmp_path / "empty")


def test_analyses_run_on_the_fixture(data_dir, tmp_path, capsys):
    cache = tmp_path / "cache"
    common = ["--model", "logmel", "--data-dir", str(data_dir), "--cache-dir", str(cache),
              "--quiet"]
    result = tmp_path / "perm.json"
    assert main(["analyze", "eeg-permutation", "--benchmark", "alice2019.cka-linear",
                 "--permutations", "40", "--output", str(result), *common]) == 0
    tests = json.loads(result.read_text())["windows"]
    assert len(tests) == 22
    assert all(1 / 41 <= t["p"] <= 1 and t["q"] >= t["p"] - 1e-12 for t in tests)
    prosody = tmp_path / "prosody.json"
    assert main(["analyze", "prosody", "--benchmark", "alice2019.rsa-spearman",
                 "--output", str(prosody), *common]) == 0
    table = json.loads(prosody.read_text())["table"]["all"]
    assert table[5]["window"] == "250-500" and table[5]["n_sentences"] == 4
    out = capsys.readouterr().out
    assert "q (FDR)" in out and "TNC" in out
    assert main(["analyze", "eeg-permutation", "--benchmark", "alice2019.cka-linear",
                 "--layer", "nope", *common]) == 2
    assert "--layer 'nope'" in capsys.readouterr().err


@pytest.mark.slow
def test_toolkit_protocol_benchmarks_run_and_record_their_protocol(data_dir, tmp_path, capsys):
    cache, out = tmp_path / "cache", tmp_path / "out"
    common = ["--model", "logmel", "--data-dir", str(data_dir), "--cache-dir", str(cache),
              "--quiet"]
    assert main(["run", "--benchmark", "alice2019-toolkit.rsa-spearman",
                 "alice2019.rsa-spearman", "--output", str(out), *common]) == 0
    toolkit = read_record(out / "logmel__v1__alice2019-toolkit.rsa-spearman.json")
    default = read_record(out / "logmel__v1__alice2019.rsa-spearman.json")
    assert toolkit.parameters["protocol"] == "toolkit"
    assert default.parameters["protocol"] == "default"
    assert toolkit.parameters["headline_window"] == "N400"
    assert toolkit.details["per_channel"]["window"] == "N400"
    layer_map = toolkit.details["layer_by_window"]
    assert toolkit.raw == pytest.approx(layer_map["values"][0][layer_map["windows"].index("N400")])
    assert toolkit.raw != pytest.approx(default.raw, abs=1e-6)  # other conventions, other number
    assert main(["analyze", "prosody", "--benchmark", "alice2019-toolkit.rsa-spearman",
                 "--output", str(tmp_path / "prosody.json"), *common]) == 0
    written = json.loads((tmp_path / "prosody.json").read_text())
    assert written["protocol"] == "toolkit" and "per sentence" in written["tnc"]
    capsys.readouterr()
    assert main(["analyze", "eeg-permutation", "--benchmark", "alice2019-toolkit.cka-linear",
                 *common]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("--benchmark alice2019-toolkit.cka-linear: the permutation test is "
                        "implemented for the default protocol, not the toolkit one; use a "
                        "benchmark of the default protocol")
