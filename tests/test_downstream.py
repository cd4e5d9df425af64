"""Downstream library: HEAR-format loader and writer, metrics against scikit-learn, PCA, the
probe protocol's determinism, the z-scored overall and the brain-vs-downstream analysis."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

from brainscore_audio import leaderboard
from brainscore_audio.activations import StimulusActivations
from brainscore_audio.downstream import (
    DEFAULT_GRID,
    Fold,
    HEARTaskBenchmark,
    ProtocolOptions,
    TaskWriter,
    TrainingSettings,
    load_task,
    run_protocol,
    train_probe,
    zscore_overall,
)
from brainscore_audio.downstream import metrics as m
from brainscore_audio.downstream.analysis import analyse, plot, tables
from brainscore_audio.downstream.benchmark import spread
from brainscore_audio.downstream.probe import seeded_stream, torch_threads
from brainscore_audio.downstream.protocol import grid_order, reduce_layers
from brainscore_audio.errors import UserError
from brainscore_audio.records import (
    BenchmarkRef,
    ModelRef,
    Provenance,
    ScoreRecord,
    StimulusSetRef,
)

RATE = 8000
FAST = TrainingSettings(max_epochs=12, patience=2, check_every=3)


def write_tones_task(root, mode="new_split_kfold", nfolds=4, per_split=9, prediction="multiclass",
                     seed=0):
    """A task whose class is the frequency band of a noisy tone; returns (root, written)."""
    rng = np.random.default_rng(seed)
    labels = ["low", "mid", "high"]
    freqs = {"low": 300.0, "mid": 900.0, "high": 2500.0}
    metadata = {"task_name": "tones", "version": "v0", "embedding_type": "scene",
                "prediction_type": prediction, "split_mode": mode, "sample_duration": 0.25,
                "evaluation": ["top1_acc", "mAP", "d_prime"] if prediction == "multiclass"
                else ["mAP", "d_prime"]}
    splits = ["train", "valid", "test"] if mode == "trainvaltest" else [
        f"fold{i:02d}" for i in range(nfolds)]
    if mode != "trainvaltest":
        metadata["nfolds"] = nfolds
    writer = TaskWriter(root, metadata, RATE)
    written = {}
    t = np.arange(int(0.25 * RATE)) / RATE
    for split in splits:
        for i in range(per_split):
            label = labels[i % 3]
            clip_labels = [label] if prediction == "multiclass" else sorted({label, labels[(i + 1) % 3]})
            wave = 0.4 * np.sin(2 * np.pi * freqs[label] * (1 + 0.05 * rng.standard_normal()) * t)
            wave = (wave + 0.02 * rng.standard_normal(len(t))).astype(np.float32)
            name = f"{split}_{i:02d}.wav"
            writer.add(split, name, wave, clip_labels)
            written[split, name] = (wave, clip_labels)
    writer.finish(labels)
    return root, written


def test_task_round_trip_and_folds(tmp_path):
    root, written = write_tones_task(tmp_path / "tones", nfolds=4)
    task = load_task(root)
    assert task.name == "tones" and task.sample_rate == RATE and task.vocabulary == ("low", "mid", "high")
    assert task.splits == ("fold00", "fold01", "fold02", "fold03")
    assert {(s, f): labels for s in task.splits for f, labels in task.files[s]} == {
        key: value[1] for key, value in written.items()}
    folds = task.folds()
    assert [(f.test, f.valid, f.train) for f in folds] == [
        ("fold00", "fold01", ("fold02", "fold03")), ("fold01", "fold02", ("fold00", "fold03")),
        ("fold02", "fold03", ("fold00", "fold01")), ("fold03", "fold00", ("fold01", "fold02"))]
    bench = HEARTaskBenchmark("task:tones", root)
    stimuli = bench.stimulus_set
    assert len(stimuli) == 36 and stimuli.ids[0] == "fold00/fold00_00.wav"
    for index in (0, 17, 35):
        split, name = stimuli.ids[index].split("/")
        audio, rate = stimuli.native_audio(index)
        assert rate == RATE
        np.testing.assert_allclose(audio, written[split, name][0], atol=1 / 2**15 + 1e-7)
    targets = bench.targets()
    assert targets.shape == (36, 3) and np.all(targets.sum(axis=1) == 1)


def test_trainvaltest_folds(tmp_path):
    task = load_task(write_tones_task(tmp_path / "t", mode="trainvaltest")[0])
    assert [(f.train, f.valid, f.test) for f in task.folds()] == [(("train",), "valid", "test")]


def _break(root, what):
    meta_path = root / "task_metadata.json"
    meta = json.loads(meta_path.read_text())
    if what == "no-metadata":
        meta_path.unlink()
        return "task_metadata.json"
    if what == "bad-json":
        meta_path.write_text("{not json")
        return "task_metadata.json"
    if what in ("prediction_type", "split_mode", "embedding_type"):
        meta[what] = "banana"
    elif what == "missing-key":
        del meta["evaluation"]
    elif what == "unknown-metric":
        meta["evaluation"] = ["accuracy_of_vibes"]
    elif what == "nfolds":
        meta["nfolds"] = 7
    elif what == "vocab-header":
        (root / "labelvocabulary.csv").write_text("index,name\n0,low\n")
        return "labelvocabulary.csv"
    elif what == "vocab-gap":
        (root / "labelvocabulary.csv").write_text("idx,label\n0,low\n2,mid\n")
        return "labelvocabulary.csv"
    elif what == "unknown-label":
        labels = json.loads((root / "fold01.json").read_text())
        labels[next(iter(labels))] = ["purple"]
        (root / "fold01.json").write_text(json.dumps(labels))
        return "fold01.json"
    elif what == "two-labels":
        labels = json.loads((root / "fold02.json").read_text())
        labels[next(iter(labels))] = ["low", "mid"]
        (root / "fold02.json").write_text(json.dumps(labels))
        return "fold02.json"
    elif what == "missing-split-file":
        (root / "fold03.json").unlink()
        return "fold03.json"
    elif what == "missing-audio":
        (root / str(RATE) / "fold00" / "fold00_03.wav").unlink()
        return "fold00_03.wav"
    elif what == "no-rate-folder":
        (root / str(RATE)).rename(root / "audio")
        return str(root)
    meta_path.write_text(json.dumps(meta))
    return "task_metadata.json"


@pytest.mark.parametrize("what", [
    "no-metadata", "bad-json", "prediction_type", "split_mode", "embedding_type", "missing-key",
    "unknown-metric", "nfolds", "vocab-header", "vocab-gap", "unknown-label", "two-labels",
    "missing-split-file", "missing-audio", "no-rate-folder"])
def test_malformed_task_is_a_one_line_error_naming_the_file(tmp_path, what):
    root, _ = write_tones_task(tmp_path / "tones", nfolds=4, per_split=4)
    named = _break(root, what)
    with pytest.raises(UserError) as info:
        load_task(root)
    message = str(info.value)
    assert named in message and "\n" not in message


@pytest.mark.parametrize("listed, reason", [
    ("../../outside.wav", "is not a plain relative file name"),
    ("/etc/passwd", "is not a plain relative file name"),
    ("sub/../../../outside.wav", "is not a plain relative file name"),
    ("link.wav", "leads outside the task folder"),
    ("linked_dir/x.wav", "leads outside the task folder"),
])
def test_audio_paths_stay_inside_the_task_folder(tmp_path, listed, reason):
    """A task's split file can name only files inside its folder: '..', absolute paths and
    symbolic links that lead out are refused with one line, when loading and when scoring."""
    root, written = write_tones_task(tmp_path / "tones", nfolds=4, per_split=3)
    outside = tmp_path / "outside.wav"
    wave = written["fold00", "fold00_00.wav"][0]
    import soundfile

    soundfile.write(outside, wave, RATE)
    (tmp_path / "elsewhere").mkdir()
    soundfile.write(tmp_path / "elsewhere" / "x.wav", wave, RATE)
    (root / str(RATE) / "fold01" / "link.wav").symlink_to(outside)
    (root / str(RATE) / "fold01" / "linked_dir").symlink_to(tmp_path / "elsewhere")
    labels = json.loads((root / "fold01.json").read_text())
    labels[listed] = ["low"]
    (root / "fold01.json").write_text(json.dumps(labels))
    messages = []
    with pytest.raises(UserError) as info:
        load_task(root)
    messages.append(str(info.value))
    with pytest.raises(UserError) as info:  # without the audio check: when the path is used
        load_task(root, check_audio=False).audio_path("fold01", listed)
    messages.append(str(info.value))
    for message in messages:
        assert message.startswith(f"{root / 'fold01.json'}: audio path {listed!r}")
        assert reason in message and "\n" not in message
    # a link inside the folder is fine
    (root / str(RATE) / "fold01" / "inner.wav").symlink_to(root / str(RATE) / "fold00" /
                                                            "fold00_00.wav")
    labels = {k: v for k, v in labels.items() if k != listed}
    labels["inner.wav"] = ["low"]
    (root / "fold01.json").write_text(json.dumps(labels))
    assert ("inner.wav", ["low"]) in load_task(root).files["fold01"]


def test_clips_too_short_for_the_model_are_refused(tmp_path):
    """A 1-sample clip (0 samples at 16 kHz) is refused with one line instead of being padded by
    the model and scored at chance."""
    from brainscore_audio.cli import main
    from brainscore_audio.stimuli import MIN_CLIP_SECONDS

    root, _ = write_tones_task(tmp_path / "tones", mode="trainvaltest", per_split=3)
    import soundfile

    soundfile.write(root / str(RATE) / "test" / "test_01.wav", np.array([0.1], np.float32), RATE)
    bench = HEARTaskBenchmark("task:tones", root)
    index = bench.stimulus_set.ids.index("test/test_01.wav")
    with pytest.raises(UserError) as info:
        bench.stimulus_set.audio(index, 16_000)
    assert str(info.value) == (
        f"{root / str(RATE) / 'test' / 'test_01.wav'}: clip of 1 samples at {RATE} Hz is 2 "
        f"samples at the model's 16000 Hz; clips shorter than {MIN_CLIP_SECONDS * 1000:g} ms "
        "(160 samples) are refused (the model would score its padding)")
    assert len(bench.stimulus_set.audio(0, 16_000)) == 2 * int(0.25 * RATE)
    assert main(["run", "--model", "logmel", "--task-dir", str(root), "--output",
                 str(tmp_path / "out"), "--quiet"]) == 2
    assert not list((tmp_path / "out").glob("*.json"))


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    for _ in range(10):
        targets = (rng.random((80, 6)) < 0.3).astype(int)
        targets[:2] = 1
        scores = np.round(rng.random((80, 6)), 1)  # many ties
        assert m.mean_average_precision(scores, targets) == pytest.approx(
            average_precision_score(targets, scores, average="macro"), abs=1e-12)
        np.testing.assert_allclose(m.roc_auc_per_class(scores, targets),
                                   roc_auc_score(targets, scores, average=None))
        auc = roc_auc_score(targets, scores, average=None)
        assert m.d_prime(scores, targets) == pytest.approx(
            np.mean(stats.norm.ppf(auc) * np.sqrt(2)))
    # a class without positives: AP 0 as in scikit-learn, left out of d'
    targets = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    scores = rng.random((4, 2))
    with pytest.warns(UserWarning):
        expected = average_precision_score(targets, scores, average="macro")
    assert m.mean_average_precision(scores, targets) == pytest.approx(expected)
    assert m.d_prime(scores, targets) == pytest.approx(
        np.sqrt(2) * stats.norm.ppf(roc_auc_score(targets[:, 0], scores[:, 0])))


def test_accuracies_on_planted_predictions():
    targets = np.eye(24)[[0, 13, 5, 7]]
    scores = np.eye(24)[[0, 1, 17, 8]]  # right, octave off, octave off, wrong
    assert m.top1_accuracy(scores, targets) == 0.25 == m.METRICS["pitch_acc"](scores, targets)
    assert m.chroma_accuracy(scores, targets) == 0.75
    assert m.d_prime(targets * 1.0, targets) == pytest.approx(np.sqrt(2) * stats.norm.ppf(1 - 1e-6))


def test_pca_when_layer_sizes_differ_is_the_authors_rule():
    """Pepino et al.'s DynamicPCA: sizes differ -> every layer (the smallest too) through
    scikit-learn's PCA fitted on the training rows, to min(training clips, smallest size)."""
    rng = np.random.default_rng(1)
    layers = {"small": rng.standard_normal((50, 4)).astype(np.float32),
              "big": rng.standard_normal((50, 12)).astype(np.float32)}
    train = np.arange(30)
    stacked, info = reduce_layers(layers, train)
    assert stacked.shape == (50, 2, 4) and info["reduced_layers"] == ["small", "big"]
    assert info["rule"] == "if-sizes-differ" and info["target_dim"] == 4
    for i, values in enumerate(layers.values()):
        reference = PCA(4).fit(values[train].astype(np.float64)).transform(values)
        np.testing.assert_allclose(stacked[:, i], reference, atol=1e-5)
    changed = {k: v.copy() for k, v in layers.items()}
    changed["big"][30:] += 100.0  # test rows must not move the projection of training rows
    np.testing.assert_allclose(reduce_layers(changed, train)[0][train], stacked[train], atol=1e-5)
    few = np.arange(3)  # fewer training clips than the smallest layer: capped at 3
    assert reduce_layers(layers, few)[0].shape == (50, 2, 3)


def test_equal_layer_sizes_enter_raw_unless_pca_always():
    """A single layer (or equal sizes), even wider than the training set, is not rotated or
    centred by default; ``pca="always"`` reduces it to the number of training clips."""
    rng = np.random.default_rng(2)
    layers = {"a": (0.4995 + 3e-5 * rng.standard_normal((40, 36))).astype(np.float32),
              "b": rng.standard_normal((40, 36)).astype(np.float32)}
    train = np.arange(20)
    for names in (["a"], ["a", "b"]):
        subset = {name: layers[name] for name in names}
        stacked, info = reduce_layers(subset, train)
        np.testing.assert_array_equal(stacked, np.stack(list(subset.values()), axis=1))
        assert info["reduced_layers"] == [] and info["target_dim"] == 36
    stacked, info = reduce_layers({"a": layers["a"]}, train, rule="always")
    assert stacked.shape == (40, 1, 20) and info["reduced_layers"] == ["a"]
    np.testing.assert_allclose(stacked[train, 0].mean(axis=0), 0.0, atol=1e-7)


def _planted(n=90, seed=0):
    rng = np.random.default_rng(seed)
    classes = np.arange(n) % 3
    signal = np.eye(3)[classes] @ rng.standard_normal((3, 6)) * 3
    layers = {"informative": (signal + rng.standard_normal((n, 6))).astype(np.float32),
              "noise": rng.standard_normal((n, 10)).astype(np.float32)}
    split_of = np.array([f"fold{i:02d}" for i in (np.arange(n) // 3) % 3])
    return layers, split_of, np.eye(3, dtype=np.float32)[classes]


@pytest.mark.slow
def test_protocol_is_reproducible_and_learns_planted_classes():
    layers, split_of, targets = _planted()
    folds = [Fold("fold00", ("fold02",), "fold01", "fold00"),
             Fold("fold01", ("fold00",), "fold02", "fold01"),
             Fold("fold02", ("fold01",), "fold00", "fold02")]
    kwargs = dict(settings=FAST, progress=False)
    first = run_protocol(layers, split_of, targets, folds, "multiclass", ["top1_acc", "mAP"], **kwargs)
    second = run_protocol(layers, split_of, targets, folds, "multiclass", ["top1_acc", "mAP"], **kwargs)
    assert first.per_fold == second.per_fold and first.grid == second.grid
    assert first.layer_weights == second.layer_weights and first.chosen == second.chosen
    assert len(first.grid) == 16 == len(DEFAULT_GRID)
    best = max(g["valid_score"] for g in first.grid)
    assert first.chosen["tied_at_best"] == [g["label"] for g in first.grid
                                            if g["valid_score"] == best]
    assert first.score == pytest.approx(np.mean(first.fold_scores)) and first.score > 0.9
    assert first.pca["target_dim"] == 6 and first.pca["reduced_layers"] == ["informative", "noise"]


FOLDS3 = [Fold("fold00", ("fold02",), "fold01", "fold00"),
          Fold("fold01", ("fold00",), "fold02", "fold01"),
          Fold("fold02", ("fold01",), "fold00", "fold02")]


def test_valid_loss_is_the_cross_entropy_of_the_kept_state():
    layers, split_of, targets = _planted()
    x, _ = reduce_layers(layers, np.flatnonzero(split_of == "fold02"))
    train, valid = split_of == "fold02", split_of == "fold01"
    probe = train_probe(x[train], targets[train], x[valid], targets[valid], config=DEFAULT_GRID[0],
                        prediction_type="multiclass", metric=m.top1_accuracy, settings=FAST)
    probabilities = probe.predict(x[valid])
    assert probe.valid_score == m.top1_accuracy(probabilities, targets[valid])
    assert probe.valid_loss == pytest.approx(
        log_loss(targets[valid].argmax(axis=1), probabilities, labels=[0, 1, 2]), rel=1e-6)


def test_ties_at_the_best_validation_score_go_to_the_lowest_validation_loss():
    """Validation accuracy saturates on planted data: several grid points tie at 1.0. The old
    rule (first in grid order) always took h1, lr 3.2e-3; the loss picks a different one."""
    layers, split_of, targets = _planted()
    args = (layers, split_of, targets, FOLDS3[:1], "multiclass", ["top1_acc"])
    by_loss = run_protocol(*args, settings=FAST, progress=False)
    by_order = run_protocol(*args, settings=FAST, progress=False,
                            options=ProtocolOptions(tie_break="grid-order"))
    assert by_loss.grid == by_order.grid  # the same probes; only the choice differs
    best = max(g["valid_score"] for g in by_loss.grid)
    tied = [g for g in by_loss.grid if g["valid_score"] == best]
    assert len(tied) > 1 and by_loss.chosen["tied_at_best"] == [g["label"] for g in tied]
    assert by_order.chosen["label"] == tied[0]["label"] == DEFAULT_GRID[0].label()
    assert by_loss.chosen["label"] == min(tied, key=lambda g: g["valid_loss"])["label"]
    assert by_loss.chosen["label"] != by_order.chosen["label"]


def test_grid_points_tries_a_seeded_random_subset_in_drawn_order():
    layers, split_of, targets = _planted()
    result = run_protocol(layers, split_of, targets, FOLDS3[:1], "multiclass", ["top1_acc"],
                          settings=FAST, progress=False, seed=5,
                          options=ProtocolOptions(grid_points=3))
    drawn = np.random.default_rng(5).permutation(16)[:3]
    assert [g["label"] for g in result.grid] == [DEFAULT_GRID[i].label() for i in drawn]
    assert grid_order(DEFAULT_GRID, 8, 5) != grid_order(DEFAULT_GRID, 8, 6)
    assert grid_order(DEFAULT_GRID, None, 5) == list(DEFAULT_GRID)


def test_per_fold_seeding_starts_every_probe_from_the_seed_per_task_draws_one_stream():
    layers, split_of, targets = _planted()
    grid = DEFAULT_GRID[:2]
    args = (layers, split_of, targets, FOLDS3, "multiclass", ["top1_acc"])
    per_fold = run_protocol(*args, grid=grid, settings=FAST, progress=False, seed=7)
    per_task = run_protocol(*args, grid=grid, settings=FAST, progress=False, seed=7,
                            options=ProtocolOptions(seeding="per-task"))
    train, valid = split_of == "fold02", split_of == "fold01"
    x, _ = reduce_layers(layers, np.flatnonzero(train))
    data = dict(x_train=x[train], y_train=targets[train], x_valid=x[valid], y_valid=targets[valid],
                prediction_type="multiclass", metric=m.top1_accuracy, settings=FAST)
    with torch_threads(1):
        alone = train_probe(config=grid[1], seed=7, **data)
        with seeded_stream(7) as stream:
            streamed = [train_probe(config=config, randomness=stream, **data) for config in grid]
    assert per_fold.grid[1] == alone.summary()
    assert per_task.grid == [probe.summary() for probe in streamed]
    assert per_task.grid[1] != per_fold.grid[1]


def test_fold_order_metadata_or_sorted(tmp_path):
    root, _ = write_tones_task(tmp_path / "tones", nfolds=3, per_split=3)
    meta = json.loads((root / "task_metadata.json").read_text())
    meta["splits"] = ["fold02", "fold00", "fold01"]
    (root / "task_metadata.json").write_text(json.dumps(meta))
    bench = HEARTaskBenchmark("task:tones", root)
    assert [(f.test, f.valid) for f in bench.folds()] == [
        ("fold02", "fold00"), ("fold00", "fold01"), ("fold01", "fold02")]
    bench.options = ProtocolOptions(fold_order="sorted")
    assert [(f.test, f.valid) for f in bench.folds()] == [
        ("fold00", "fold01"), ("fold01", "fold02"), ("fold02", "fold00")]
    assert bench.parameters()["fold_order"] == "sorted"
    assert bench.parameters()["folds"][0] == "test fold00, valid fold01, train fold02"


def test_error_kinds():
    folds, seeds = [0.5, 0.7, 0.9], [0.6, 0.8]
    assert spread("se-folds", folds, seeds) == pytest.approx(0.2 / np.sqrt(3))
    assert spread("sd-folds", folds, seeds) == pytest.approx(0.2)
    assert spread("sd-seeds", folds, seeds) == pytest.approx(np.sqrt(0.02))
    assert spread("se-folds", [0.5], seeds) is None and spread("sd-seeds", folds, [0.6]) is None
    with pytest.raises(ValueError, match="error='sd'; expected one of se-folds"):
        ProtocolOptions(error="sd")


def test_probe_seeds_average_whole_runs_of_the_protocol(tmp_path):
    root, _ = write_tones_task(tmp_path / "tones", nfolds=3, per_split=6)
    rng = np.random.default_rng(0)
    bench = HEARTaskBenchmark("task:tones", root, grid=DEFAULT_GRID[:2], settings=FAST, seed=3,
                              options=ProtocolOptions(probe_seeds=2, error="sd-seeds"))
    ids = bench.stimulus_set.ids
    signal = bench.targets() @ rng.standard_normal((3, 8))
    activations = StimulusActivations(ids, {"x": (signal + rng.standard_normal((len(ids), 8))
                                                  ).astype(np.float32)}, "mean")
    score = bench(activations)
    singles = []
    for seed in (3, 4):
        bench.seed, bench.options = seed, ProtocolOptions()
        singles.append(bench(activations))
    assert [s["score"] for s in score.details["per_seed"]] == [s.raw for s in singles]
    assert [s["seed"] for s in score.details["per_seed"]] == [3, 4]
    assert score.raw == pytest.approx(np.mean([s.raw for s in singles]))
    assert score.error == pytest.approx(np.std([s.raw for s in singles], ddof=1))
    assert score.details["seed_sd"] == score.error
    for fold, values in score.details["per_fold"].items():
        assert values["top1_acc"] == pytest.approx(
            np.mean([s.details["per_fold"][fold]["top1_acc"] for s in singles]))
    assert singles[0].error == pytest.approx(  # default: SE over the folds
        np.std(list(singles[0].details["per_seed"][0]["per_fold"].values()), ddof=1) / np.sqrt(3))


def test_multilabel_probe():
    layers, split_of, targets = _planted(seed=3)
    multi = np.clip(targets + np.roll(targets, 1, axis=1), 0, 1)  # two labels per clip
    folds = [Fold("fold00", ("fold02",), "fold01", "fold00")]
    result = run_protocol(layers, split_of, multi, folds, "multilabel", ["mAP", "d_prime"],
                          grid=DEFAULT_GRID[:2], settings=FAST, progress=False)
    assert result.per_fold["fold00"]["mAP"] > 0.9 and result.primary_metric == "mAP"


def _record(model, benchmark, raw, parameters):
    return ScoreRecord(
        benchmark=BenchmarkRef(id=benchmark, version=1), model=ModelRef(id=model, version="1"),
        stimulus_set=StimulusSetRef(id=benchmark, fingerprint="0", n_stimuli=1), raw=raw,
        pooling="mean", parameters=parameters,
        provenance=Provenance(package_version="0", git_commit=None, platform="test", device="cpu",
                              timestamp=datetime.now(timezone.utc), wall_time_s=0.0))


def planted_board(n_models=8, seed=0):
    """Six HEAR tasks + two brain benchmarks; brain scores follow the planted overall."""
    rng = np.random.default_rng(seed)
    quality = np.linspace(-1.5, 1.5, n_models)
    records, raw = [], {}
    for t in range(6):
        scores = 0.5 + 0.1 * quality + 0.02 * rng.standard_normal(n_models)
        for i in range(n_models):
            raw[f"hear.t{t}", f"m{i}"] = scores[i]
            records.append(_record(f"m{i}", f"hear.t{t}", scores[i],
                                   {"protocol": "hear-mlp-probe", "suite": "hear"}))
    for name, slope in (("nh2015.voxel-ridge", 0.05), ("b2021.rsa", -0.02)):
        for i in range(n_models):
            value = 0.3 + slope * quality[i] + 0.01 * rng.standard_normal()
            raw[name, f"m{i}"] = value
            records.append(_record(f"m{i}", name, value, {"alpha_grid": [1.0]}))
    records.append(_record("m-partial", "hear.t0", 0.9, {"protocol": "hear-mlp-probe", "suite": "hear"}))
    return leaderboard.build(records), raw


def test_zscored_overall_is_recomputed_at_build():
    board, raw = planted_board()
    overall = board.aggregates["downstream-overall"]
    z = []
    for t in range(6):
        population = [raw[f"hear.t{t}", f"m{j}"] for j in range(8)] + ([0.9] if t == 0 else [])
        z.append([(raw[f"hear.t{t}", f"m{i}"] - np.mean(population)) / np.std(population)
                  for i in range(8)])
    for i in range(8):
        assert overall[f"m{i}@1"] == pytest.approx(np.mean([row[i] for row in z]))
    assert overall["m-partial@1"] is None  # has one of the six tasks only
    assert board.aggregates["downstream-overall-mini"] == {}
    assert zscore_overall({"a": {"x": 1.0, "y": 1.0}}) == {"x": 0.0, "y": 0.0}


def test_brain_vs_downstream_on_planted_leaderboard(tmp_path, capsys):
    board, raw = planted_board()
    result = analyse(board)
    overall = board.aggregates["downstream-overall"]  # keyed by model key (<id>@<version>)
    models = [f"m{i}" for i in range(8)]
    by_name = {c.y_name: c for c in result.overall_vs_brain}
    for name in ("nh2015.voxel-ridge", "b2021.rsa"):
        expected = stats.pearsonr([overall[f"{mm}@1"] for mm in models],
                                  [raw[name, mm] for mm in models])
        assert by_name[name].r == pytest.approx(expected.statistic)
        assert by_name[name].p == pytest.approx(expected.pvalue)
    assert by_name["nh2015.voxel-ridge"].r > 0.9 and by_name["b2021.rsa"].r < -0.5
    subset = {c.y_name: c for c in result.overall_vs_brain_subset}["nh2015.voxel-ridge"]
    assert subset.models == [f"{mm}@1" for mm in models if overall[f"{mm}@1"] > -0.75]
    assert len(result.task_vs_brain) == 12
    path = tmp_path / "lb.json"
    leaderboard.save(board, path)
    from brainscore_audio.cli import main

    png = tmp_path / "fig.png"
    assert main(["analyze", "brain-vs-downstream", str(path), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "nh2015.voxel-ridge" in out and f"{by_name['nh2015.voxel-ridge'].r:.3f}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Pearson r" in tables(result) and plot(result, tmp_path / "b.png").is_file()


def test_analysis_without_downstream_scores_is_a_user_error(tmp_path):
    board = leaderboard.build([_record("a", "nh2015.voxel-ridge", 0.1, {})])
    with pytest.raises(UserError, match="no model with every downstream task"):
        analyse(board)


@pytest.mark.slow
def test_cli_task_dir_writes_a_record(tmp_path, capsys):
    from brainscore_audio.cli import main
    from brainscore_audio.records import read_record

    root, _ = write_tones_task(tmp_path / "tones", mode="trainvaltest", per_split=6)
    out = tmp_path / "out"
    assert main(["run", "--model", "logmel", "--task-dir", str(root), "--output", str(out),
                 "--quiet"]) == 0
    (path,) = out.glob("*.json")
    record = read_record(path)
    assert record.benchmark.id == "task:tones" and record.parameters["suite"] == "custom"
    assert len(record.details["grid"]) == 16 and set(record.details["per_fold"]) == {"test"}
    assert record.raw == record.details["per_fold"]["test"]["top1_acc"]
    other = write_tones_task(tmp_path / "tones2", mode="trainvaltest", per_split=3)[0]
    assert main(["run", "--model", "logmel", "--task-dir", str(root), str(other),
                 "--output", str(out)]) == 2
    assert "same task_name" in capsys.readouterr().err


def test_runner_hands_the_device_to_benchmarks(tmp_path, monkeypatch):
    from brainscore_audio import runner
    from brainscore_audio.executors import jobs

    root, _ = write_tones_task(tmp_path / "tones", mode="trainvaltest", per_split=3)
    seen = []
    original = HEARTaskBenchmark.__call__

    def spy(self, activations):
        seen.append(self.device)
        raise UserError("stop here")

    monkeypatch.setattr(HEARTaskBenchmark, "__call__", spy)
    monkeypatch.setattr(runner, "check_device", lambda device: device)  # no GPU here
    monkeypatch.setattr(jobs, "check_device", lambda device: device)
    with pytest.raises(UserError, match="stop here"):
        runner.run_models(["logmel"], [f"task:{root}"], tmp_path / "out", device="cuda:3",
                          progress=False)
    assert seen == ["cuda:3"] and original is not spy
