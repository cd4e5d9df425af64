"""The README's Python example, run as written, and the API it shows."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile
from readme_blocks import blocks

import brainscore_audio as bsa
from brainscore_audio.records import read_record


def _notebook_block() -> str:
    (code,) = [b for b in blocks("python") if "import brainscore_audio as bsa" in b]
    return code


@pytest.mark.slow
def test_readme_python_example_runs_as_written(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_sounds").mkdir()
    t = np.arange(8000) / 8000
    for name, f0 in (("low", 220.0), ("high", 880.0)):
        soundfile.write(tmp_path / "my_sounds" / f"{name}.wav", 0.3 * np.sin(2 * np.pi * f0 * t), 8000)
    namespace: dict = {}
    exec(compile(_notebook_block(), "README.md", "exec"), namespace)  # noqa: S102
    record, acts, frame = namespace["record"], namespace["acts"], namespace["frame"]
    (path,) = (tmp_path / "scores").glob("logmel__*__demo.rsa.json")
    assert record == read_record(path)
    assert acts.stimulus_ids == ["high.wav", "low.wav"] and acts.layers["logmel"].shape == (2, 64)
    with np.load(tmp_path / "acts.npz") as archive:
        np.testing.assert_array_equal(archive["logmel"], acts.layers["logmel"])
    assert list(frame["model"]) == ["logmel"] and list(frame["benchmark"]) == ["demo.rsa"]
    assert frame["raw"][0] == record.raw and math.isclose(frame["ceiled"][0], record.ceiled)


def test_score_without_output_leaves_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    record = bsa.score("random-cnn", "demo.rsa", progress=False)
    assert record.model.id == "random-cnn" and math.isfinite(record.raw)
    assert list(tmp_path.iterdir()) == []


def test_records_frame_of_a_leaderboard_and_errors(tmp_path):
    pytest.importorskip("pandas")
    from brainscore_audio import leaderboard
    from brainscore_audio.errors import UserError

    leaderboard_file = Path(__file__).resolve().parents[1] / "leaderboard" / "leaderboard.json"
    board = leaderboard.load(leaderboard_file)
    frame = bsa.records_frame(leaderboard_file)
    assert len(frame) == sum(len(m.scores) for m in board.models.values())
    assert set(frame["model"]) == {m.id for m in board.models.values()}
    with pytest.raises(UserError, match="no such folder of records or leaderboard file"):
        bsa.records_frame(tmp_path / "missing")
