"""Score records, the leaderboard build/merge/versioning, and the published JSON Schema."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest

from brainscore_audio import leaderboard
from brainscore_audio.errors import UserError
from brainscore_audio.records import (
    BenchmarkRef,
    ModelRef,
    Provenance,
    ScoreRecord,
    StimulusSetRef,
    read_record,
    write_record,
)

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "leaderboard" / "schema.json"


def make_record(model="m1", benchmark="demo.rsa", raw=0.5, version=1, minutes=0,
                model_version="1", checkpoint=None) -> ScoreRecord:
    return ScoreRecord(
        benchmark=BenchmarkRef(id=benchmark, version=version),
        model=ModelRef(id=model, version=model_version, checkpoint=checkpoint),
        stimulus_set=StimulusSetRef(id="demo", fingerprint="ab" * 32, n_stimuli=120),
        raw=raw, ceiled=raw / 0.8, ceiling=0.8, error=float("nan"), pooling="mean",
        per_subject={"s1": raw}, per_layer={"l1": raw},
        provenance=Provenance(
            package_version="0", git_commit=None, platform="test", device="cpu",
            timestamp=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minutes),
            wall_time_s=1.0),
    )


def test_committed_schema_is_current():
    """A schema change must be deliberate: regenerate leaderboard/schema.json, bump
    schema_version and add a migration note to leaderboard/CHANGELOG.md."""
    assert json.loads(SCHEMA_FILE.read_text()) == leaderboard.json_schema()


def test_record_round_trip_validates_against_published_schema(tmp_path):
    record = make_record()
    path = write_record(record, tmp_path, {"voxel_r2": [0.1, 0.2]})
    loaded = read_record(path)
    assert loaded.raw == 0.5 and loaded.error is None  # NaN stored as null
    assert path.name == "m1__v1__demo.rsa.json"
    assert loaded.artefacts == {"voxel_r2": "m1__v1__demo.rsa.artefacts.npz"}
    schema = json.loads(SCHEMA_FILE.read_text())
    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/ScoreRecord", "$defs": schema["$defs"]})
    validator.validate(json.loads(path.read_text()))


def test_malformed_record_is_a_one_line_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"raw": "high", "record_schema_version": 2}))
    with pytest.raises(UserError, match=r"bad\.json: not a valid score record"):
        read_record(path)


def test_build_merges_and_versions():
    board = leaderboard.build([make_record("m1", raw=0.5), make_record("m2", raw=0.7)])
    assert board.leaderboard_version == 1 and set(board.models) == {"m1@1", "m2@1"}
    same = leaderboard.build([make_record("m1", raw=0.5)], board)
    assert same is board  # nothing changed: same version
    newer = leaderboard.build([make_record("m1", raw=0.6, minutes=5)], board)
    assert newer.leaderboard_version == 2
    assert newer.models["m1@1"].scores["demo.rsa"].raw == 0.6
    assert "updated m1@1 on demo.rsa" in newer.changelog[-1].changes[0]
    assert board.models["m1@1"].scores["demo.rsa"].raw == 0.5  # the old version is untouched
    older = leaderboard.build([make_record("m1", raw=0.1, minutes=-5)], newer)
    assert older is newer  # an older record never replaces a newer one


def test_table_orders_by_rank_and_marks_missing():
    board = leaderboard.build([
        make_record("weak", raw=0.1), make_record("strong", raw=0.9),
        make_record("strong", benchmark="demo.voxel-ridge", raw=0.4),
    ])
    text = leaderboard.table(board)
    lines = text.splitlines()
    assert lines[0].startswith("leaderboard v1")
    assert lines[3].startswith("| strong") and lines[4].startswith("| weak")
    assert "-" in lines[4].split("|")[-2]
    assert "1.125" in leaderboard.table(board, ceiled=True)  # 0.9 / 0.8


def test_leaderboard_file_round_trip(tmp_path):
    board = leaderboard.build([make_record()])
    leaderboard.save(board, tmp_path / "lb.json")
    assert leaderboard.load(tmp_path / "lb.json") == board
    (tmp_path / "broken.json").write_text("{}")
    with pytest.raises(UserError, match="not a valid leaderboard"):
        leaderboard.load(tmp_path / "broken.json")
