"""HEAR fetchers and benchmarks (plugin benchmarks/hear), tested against an archive in the release layout
(``tasks/<name>-<version>-<mode>/...`` inside ``hear2021-...-48000.tar.gz``) served over
loopback HTTP."""

from __future__ import annotations

import hashlib
import json
import tarfile

import numpy as np
import pytest
from brainscore_audio_benchmarks.hear.tasks import TASKS

from brainscore_audio.downstream import TaskWriter, load_task
from brainscore_audio.downstream.benchmark import SOURCE_FILE
from brainscore_audio.errors import UserError
from brainscore_audio.registry import benchmarks, fetchers


def make_esc50_archive(folder):
    """A 5-fold multiclass task in the ESC-50 archive layout, 48 kHz, 0.2 s clips."""
    task = TASKS["esc50"]
    staging = folder / "staging" / "tasks" / task.folder
    writer = TaskWriter(staging, {
        "task_name": "esc50", "version": "v2.0.0", "mode": "full", "embedding_type": "scene",
        "prediction_type": "multiclass", "split_mode": "presplit_kfold", "nfolds": 5,
        "sample_duration": 0.2, "evaluation": ["top1_acc", "mAP", "d_prime", "aucroc"]}, 48000)
    rng = np.random.default_rng(0)
    t = np.arange(9600) / 48000
    for fold in range(5):
        for i in range(6):
            label = ["dog", "rain"][i % 2]
            wave = (0.3 * np.sin(2 * np.pi * (300 if label == "dog" else 3000) * t)
                    + 0.01 * rng.standard_normal(len(t)))
            writer.add(f"fold{fold:02d}", f"{fold + 1}-{i}-A-{i % 2}.wav", wave, [label])
    writer.finish(["dog", "rain"])
    archive = folder / task.archive
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(folder / "staging" / "tasks", arcname="tasks")
    return archive


def test_fetch_unpacks_validates_and_records_the_archive(tmp_path, http_server):
    served = tmp_path / "served"
    served.mkdir()
    archive = make_esc50_archive(served)
    url = f"{http_server(served)}/{archive.name}"
    data = tmp_path / "data"
    from brainscore_audio.cli import main

    assert main(["fetch", "hear.esc50", "--url", url, "--data-dir", str(data)]) == 0
    folder = data / "hear" / "esc50-v2.0.0-full"
    task = load_task(folder)
    assert task.splits == tuple(f"fold{i:02d}" for i in range(5)) and task.sample_rate == 48000
    source = json.loads((folder / SOURCE_FILE).read_text())
    assert source["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    bench = benchmarks.make("hear.esc50", data_dir=data)
    assert len(bench.stimulus_set) == 30 and bench.parameters()["suite"] == "hear"
    assert bench.data_checksums()[TASKS["esc50"].archive] == source["sha256"]
    # a second fetch is a no-op; --force downloads and unpacks again
    assert fetchers.make("hear.esc50", data_dir=data, force=False, url=url) == folder
    assert fetchers.make("hear.esc50", data_dir=data, force=True, url=url) == folder


def test_fetch_refuses_an_archive_without_a_task(tmp_path, http_server):
    served = tmp_path / "served"
    (served / "junk").mkdir(parents=True)
    (served / "junk" / "readme.txt").write_text("no task here")
    archive = served / TASKS["fsd50k"].archive
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(served / "junk", arcname="junk")
    with pytest.raises(UserError, match="expected one task folder"):
        fetchers.make("hear.fsd50k", data_dir=tmp_path / "data", force=False,
                      url=f"{http_server(served)}/{archive.name}")


def test_force_with_a_wrong_archive_keeps_the_working_task(tmp_path, http_server, capsys):
    from brainscore_audio.cli import main

    served = tmp_path / "served"
    served.mkdir()
    archive = make_esc50_archive(served)
    (served / "junk").mkdir()
    (served / "junk" / "readme.txt").write_text("no task here")
    with tarfile.open(served / "wrong.tar.gz", "w:gz") as handle:
        handle.add(served / "junk", arcname="junk")
    (served / "page.tar.gz").write_text("<html><body>Zenodo is down</body></html>")
    base = http_server(served)
    data = tmp_path / "data"
    assert main(["fetch", "hear.esc50", "--url", f"{base}/{archive.name}", "--data-dir",
                 str(data), "--quiet"]) == 0
    folder = data / "hear" / "esc50-v2.0.0-full"
    before = {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    capsys.readouterr()
    for name, message in (
            ("wrong.tar.gz", "expected one task folder with task_metadata.json, found 0; the "
                             "archive was deleted; the task folder already there is unchanged"),
            ("page.tar.gz", "the server sent an HTML page (an error, login or browser-check "
                            "page), not the file; the download was deleted; run `benchmark "
                            "fetch hear.esc50` again")):
        assert main(["fetch", "hear.esc50", "--force", "--url", f"{base}/{name}", "--data-dir",
                     str(data), "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err
        assert {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} == before
        assert sorted(p.name for p in (data / "hear").iterdir()) == ["downloads", folder.name]
        assert not list((data / "hear" / "downloads").iterdir())
