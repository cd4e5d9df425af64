"""Your own sounds: a folder, an audiofolder read through `datasets` and a dataset of parquet
files (the hub's layout, audio as bytes) as stimuli (`benchmark extract`) and as a downstream
task (`benchmark run --task`), offline, on real recordings from a Debian package."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile
from brainscore_audio_benchmarks.mini_hear.digits import LANGUAGES, SOUNDS, read_gsm

from brainscore_audio import registry
from brainscore_audio.activations import load_precomputed
from brainscore_audio.cli import main
from brainscore_audio.downstream import SourceTaskBenchmark
from brainscore_audio.errors import UserError
from brainscore_audio.sources import open_source, parse_source

pytest.importorskip("datasets")  # the test extra installs it; without it the error test runs

SPLITS = {"en": "train", "es": "train", "fr": "train", "it": "validation", "ru": "test"}


def _digit(language: str, digit: int) -> np.ndarray:
    """A real recording: the Asterisk prompt of ``digit`` (8 kHz GSM) in ``language``."""
    return read_gsm(SOUNDS / LANGUAGES[language] / "digits" / f"{digit}.gsm")


@pytest.fixture(scope="module")
def audiofolder(tmp_path_factory):
    """train/ validation/ test/ folders with metadata.csv (file_name, label, language)."""
    root = tmp_path_factory.mktemp("digits")
    for split in set(SPLITS.values()):
        (root / split).mkdir()
        (root / split / "metadata.csv").write_text("file_name,label,language\n")
    for language, split in SPLITS.items():
        for digit in range(10):
            soundfile.write(root / split / f"{language}_{digit}.wav", _digit(language, digit), 8000)
            with open(root / split / "metadata.csv", "a") as handle:
                handle.write(f"{language}_{digit}.wav,{digit},{language}\n")
    return root


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE",
                        tmp_path_factory.getbasetemp() / "hf-datasets")


def test_parse_source_forms(audiofolder, tmp_path):
    assert parse_source("hf:ashraq/esc50") == parse_source("hf:ashraq/esc50::")
    hub = parse_source("hf:org/data:clean:test")
    assert (hub.kind, hub.location, hub.config, hub.split) == ("hub", "org/data", "clean", "test")
    assert parse_source("hf:org/data::test").name == "hf:org/data::test"
    assert parse_source(str(audiofolder)).kind == "audiofolder"
    assert parse_source(f"hf:{audiofolder}") == parse_source(str(audiofolder))
    (tmp_path / "a.wav").write_bytes(b"")
    assert parse_source(str(tmp_path)).kind == "folder"
    assert parse_source("demo").kind == "stimulus-set"
    with pytest.raises(UserError, match="no such folder, and not a stimulus set"):
        parse_source(str(tmp_path / "missing"))


def test_audiofolder_through_datasets_keeps_files_columns_and_splits(audiofolder):
    stimuli = open_source(str(audiofolder))
    assert len(stimuli) == 50 and stimuli.ids[0] == "test/ru_0.wav"
    row = stimuli.ids.index("train/es_7.wav")
    assert (stimuli.metadata["split"][row], stimuli.metadata["label"][row],
            stimuli.metadata["language"][row]) == ("train", 7, "es")  # csv types
    samples, rate = stimuli.native_audio(row)
    assert rate == 8000
    expected, _ = soundfile.read(audiofolder / "train" / "es_7.wav", dtype="float32")
    np.testing.assert_array_equal(samples, expected)  # decoded by soundfile, bit for bit


def _parquet_dataset(root, splits=("train", "test"), language="fr"):
    """The layout of a hub dataset: ``data/<split>-00000-of-00001.parquet`` with the audio as
    flac bytes and the label as a ClassLabel (features in the schema metadata, as the hub
    writes them)."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    features = datasets.Features({"audio": datasets.Audio(decode=False),
                                  "label": datasets.ClassLabel(names=["zero", "one"])})
    (root / "data").mkdir(parents=True, exist_ok=True)
    for split in splits:
        audio, labels = [], []
        for digit in (0, 1):
            buffer = io.BytesIO()
            soundfile.write(buffer, _digit(language, digit), 8000, format="FLAC")
            audio.append({"bytes": buffer.getvalue(), "path": f"{language}_{digit}.flac"})
            labels.append(digit)
        table = pa.table({"audio": audio, "label": labels})
        metadata = {b"huggingface": json.dumps({"info": {"features": features.to_dict()}}).encode()}
        pq.write_table(table.replace_schema_metadata(metadata),
                       root / "data" / f"{split}-00000-of-00001.parquet")
    return root


def test_parquet_dataset_with_audio_bytes_is_decoded_by_soundfile(tmp_path):
    """A dataset in the hub's layout, loaded by `datasets.load_dataset(<folder>)` as a hub id
    would be (offline)."""
    _parquet_dataset(tmp_path)
    stimuli = open_source(f"hf:{tmp_path}")
    assert stimuli.ids == ["test/fr_0.flac", "test/fr_1.flac", "train/fr_0.flac", "train/fr_1.flac"]
    assert stimuli.metadata["label"] == ["zero", "one", "zero", "one"]  # class names
    samples, rate = stimuli.native_audio(3)
    assert rate == 8000
    np.testing.assert_allclose(samples, _digit("fr", 1), atol=1e-4)  # lossless flac of 8 kHz GSM
    only_test = open_source(f"hf:{tmp_path}::test")
    assert only_test.ids == ["test/fr_0.flac", "test/fr_1.flac"]


def test_extract_writes_the_npz_that_run_reads(audiofolder, tmp_path, capsys):
    output = tmp_path / "acts.npz"
    assert main(["extract", "--model", "logmel", "--stimuli", str(audiofolder),
                 "--output", str(output), "--quiet"]) == 0
    assert f"{output}: 50 clips x 1 layers (logmel 64) of logmel v1" in capsys.readouterr().out
    with np.load(output) as archive:
        assert archive.files == ["stimulus_ids", "logmel"]
        assert archive["logmel"].shape == (50, 64) and archive["logmel"].dtype == np.float32
        ids = list(archive["stimulus_ids"])
    stimuli = open_source(str(audiofolder))
    assert ids == stimuli.ids
    # the same numbers as the harness's extraction of the same stimuli
    model = registry.models.make("logmel")
    from brainscore_audio.extraction import extract

    direct = extract(model, stimuli, progress=False)
    loaded = load_precomputed(output, stimuli.ids, "mean")
    np.testing.assert_array_equal(loaded.layers["logmel"], direct.layers["logmel"])


def test_extract_from_a_plain_folder_and_a_stimulus_set(tmp_path, capsys):
    folder = tmp_path / "sounds"
    (folder / "birds").mkdir(parents=True)
    soundfile.write(folder / "birds" / "a.wav", _digit("en", 1), 8000)
    soundfile.write(folder / "b.flac", _digit("en", 2), 8000)
    (folder / "notes.txt").write_text("not audio")
    assert main(["extract", "--model", "logmel", "--stimuli", str(folder),
                 "--output", str(tmp_path / "a.npz"), "--quiet"]) == 0
    with np.load(tmp_path / "a.npz") as archive:
        assert list(archive["stimulus_ids"]) == ["b.flac", "birds/a.wav"]
    assert main(["extract", "--model", "logmel", "--stimuli", "demo",
                 "--output", str(tmp_path / "demo.npz"), "--quiet"]) == 0
    assert main(["run", "--activations", str(tmp_path / "demo.npz"), "--stimulus-set", "demo",
                 "--benchmark", "demo.rsa", "--output", str(tmp_path / "scores")]) == 0
    capsys.readouterr()


def test_extract_shows_a_progress_bar_on_a_terminal(audiofolder, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert main(["extract", "--model", "logmel", "--stimuli", str(audiofolder),
                 "--output", str(tmp_path / "a.npz"), "--cache-dir", str(tmp_path / "c")]) == 0
    err = capsys.readouterr().err
    assert "0/50 [" in err and "clip/s" in err


def test_extract_into_a_pipe_or_log_writes_no_control_codes(audiofolder, tmp_path, capfd):
    """stderr is not a terminal (pytest captures it): no bar, no carriage returns."""
    assert main(["extract", "--model", "logmel", "--stimuli", str(audiofolder),
                 "--output", str(tmp_path / "a.npz"), "--cache-dir", str(tmp_path / "c")]) == 0
    out, err = capfd.readouterr()
    assert "\r" not in err + out and "\x1b" not in err + out and "clip/s" not in err


def test_task_splits_labels_and_folds(audiofolder):
    task = SourceTaskBenchmark(str(audiofolder)).task
    assert task.split_mode == "trainvaltest" and task.prediction_type == "multiclass"
    assert task.vocabulary == tuple(str(d) for d in range(10))
    assert [len(task.files[s]) for s in ("train", "valid", "test")] == [30, 10, 10]
    folds = SourceTaskBenchmark(str(audiofolder), "language", folds=3)
    assert folds.identifier == "task:" + audiofolder.name + "#language"
    assert folds.task.vocabulary == ("en", "es", "fr", "it", "ru")
    splits = folds.stimulus_set.metadata["split"]
    assert sorted(set(splits)) == ["fold00", "fold01", "fold02"] and len(splits) == 50
    import hashlib

    first = folds.stimulus_set.ids[0]
    assert splits[0] == f"fold{int(hashlib.sha256(first.encode()).hexdigest()[:8], 16) % 3:02d}"


def test_hf_dataset_as_a_task_uses_its_splits_and_class_names(tmp_path):
    _parquet_dataset(tmp_path, splits=("train", "validation", "test"), language="en")
    benchmark = SourceTaskBenchmark(f"hf:{tmp_path}")
    task = benchmark.task
    assert benchmark.identifier == f"task:hf:{tmp_path}"
    assert task.vocabulary == ("one", "zero") and task.split_mode == "trainvaltest"
    assert task.files["valid"] == [("validation/en_0.flac", ["zero"]),
                                   ("validation/en_1.flac", ["one"])]
    assert benchmark.stimulus_set.metadata["split"] == ["test", "test", "train", "train",
                                                        "valid", "valid"]
    targets = benchmark.targets()
    assert targets.tolist() == [[0, 1], [1, 0]] * 3  # one-hot over ("one", "zero")


def test_task_errors_are_one_line(audiofolder, tmp_path):
    with pytest.raises(UserError, match=r"no column 'genre' \(columns: label, language\)"):
        SourceTaskBenchmark(str(audiofolder), "genre").task  # noqa: B018
    only_train = tmp_path / "one"
    (only_train / "train").mkdir(parents=True)
    for digit in range(3):
        soundfile.write(only_train / "train" / f"{digit}.wav", _digit("it", digit), 8000)
    (only_train / "train" / "metadata.csv").write_text(
        "file_name,label\n0.wav,a\n1.wav,b\n2.wav,a\n")
    with pytest.raises(UserError, match="splits train; a task needs train, validation"):
        SourceTaskBenchmark(str(only_train)).task  # noqa: B018
    with pytest.raises(UserError, match="--folds 2: k-fold needs at least 3 folds"):
        SourceTaskBenchmark(str(only_train), folds=2)


@pytest.mark.slow
def test_run_task_and_precomputed_activations_give_the_same_record(audiofolder, tmp_path, capsys):
    """`benchmark run --task` probes the dataset's splits; the activations that `extract`
    wrote score the same task to the same number."""
    common = ["--label-column", "language", "--folds", "3", "--quiet"]
    assert main(["run", "--model", "logmel", "--task", f"hf:{audiofolder}", *common,
                 "--output", str(tmp_path / "a")]) == 0
    (path,) = (tmp_path / "a").glob("logmel__*.json")
    record = json.loads(path.read_text())
    assert record["benchmark"]["id"] == f"task:{audiofolder.name}#language"
    assert record["parameters"]["label_column"] == "language"
    assert record["details"]["split_sizes"]["fold00"]["test"] > 0
    assert main(["extract", "--model", "logmel", "--stimuli", str(audiofolder),
                 "--output", str(tmp_path / "acts.npz"), "--quiet"]) == 0
    assert main(["run", "--activations", str(tmp_path / "acts.npz"), "--task", str(audiofolder),
                 *common[:-1], "--output", str(tmp_path / "b")]) == 0
    (other,) = (tmp_path / "b").glob("precomputed_acts*.json")
    assert json.loads(other.read_text())["raw"] == record["raw"]
    capsys.readouterr()
