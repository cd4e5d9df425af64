"""No record on a leaderboard can be wrong, random or untraceable (issue 11, items 2, 3, 5, 7):
non-finite scores fail their pair and never reach a file or a leaderboard; random weights never
pass as a pretrained model; models are merged on id + version + checkpoint; a record is reused
only for the same data; ``benchmark validate`` catches plugins that misbehave."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from test_records_and_leaderboard import make_record

from brainscore_audio import leaderboard, registry
from brainscore_audio.adapters.hf.model import HFModel
from brainscore_audio.cli import main
from brainscore_audio.downstream import TaskWriter
from brainscore_audio.errors import UserError
from brainscore_audio.model import RANDOM_WEIGHTS_ENV
from brainscore_audio.records import read_record, record_stem, write_record

RATE = 8000
W2V_CONFIG = dict(model_type="wav2vec2", hidden_size=16, num_hidden_layers=1,
                  num_attention_heads=2, intermediate_size=32, conv_dim=[8] * 7,
                  num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
W2V_PRE = dict(feature_extractor_type="Wav2Vec2FeatureExtractor", sampling_rate=16000,
               do_normalize=True, feature_size=1, padding_value=0.0)
PINNED = "0123456789abcdef0123456789abcdef01234567"


def write_task(root: Path, name: str, test_labels: list[str], seed: int = 0) -> Path:
    """A two-class tone task (low 300 Hz / high 2500 Hz) with train/valid/test splits; the test
    split holds ``test_labels``."""
    rng = np.random.default_rng(seed)
    metadata = {"task_name": name, "version": "v0", "embedding_type": "scene",
                "prediction_type": "multiclass", "split_mode": "trainvaltest",
                "sample_duration": 0.25, "evaluation": ["d_prime", "aucroc", "top1_acc"]}
    writer = TaskWriter(root, metadata, RATE)
    t = np.arange(int(0.25 * RATE)) / RATE
    splits = {"train": ["low", "high"] * 4, "valid": ["low", "high"] * 2, "test": test_labels}
    for split, labels in splits.items():
        for i, label in enumerate(labels):
            freq = 300.0 if label == "low" else 2500.0
            wave = 0.4 * np.sin(2 * np.pi * freq * t) + 0.02 * rng.standard_normal(len(t))
            writer.add(split, f"{split}{i:02d}.wav", wave.astype(np.float32), [label])
    return writer.finish(["low", "high"])


# -- item 2: a score that is not a number is never a record ------------------------------------
@pytest.mark.slow
def test_one_class_test_split_fails_its_pair_and_writes_no_record(tmp_path, capsys):
    task = write_task(tmp_path / "task", "oneclass", ["low"] * 4)  # d_prime/AUC undefined
    out = tmp_path / "out"
    code = main(["run", "--model", "logmel", "--task-dir", str(task), "--output", str(out),
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    (line,) = [x for x in err.splitlines() if x.startswith("error:")]  # one line says it
    assert "logmel on task:oneclass: the score is nan, not a number; no record written" in line
    assert list(out.glob("*.json")) == []


@pytest.mark.parametrize("edit, message", [
    (lambda text: text.replace('"raw": 0.5', '"raw": NaN'), "it holds NaN"),
    (lambda text: text.replace('"ceiling": 0.8', '"ceiling": Infinity'), "it holds Infinity"),
    (lambda text: text.replace('"l1": 0.5', '"l1": -Infinity'), "it holds -Infinity"),
    (lambda text: text.replace('"raw": 0.5', '"raw": null'), "raw: Input should be a valid"),
])
def test_leaderboard_build_refuses_non_finite_records_and_keeps_the_file(tmp_path, capsys, edit,
                                                                         message):
    scores, board_file = tmp_path / "scores", tmp_path / "lb.json"
    write_record(make_record("m1", raw=0.4), scores)
    assert main(["leaderboard", "build", "--scores", str(scores), "--output", str(board_file)]) == 0
    before = board_file.read_bytes()
    path = write_record(make_record("m2", raw=0.5), scores)
    path.write_text(edit(path.read_text()))
    capsys.readouterr()
    assert main(["leaderboard", "build", "--scores", str(scores), "--output", str(board_file)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err and len(err.strip().splitlines()) == 1
    assert board_file.read_bytes() == before


def test_a_record_of_a_nan_score_cannot_be_made():
    with pytest.raises(ValueError, match="raw is nan; a record holds a finite score"):
        make_record(raw=float("nan"))
    record = make_record()
    record = record.model_copy(update={"per_layer": {"l1": float("nan"), "l2": 0.3}})
    assert json.loads(record.model_dump_json())["per_layer"] == {"l1": None, "l2": 0.3}


# -- item 3: random weights never pass as a pretrained model ----------------------------------
@pytest.fixture
def tiny_hub_model(monkeypatch):
    """A registered hub-style model ("tiny-hub", pinned, tag needs-download) whose random-weights
    mode follows the environment, like the hub plugins."""
    factory = partial(HFModel, "tiny/w2v", identifier="tiny-hub", config=W2V_CONFIG,
                      preprocessor=W2V_PRE, revision=PINNED)
    registry.discover_plugins()
    monkeypatch.setitem(registry.models.entries, "tiny-hub",
                        registry.Entry("tiny-hub", factory, frozenset({"needs-download"})))
    return "tiny-hub"


def test_random_weights_mode_says_so_in_the_model_id_and_never_enters_a_leaderboard(
        tiny_hub_model, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    out = tmp_path / "out"
    assert main(["run", "--model", tiny_hub_model, "--benchmark", "demo.rsa", "--output",
                 str(out), "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    (path,) = out.glob("*.json")
    record = read_record(path)
    assert record.model.id == "tiny-hub+random-weights"
    assert path.name.startswith("tiny-hub_random-weights") and "random" in record.model.checkpoint
    capsys.readouterr()
    assert main(["leaderboard", "build", "--scores", str(out), "--output",
                 str(tmp_path / "lb.json")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: tiny-hub+random-weights was scored with random weights" in err
    assert not (tmp_path / "lb.json").exists()


def test_build_refuses_a_record_whose_weights_are_not_the_ids(tiny_hub_model, tmp_path, capsys):
    """A record under the pretrained id with other weights (as random-weights mode wrote them
    before) is refused; the declared checkpoint and version pass."""
    scores = tmp_path / "scores"
    declared = f"tiny/w2v@{PINNED}"
    write_record(make_record(tiny_hub_model, checkpoint=declared), scores)
    assert main(["leaderboard", "build", "--scores", str(scores), "--output",
                 str(tmp_path / "ok.json")]) == 0
    bad = write_record(make_record(tiny_hub_model, model_version="1+random", benchmark="demo.x",
                                   checkpoint="random weights (torch seed 0)"), scores)
    capsys.readouterr()
    assert main(["leaderboard", "build", "--scores", str(scores), "--output",
                 str(tmp_path / "lb.json")]) == 2
    assert (f"{bad}: tiny-hub version 1+random is not the installed plugin's version 1"
            in capsys.readouterr().err)
    bad.unlink()
    bad = write_record(make_record(tiny_hub_model, benchmark="demo.x",
                                   checkpoint=f"tiny/w2v@{'f' * 40}"), scores)
    assert main(["leaderboard", "build", "--scores", str(scores), "--output",
                 str(tmp_path / "lb.json")]) == 2
    assert (f"{bad}: tiny-hub was scored with checkpoint 'tiny/w2v@{'f' * 40}', not the weights "
            f"the id declares ('{declared}')" in capsys.readouterr().err)


def test_versions_and_checkpoints_are_separate_entries_never_silent_replacements(tmp_path):
    v1 = make_record("m", raw=0.5)
    v2 = make_record("m", raw=0.7, model_version="2", minutes=-10)  # older timestamp on purpose
    other_weights = make_record("m", raw=0.1, model_version="2", checkpoint="w.pt sha256:ab")
    board = leaderboard.build([v1])
    board = leaderboard.build([v2, other_weights], board)
    assert sorted(board.models) == ["m@1", "m@2", f"m@2#{other_weights.model.key()[4:]}"]
    assert board.models["m@1"].scores["demo.rsa"].raw == 0.5  # kept
    assert board.models["m@2"].scores["demo.rsa"].raw == 0.7
    changes = board.changelog[-1].changes
    assert changes[0] == "added m@2 on demo.rsa v1: raw 0.7000 (beside m@1)"
    assert "beside m@1, m@2" in changes[1]
    labels = leaderboard.model_labels(board)
    assert sorted(labels.values()) == sorted(board.models)  # the id alone would be ambiguous
    assert "| m@1 " in leaderboard.table(board)
    # record files of the three never overwrite each other
    paths = {write_record(r, tmp_path) for r in (v1, v2, other_weights)}
    assert len(paths) == 3 and {p.name for p in paths} == {
        f"{record_stem(r.model, 'demo.rsa')}.json" for r in (v1, v2, other_weights)}


def test_a_schema_1_leaderboard_is_migrated_and_extended(tmp_path):
    """Schema 1 keyed models by id alone (one entry could mix model versions)."""
    old, newer = make_record("m", raw=0.5), make_record("m", "demo.x", 0.6, model_version="2")
    records = {r.benchmark.id: json.loads(r.model_dump_json()) | {"record_schema_version": 1}
               for r in (old, newer)}
    v1_file = tmp_path / "v1.json"
    v1_file.write_text(json.dumps({
        "schema_version": 1, "leaderboard_version": 1, "created": "2026-01-01T00:00:00Z",
        "package_version": "0.1.0",
        "benchmarks": {b: {"id": b, "version": 1} for b in records},
        "models": {"m": {"id": "m", "version": "2", "metadata": {"name": "M"},
                         "scores": records}},
        "aggregates": {"downstream-overall": {"m": 0.0}},
        "changelog": [{"leaderboard_version": 1, "date": "2026-01-01T00:00:00Z",
                       "changes": ["added m on demo.rsa v1: raw 0.5000"]}]}))
    board = leaderboard.load(v1_file)
    assert board.schema_version == 2 and sorted(board.models) == ["m@1", "m@2"]
    assert board.models["m@1"].scores["demo.rsa"].raw == 0.5
    assert board.models["m@2"].metadata == {"name": "M"} and board.aggregates == {
        "downstream-overall": {}}  # "m" had two entries: recomputed at the next build
    scores = tmp_path / "scores"
    write_record(make_record("n", raw=0.2), scores)
    assert main(["leaderboard", "build", "--scores", str(scores), "--output", str(v1_file)]) == 0
    saved = json.loads(v1_file.read_text())
    assert saved["schema_version"] == 2 and saved["leaderboard_version"] == 2
    assert saved["changelog"][0]["changes"] == ["added m on demo.rsa v1: raw 0.5000"]


# -- item 5: a record is reused only for the same data ----------------------------------------
@pytest.mark.slow
def test_two_task_folders_with_one_name_never_share_a_record(tmp_path, capsys):
    first = write_task(tmp_path / "a" / "task", "tones", ["low", "high"] * 2)
    second = write_task(tmp_path / "b" / "task", "tones", ["low", "high", "high"], seed=1)
    out = tmp_path / "out"
    args = ["--model", "logmel", "--output", str(out), "--cache-dir", str(tmp_path / "c"),
            "--quiet"]
    assert main(["run", "--task-dir", str(first), *args]) == 0
    (path,) = out.glob("*.json")
    first_record = read_record(path)
    assert main(["run", "--task-dir", str(second), *args]) == 0
    text = capsys.readouterr().out
    assert "record exists" not in text and "scored" in text.split("task:tones")[-1]
    second_record = read_record(path)
    assert second_record.stimulus_set.fingerprint != first_record.stimulus_set.fingerprint
    assert second_record.data_checksums != first_record.data_checksums
    fresh = tmp_path / "fresh"
    assert main(["run", "--task-dir", str(second), *args[:2], "--output", str(fresh),
                 "--cache-dir", str(tmp_path / "c"), "--quiet"]) == 0
    assert second_record.raw == read_record(next(fresh.glob("*.json"))).raw
    assert main(["run", "--task-dir", str(second), *args]) == 0  # same data now: reused
    assert "record exists" in capsys.readouterr().out


# -- item 7: plugins that misbehave are caught by validate (and run) -------------------------
PLUGIN = '''
import numpy as np
from brainscore_audio.model import Activations, AudioModel
from brainscore_audio.registry import models


class Model(AudioModel):
    identifier = "{model_id}"
    sample_rate = 16000
    layers = ["frames"]
    default_layers = ["frames"]
    calls = 0

    def load(self, device="cpu"):
        pass

    def embed(self, audio, layers):
        type(self).calls += 1
{body}
        frames = audio[:, : audio.shape[1] // 160 * 160].reshape(len(audio), -1, 160)
        return {{"frames": Activations(frames.astype(np.float32), 0.01)}}


models.register("{model_id}", Model)
'''

MISBEHAVIOURS = {
    "batch-normalised": ("        audio = audio - audio.mean(axis=0, keepdims=True)  # batch mean",
                         "layer 'frames' depends on the batch: a clip embedded alone differs "
                         "from the same clip in a batch of 2"),
    "exits": ("        raise SystemExit(0)",
              "embed() called exit (0): a plugin must raise an exception, never end the process"),
    "interrupts": ("        raise KeyboardInterrupt",
                   "embed() raised KeyboardInterrupt although nobody pressed Ctrl-C"),
    "second-call": ("        if type(self).calls == 2:\n            raise RuntimeError('used up')",
                    "embed() failed on its second call with the same audio (the first worked): "
                    "RuntimeError: used up"),
}


def write_plugin(root: Path, name: str, body: str) -> Path:
    folder = root / f"bad_{name.replace('-', '_')}"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(PLUGIN.format(model_id=f"bad-{name}", body=body))
    return folder


@pytest.mark.parametrize("name", list(MISBEHAVIOURS))
def test_validate_gives_one_actionable_line_per_misbehaving_plugin(name, tmp_path, capsys):
    body, message = MISBEHAVIOURS[name]
    folder = write_plugin(tmp_path, name, body)
    assert main(["validate", str(folder), "--clip-seconds", "0.05"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"FAIL bad-{name}"
    assert len(lines) == 2 and message in lines[1], lines


@pytest.mark.parametrize("name", ["exits", "interrupts"])
def test_run_fails_a_plugin_that_exits_with_one_line(name, tmp_path, capsys):
    folder = write_plugin(tmp_path, name, MISBEHAVIOURS[name][0])
    registry.import_plugin_folder(folder)
    try:
        code = main(["run", "--model", f"bad-{name}", "--benchmark", "demo.rsa", "--output",
                     str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"), "--quiet"])
    finally:
        registry.models.entries.pop(f"bad-{name}", None)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    expected = {"exits": "model 'bad-exits' called exit (0): a plugin must raise an exception, "
                         "never end the process",
                "interrupts": "model 'bad-interrupts' raised KeyboardInterrupt although nobody "
                              "pressed Ctrl-C"}[name]
    assert err.startswith("error: 1 of 2 jobs failed") and expected in err


def test_a_real_interrupt_still_stops_the_run(monkeypatch):
    """A SIGINT during plugin code is the user's Ctrl-C: it propagates as KeyboardInterrupt."""
    import os
    import signal

    from brainscore_audio.plugin_calls import guarded

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own, whatever ran before
    with pytest.raises(KeyboardInterrupt), guarded("model 'x': embed()"):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs between bytecodes
            pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_exit_inside_guarded_is_a_user_error():
    from brainscore_audio.plugin_calls import PluginError, guarded

    with pytest.raises(PluginError, match=r"x called exit \(3\)"), guarded("x"):
        raise SystemExit(3)
    assert issubclass(PluginError, UserError)
