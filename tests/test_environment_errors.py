"""Environment and file problems a user meets: each is one line (exit status 2), no traceback."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from brainscore_audio import optional, registry
from brainscore_audio.activations import load_precomputed
from brainscore_audio.cli import main
from brainscore_audio.downstream import load_task
from brainscore_audio.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err.strip()


# -- missing extras: one mechanism, the line names the extra -------------------------------------
@pytest.mark.parametrize("module", sorted(optional.EXTRAS))
def test_require_names_the_extra(module, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    with pytest.raises(optional.MissingExtraError) as info:
        optional.require(module, "the purpose")
    assert str(info.value) == (f"the purpose needs the optional package {module!r}: pip install "
                               f"\"brainscore-audio[{optional.EXTRAS[module]}]\"")


def test_no_ad_hoc_import_guards_remain():
    """Every optional import goes through brainscore_audio.optional (no `except ImportError`
    that writes its own message)."""
    offenders = []
    for folder in ("brainscore_audio", "benchmarks", "submissions"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name.startswith("test_") or path.name == "optional.py":
                continue
            text = path.read_text(encoding="utf-8")
            if "except ImportError" in text and "pragma: no cover" not in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_missing_dask_datasets_and_transformers_are_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "dask", None)
    assert main(["run", "--model", "logmel", "--benchmark", "demo.rsa", "--executor",
                 "dask-local", "--output", str(tmp_path)]) == 2
    assert _error_line(capsys) == ("error: --executor dask-local needs the optional package "
                                   "'dask': pip install \"brainscore-audio[dask]\"")
    monkeypatch.setitem(sys.modules, "datasets", None)
    assert main(["extract", "--model", "logmel", "--stimuli", "hf:org/sounds",
                 "--output", str(tmp_path / "a.npz")]) == 2
    assert "pip install \"brainscore-audio[datasets]\"" in _error_line(capsys)
    monkeypatch.setitem(sys.modules, "transformers", None)
    from brainscore_audio.adapters.hf.model import HFModel

    with pytest.raises(UserError, match=r'brainscore-audio\[hf\]"$'):
        HFModel("facebook/wav2vec2-base").load()


# -- --output that is a file; unwritable and full folders -----------------------------------------
def test_output_that_is_a_file_or_folder(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = [
        (["run", "--model", "logmel", "--benchmark", "demo.rsa", "--output", str(a_file)],
         f"error: --output {a_file}: is a file; expected a folder (created if missing)"),
        (["run", "--model", "logmel", "--output", str(a_file / "sub")],
         f"error: --output {a_file / 'sub'}: {a_file} is a file, so no folder can be made there"),
        (["leaderboard", "build", "--scores", str(tmp_path), "--output", str(tmp_path)],
         f"error: --output {tmp_path}: is a folder; expected a file name"),
        (["leaderboard", "schema", "--output", str(a_file / "schema.json")],
         f"error: --output {a_file / 'schema.json'}: {a_file} is a file, so no folder can be "
         "made there"),
        (["extract", "--model", "logmel", "--stimuli", "demo", "--output", str(tmp_path / "x")],
         f"error: --output {tmp_path / 'x'}: expected a file name ending in .npz"),
        (["fetch", "mini-hear", "--data-dir", str(a_file)],
         f"error: --data-dir {a_file}: is a file; expected a folder (created if missing)"),
    ]
    for argv, expected in cases:
        assert main(argv) == 2, argv
        assert _error_line(capsys) == expected


def _failing_replace(code):
    def replace(src, dst):
        raise OSError(code, os.strerror(code), str(dst))
    return replace


@pytest.mark.parametrize(("code", "reason"), [
    (errno.ENOSPC, "the disk is full: free space or choose another folder"),
    (errno.EACCES, "permission denied: choose a folder you can write in"),
    (errno.EROFS, "the file system is read-only: choose another folder")])
def test_full_or_unwritable_output_is_one_line_and_leaves_no_temporary_file(
        code, reason, tmp_path, capsys, monkeypatch, demo_scores):
    monkeypatch.setattr(os, "replace", _failing_replace(code))
    out = tmp_path / "scores"
    assert main(["run", "--model", "logmel", "--benchmark", "demo.rsa", "--output", str(out),
                 "--quiet", "--cache-dir", str(tmp_path / "cache")]) == 2
    assert _error_line(capsys).endswith(f": cannot write ({reason})")
    for argv in (["leaderboard", "build", "--scores", demo_scores, "--output",
                  str(tmp_path / "lb.json")],
                 ["leaderboard", "schema", "--output", str(tmp_path / "schema.json")],
                 ["leaderboard", "html", str(ROOT / "leaderboard" / "leaderboard.json"),
                  "--output", str(tmp_path / "site")]):
        assert main(argv) == 2, argv
        assert _error_line(capsys).endswith(f": cannot write ({reason})")
    leftovers = [p for p in tmp_path.rglob(".*.tmp")]
    assert leftovers == []


def test_fetch_on_a_full_disk_is_one_line(tmp_path, capsys, monkeypatch):
    def fetch(data_dir, force=False, url=None):
        raise OSError(errno.ENOSPC, "No space left on device", str(data_dir / "big.zip.part"))

    monkeypatch.setitem(registry.fetchers.entries, "full-disk",
                        registry.Entry("full-disk", fetch))
    assert main(["fetch", "full-disk", "--data-dir", str(tmp_path)]) == 2
    assert _error_line(capsys) == (f"error: {tmp_path / 'big.zip.part'}: cannot write (the disk "
                                   "is full: free space or choose another folder)")


def test_a_failed_html_build_does_not_block_the_retry(tmp_path, capsys, monkeypatch):
    board = str(ROOT / "leaderboard" / "leaderboard.json")
    calls = {"n": 0}
    real = os.replace

    def fail_third(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_third)
    assert main(["leaderboard", "html", board, "--output", str(tmp_path / "site")]) == 2
    _error_line(capsys)
    monkeypatch.setattr(os, "replace", real)
    assert main(["leaderboard", "html", board, "--output", str(tmp_path / "site")]) == 0
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.slow
def test_concurrent_leaderboard_builds_lose_no_update(tmp_path, demo_scores):
    """Two builds into one file at once, each slowed down between reading the file and writing
    it: the second waits for the first (file lock) and merges into its result."""
    output = tmp_path / "lb.json"
    folders = []
    for model in ("logmel", "random-cnn"):
        folder = tmp_path / model
        folder.mkdir()
        for record in Path(demo_scores).glob(f"{model}__*.json"):
            (folder / record.name).write_bytes(record.read_bytes())
        folders.append(folder)
    script = ("import sys, time; from brainscore_audio import leaderboard; "
              "from brainscore_audio.cli import main; build = leaderboard.build; "
              "leaderboard.build = lambda *a, **k: (time.sleep(3), build(*a, **k))[1]; "
              "sys.exit(main(['leaderboard', 'build', '--scores', sys.argv[1], '--output', "
              "sys.argv[2]]))")
    processes = [subprocess.Popen([sys.executable, "-c", script, str(f), str(output)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for f in folders]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    board = json.loads(output.read_text())
    assert {m["id"] for m in board["models"].values()} == {"logmel", "random-cnn"}
    assert board["leaderboard_version"] == 2


# -- files that are not what they claim ------------------------------------------------------------
def test_non_utf8_record_and_task_files(tmp_path, capsys, demo_scores):
    scores = tmp_path / "scores"
    scores.mkdir()
    (scores / "bad.json").write_bytes('{"raw": "caf\u00e9"}'.encode("latin-1"))
    assert main(["leaderboard", "build", "--scores", str(scores), "--output",
                 str(tmp_path / "lb.json")]) == 2
    line = _error_line(capsys)
    assert line.startswith(f"error: {scores / 'bad.json'}: not a valid score record (not JSON: "
                           "'utf-8' codec can't decode byte 0xe9")
    task = _tiny_task(tmp_path / "task")
    (task / "labelvocabulary.csv").write_bytes("idx,label\n0,caf\u00e9\n1,b\n".encode("latin-1"))
    with pytest.raises(UserError, match=r"labelvocabulary.csv: not UTF-8 text \(invalid "
                                        r"continuation byte at byte 15\)$"):
        load_task(task)


def _tiny_task(root: Path) -> Path:
    from brainscore_audio.downstream import TaskWriter

    writer = TaskWriter(root, {"task_name": "tiny", "embedding_type": "scene",
                               "prediction_type": "multiclass", "split_mode": "trainvaltest",
                               "evaluation": ["top1_acc"]}, 16000)
    for split in ("train", "valid", "test"):
        for label in ("a", "b"):
            writer.add(split, f"{label}.wav", np.full(1600, 0.1, np.float32), [label])
    return writer.finish()


@pytest.mark.parametrize(("key", "value", "message"), [
    ("sample_duration", "ten", "sample_duration must be a positive number of seconds (or absent), "
                               "got 'ten'"),
    ("nfolds", "3", "nfolds must be an integer, got '3'")])
def test_text_where_a_number_belongs_in_task_metadata(tmp_path, key, value, message):
    task = _tiny_task(tmp_path / "task")
    path = task / "task_metadata.json"
    metadata = json.loads(path.read_text())
    if key == "nfolds":
        metadata.update(split_mode="new_split_kfold", splits=["train", "valid", "test"])
    metadata[key] = value
    path.write_text(json.dumps(metadata))
    with pytest.raises(UserError) as info:
        load_task(task)
    assert str(info.value) == f"{path}: {message}"


def test_over_long_model_id_gets_a_short_file_name(tmp_path, capsys):
    acts = tmp_path / "acts.npz"
    assert main(["extract", "--model", "logmel", "--stimuli", "demo", "--output", str(acts),
                 "--quiet"]) == 0
    long_id = "my-lab/" + "a-very-long-model-name-" * 20
    assert main(["run", "--activations", str(acts), "--stimulus-set", "demo", "--benchmark",
                 "demo.rsa", "--model-id", long_id, "--output", str(tmp_path / "scores")]) == 0
    (record,) = (tmp_path / "scores").glob("*.json")
    assert len(record.name) < 255 and json.loads(record.read_text())["model"]["id"] == long_id
    capsys.readouterr()


def test_odd_npz_members(tmp_path):
    ids = ["a", "b"]
    values = np.ones((2, 3), np.float32)
    cases = {}
    np.savez(tmp_path / "object.npz", stimulus_ids=np.array(ids, dtype=object), layer=values)
    cases["object.npz"] = ("array 'stimulus_ids' holds Python objects (object dtype, pickled); "
                           "expected numbers (and stimulus_ids as strings)")
    np.save(tmp_path / "single.npy", values)
    (tmp_path / "single.npy").rename(tmp_path / "single.npz")
    cases["single.npz"] = ("holds one array (a .npy file); expected an .npz archive of "
                           "'stimulus_ids' and one array per layer (numpy.savez)")
    np.savez(tmp_path / "scalar.npz", stimulus_ids=np.array("a"), layer=values)
    cases["scalar.npz"] = ("'stimulus_ids' has shape (); expected a 1-D array of string ids, one "
                           "per stimulus")
    np.savez(tmp_path / "crc.npz", stimulus_ids=np.array(ids), layer=values)
    data = bytearray((tmp_path / "crc.npz").read_bytes())
    with zipfile.ZipFile(tmp_path / "crc.npz") as archive:
        info = archive.getinfo("layer.npy")
    data[info.header_offset + 30 + len(info.filename) + info.file_size - 1] ^= 0xFF
    (tmp_path / "crc.npz").write_bytes(bytes(data))
    cases["crc.npz"] = "array 'layer' is corrupt (Bad CRC-32 for file 'layer.npy'); write the file again"
    for name, message in cases.items():
        with pytest.raises(UserError) as info:
            load_precomputed(tmp_path / name, ids, "mean")
        assert str(info.value) == f"{tmp_path / name}: {message}", name


def test_clip_seconds_nan(capsys):
    assert main(["validate", "logmel", "--clip-seconds", "nan"]) == 2
    assert _error_line(capsys) == ("error: --clip-seconds: clip lengths must be positive numbers "
                                   "of seconds, got nan")


@pytest.fixture(scope="module")
def demo_scores(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("demo-scores")
    assert main(["run", "--model", "logmel", "random-cnn", "--benchmark", "demo.rsa",
                 "--output", str(folder), "--quiet"]) == 0
    return str(folder)
