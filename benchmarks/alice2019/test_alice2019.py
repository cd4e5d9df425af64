"""alice2019: reading the release layout (written by the test), the CLI run (the issue's done
criterion) and the EEG analyses on the fixture. Fetching over loopback HTTP is tested in
tests/test_eeg_fetch.py (it needs the http_server fixture)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from brainscore_audio_benchmarks.alice2019 import data, fixture

from brainscore_audio.cli import main
from brainscore_audio.errors import UserError
from brainscore_audio.records import read_record

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "leaderboard" / "schema.json")
                    .read_text())


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
    path = out / "logmel__alice2019.cka-linear.json"
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
