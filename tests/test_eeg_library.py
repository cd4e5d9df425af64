"""The EEG library: preprocessing, sentences and TextGrids, frame alignment, scoring (checked
cell by cell and on planted ground truth), permutation tests, prosody and metric agreement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from scipy import signal
from scipy.stats import rankdata, spearmanr

from brainscore_audio.activations import StimulusActivations
from brainscore_audio.eeg import EEGDataset, PreprocessingConfig, RawRecording, Sentence
from brainscore_audio.eeg.agreement import agreement, kendalls_w
from brainscore_audio.eeg.benchmark import EEGSimilarityBenchmark
from brainscore_audio.eeg.geometry import (
    DEFAULT_WINDOWS,
    NAMED_WINDOWS,
    Window,
    eeg_at_frames,
    pca_features,
    sliding_windows,
    zscore_columns,
)
from brainscore_audio.eeg.permutation import fdr_bh, permutation_test
from brainscore_audio.eeg.positions import montage_positions, scalp_coordinates
from brainscore_audio.eeg.preprocessing import detect_bad_channels, preprocess
from brainscore_audio.eeg.prosody import (
    f0_autocorrelation,
    partial_correlation,
    prosody_analysis,
    prosody_features,
    tnc,
)
from brainscore_audio.eeg.scoring import prepare_model_side, score_table
from brainscore_audio.eeg.sentences import (
    Word,
    read_textgrid,
    sentences_from_pauses,
    words_from_textgrid,
)
from brainscore_audio.errors import UserError
from brainscore_audio.metrics.similarity import EIGHT, SIMILARITY_METRICS

SFREQ = 250.0


# ----------------------------------------------------------------------------- preprocessing

def _gain(config, frequency, sfreq=SFREQ, seconds=40.0):
    from brainscore_audio.eeg.preprocessing import band_pass, notch

    t = np.arange(int(seconds * sfreq)) / sfreq
    x = np.sin(2 * np.pi * frequency * t)
    y = notch(band_pass(x[None], sfreq, config), sfreq, config)[0]
    middle = slice(len(t) // 4, 3 * len(t) // 4)
    return y[middle].std() / x[middle].std()


def test_band_pass_and_notch_frequency_response():
    config = PreprocessingConfig(notch_hz=50.0)
    assert _gain(config, 10.0) == pytest.approx(1.0, abs=0.01)
    assert _gain(config, 0.05) < 0.01  # below the 0.5 Hz edge
    assert _gain(config, 80.0) < 0.01  # above 40 Hz
    assert _gain(config, 50.0) < 0.01  # mains
    sos = signal.butter(4, [0.5, 40.0], "bandpass", fs=SFREQ, output="sos")
    assert sos.shape == (4, 6)  # order 4 per edge, as recorded in parameters()
    assert "butter(4, [0.5, 40.0]" in config.parameters()["band_pass"]


def _scalp_field(rng, positions, n):
    """EEG whose channels are a smooth function of position (a few dipole-like sources)."""
    sources = rng.normal(size=(3, n)).cumsum(axis=1)
    sources -= sources.mean(axis=1, keepdims=True)
    centres = rng.normal(size=(3, 3)) * 0.03 + np.array([0, 0, 0.08])
    weights = np.exp(-((positions[:, None, :] - centres[None]) ** 2).sum(-1) / (2 * 0.05**2))
    return weights @ sources + 0.01 * rng.normal(size=(len(positions), n))


def test_bad_channels_are_detected_interpolated_and_referenced(rng):
    names = [f"{bank}{i}" for bank in "ABCD" for i in range(1, 33)]
    positions = montage_positions(names, "biosemi128")
    data = _scalp_field(rng, positions, 5000)
    truth = data.copy()
    data[names.index("A3")] = 0.0
    data[names.index("B5")] *= 30.0
    data[names.index("C7")] = rng.normal(size=5000) * data[names.index("C7")].std()
    config = PreprocessingConfig(l_freq=0.5, h_freq=40.0, notch_hz=None)
    result = preprocess(data, SFREQ, names, config, positions, marked_bad=["D1"])
    assert result.bad_channels == {"A3": "flat", "B5": "std-z", "C7": "low-correlation",
                                   "D1": "marked"}
    assert set(result.action.values()) == {"interpolated"}
    assert np.allclose(np.nanmean(result.data, axis=0), 0.0, atol=1e-5)  # average reference
    from brainscore_audio.eeg.preprocessing import band_pass

    filtered_truth = band_pass(truth, SFREQ, config)
    reference = filtered_truth - filtered_truth.mean(axis=0)
    for name in ("A3", "B5", "C7"):  # spherical splines recover the smooth field
        r = np.corrcoef(result.data[names.index(name)], reference[names.index(name)])[0, 1]
        assert r > 0.9, name
    dropped = preprocess(data, SFREQ, names, PreprocessingConfig(
        notch_hz=None, bad_channel_action="drop"), positions)
    assert np.all(np.isnan(dropped.data[names.index("A3")]))
    assert np.allclose(np.nanmean(dropped.data, axis=0), 0.0, atol=1e-5)
    assert detect_bad_channels(filtered_truth, names, config) == {}


# ----------------------------------------------------------------------------- sentences

SHORT_TEXTGRID = '''File type = "ooTextFile"
Object class = "TextGrid"

0
3
<exists>
2
"IntervalTier"
"phones"
0
3
1
0
3
"x"
"IntervalTier"
"words"
0
3
5
0
0.5
""
0.5
1.0
"the"
1.0
1.3
"sp"
1.3
2.0
"old ""man"""
2.0
3
""
'''


def test_textgrid_short_and_long_formats(tmp_path):
    from brainscore_audio_benchmarks.broderick2018.fixture import write_textgrid

    short = tmp_path / "short.TextGrid"
    short.write_text(SHORT_TEXTGRID)
    long = tmp_path / "long.TextGrid"
    write_textgrid(long, [("the", 0.5, 1.0), ('old "man"', 1.3, 2.0)], 3.0)
    assert read_textgrid(short)["phones"] == [(0.0, 3.0, "x")]
    for path in (short, long):
        words = words_from_textgrid(path)
        assert [(w.text, w.onset, w.offset) for w in words] == [("the", 0.5, 1.0),
                                                                ('old "man"', 1.3, 2.0)]
    (tmp_path / "bad.TextGrid").write_text("hello")
    with pytest.raises(UserError, match="bad.TextGrid: not a Praat TextGrid"):
        read_textgrid(tmp_path / "bad.TextGrid")


def test_sentences_from_pauses():
    words = [Word("a", 0.0, 0.3), Word("b", 0.35, 0.6), Word("c", 1.2, 1.5), Word("d", 1.6, 1.9)]
    groups = sentences_from_pauses(words, pause_s=0.5)
    assert [[w.text for w in g] for g in groups] == [["a", "b"], ["c", "d"]]
    assert len(sentences_from_pauses(words, pause_s=0.7)) == 1


# ----------------------------------------------------------------------------- geometry

def test_windows_and_frame_selection():
    sliding = sliding_windows()
    assert len(sliding) == 16 and sliding[0].name == "0-250" and sliding[-1].name == "750-1000"
    assert [w.name for w in NAMED_WINDOWS] == ["N100", "P200", "N200", "P300", "N400", "P600"]
    assert len(DEFAULT_WINDOWS) == 22
    assert Window("x", 250, 500).frames(0.01, 1000).tolist() == list(range(25, 50))
    assert Window("x", 250, 500).frames(0.02, 30).tolist() == list(range(13, 25))
    assert Window("x", 80, 150).frames(0.02, 100).tolist() == [4, 5, 6, 7]


def test_eeg_interpolation_is_exact_on_linear_signals():
    sfreq = 500.0
    k = np.arange(600)
    lead = -0.0013
    eeg = np.vstack([3.0 * (lead + k / sfreq) + 1.0, np.full(600, 2.0)])
    times = np.arange(50) * 0.02
    frames = eeg_at_frames(eeg, sfreq, lead, times)
    assert frames.shape == (50, 2)
    assert np.allclose(frames[:, 0], 3.0 * times + 1.0)
    z = zscore_columns(frames)
    assert np.allclose(z[:, 0].mean(), 0) and np.allclose(z[:, 0].std(), 1) and np.all(z[:, 1] == 0)


def test_pca_features_match_sklearn(rng):
    from sklearn.decomposition import PCA

    for n, d in ((40, 100), (120, 30), (15, 8)):
        x = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
        ours = pca_features(x, 20)
        k = min(20, n, d)
        theirs = PCA(k).fit_transform(x)
        assert ours.shape == (n, k)
        assert np.allclose(ours.std(axis=0), 1.0) and np.allclose(ours.mean(axis=0), 0.0)
        for i in range(k):
            assert abs(np.corrcoef(ours[:, i], theirs[:, i])[0, 1]) == pytest.approx(1.0, abs=1e-6)
        assert np.array_equal(ours, pca_features(x.copy(), 20))


# ----------------------------------------------------------------------------- scoring

def _synthetic_dataset(tmp_path: Path, rng, n_subjects=3, n_sentences=5, hop=0.01,
                       signal_gain=1.0):
    """An in-memory data set whose EEG is a noisy linear read-out of a known feature sequence
    (the 'planted' layer) at the frame times; audio is noise (only its length matters)."""
    sfreq, rate = 200.0, 8000
    durations = rng.uniform(1.2, 1.8, n_sentences)
    audio_parts, sentences, planted = [], [], []
    t = 0.2
    for i, duration in enumerate(durations):
        sentences.append(Sentence(f"syn-s{i:03d}", "a", t, t + duration, [], i + 1))
        frames = int(duration / hop)
        planted.append(np.cumsum(rng.normal(size=(frames, 6)), axis=0) * 0.3)
        t += duration + 0.5
    audio = (0.1 * rng.normal(size=int((t + 0.5) * rate))).clip(-1, 1).astype(np.float32)
    soundfile.write(tmp_path / "a.wav", audio, rate)
    del audio_parts
    channels = [f"E{i}" for i in range(8)]
    mixing = rng.normal(size=(6, len(channels)))

    def read_subject(subject):  # deterministic per subject (it is read more than once)
        n = int((t + 1.0) * sfreq)
        eeg = 0.05 * np.random.default_rng(int(subject[1:])).normal(size=(len(channels), n))
        for sentence, features in zip(sentences, planted, strict=True):
            frame_times = sentence.onset + np.arange(len(features)) * hop
            samples = np.arange(n) / sfreq
            inside = (samples >= frame_times[0]) & (samples <= frame_times[-1])
            for c in range(len(channels)):
                eeg[c, inside] += signal_gain * np.interp(samples[inside], frame_times,
                                                          features @ mixing[:, c])
        return [RawRecording(subject, eeg, sfreq, channels, {"a": 0.0})]

    dataset = EEGDataset("syn", sentences, {"a": tmp_path / "a.wav"},
                         [f"P{i}" for i in range(n_subjects)], read_subject, channels, None,
                         PreprocessingConfig(l_freq=0.1, h_freq=40.0, notch_hz=None,
                                             min_correlation_with_average=-1.0,
                                             std_z_threshold=100.0))
    activations = StimulusActivations(
        [s.id for s in sentences],
        {"planted": [f @ rng.normal(size=(6, 32)) for f in planted],
         "noise": [rng.normal(size=(len(f), 32)) for f in planted]},
        pooling="none", hop_seconds={"planted": hop, "noise": hop}, model_id="syn")
    return dataset, activations


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    rng = np.random.default_rng(7)
    return _synthetic_dataset(tmp_path_factory.mktemp("syn"), rng)


def test_every_metric_ranks_the_planted_layer_first(synthetic):
    dataset, activations = synthetic
    for metric in EIGHT:
        benchmark = EEGSimilarityBenchmark(f"syn.{metric}", metric, lambda: dataset)
        score = benchmark(activations)
        assert score.chosen_layers == ["planted"], metric
        planted, noise = score.per_layer["planted"], score.per_layer["noise"]
        if metric == "hsic-rbf":  # not normalised: compare as a ratio
            assert planted > 3 * abs(noise), metric
        else:
            assert planted > noise + 0.05, metric
        layer_map = score.details["layer_by_window"]
        assert np.array(layer_map["values"]).shape == (2, 22)
        assert layer_map["windows"][5] == "250-500" and layer_map["window_bounds_ms"][5] == [250, 500]
        assert score.raw == pytest.approx(layer_map["values"][0][5])
        assert set(score.per_subject) == {"P0", "P1", "P2"}
        assert len(score.details["per_channel"]["values"]) == 8
        assert score.details["per_channel"]["positions"] is None


def test_score_cells_match_a_direct_computation(synthetic):
    """One (layer, window, subject, sentence) cell recomputed from scratch with the per-pair
    metric functions: checks batching, window selection, PCA and alignment together."""
    dataset, activations = synthetic
    model = prepare_model_side(activations, dataset, DEFAULT_WINDOWS, 20)
    eeg = dataset.subject_eeg("P1")
    for metric in ("rsa-kendall", "cka-rbf", "dcor"):
        table = score_table(metric, model, dataset, DEFAULT_WINDOWS)
        for layer_index, layer in enumerate(("planted", "noise")):
            for w in (5, 21):
                for s in (0, 3):
                    window = DEFAULT_WINDOWS[w]
                    features = pca_features(activations.layers[layer][s], 20)
                    frames = window.frames(0.01, len(features))
                    times = np.arange(len(features)) * 0.01
                    y = zscore_columns(eeg_at_frames(eeg.sentences[s], eeg.sfreq, eeg.lead_s[s],
                                                     times))
                    expected = SIMILARITY_METRICS[metric](features[frames], y[frames])
                    assert table.values[layer_index, w, 1, s] == pytest.approx(expected, abs=1e-5)


def test_benchmark_rejects_pooled_or_misordered_activations(synthetic):
    dataset, activations = synthetic
    benchmark = EEGSimilarityBenchmark("syn.cka-linear", "cka-linear", lambda: dataset)
    pooled = StimulusActivations(activations.stimulus_ids, {"x": np.zeros((5, 3))}, "mean")
    with pytest.raises(UserError, match="framed activations"):
        benchmark(pooled)
    shuffled = StimulusActivations(activations.stimulus_ids[::-1], activations.layers, "none")
    with pytest.raises(UserError, match="not in the order"):
        benchmark(shuffled)
    with pytest.raises(ValueError, match="metric must be one of"):
        EEGSimilarityBenchmark("syn.x", "cosine", lambda: dataset)


def test_a_constant_layer_is_nan_with_its_reason_and_never_the_best(synthetic):
    """Issue 11 item 2: a layer that is constant within every sentence has no defined score in
    any metric (NaN, not 0), says why, and is never chosen, even over a negative layer."""
    dataset, activations = synthetic
    constant = [np.full_like(f, 0.7) for f in activations.layers["noise"]]
    layers = {"constant": constant, "noise": activations.layers["noise"]}
    mixed = StimulusActivations(activations.stimulus_ids, layers, "none",
                                dict.fromkeys(layers, 0.01), model_id="syn")
    for metric in ("rsa-spearman", "hsic-rbf"):
        score = EEGSimilarityBenchmark(f"syn.{metric}", metric, lambda: dataset)(mixed)
        assert np.isnan(score.per_layer["constant"]) and score.chosen_layers == ["noise"]
        assert score.details["layer_problems"] == {
            "constant": "constant over the frames of every sentence (no principal component)"}
    only = StimulusActivations(activations.stimulus_ids, {"constant": constant}, "none",
                               {"constant": 0.01}, model_id="syn")
    score = EEGSimilarityBenchmark("syn.cka-linear", "cka-linear", lambda: dataset)(only)
    assert np.isnan(score.raw) and score.chosen_layers == []
    assert score.details["raw_undefined"].startswith("no layer has a defined score: constant:")


# ----------------------------------------------------------------------------- analyses

def test_fdr_bh_matches_the_definition():
    p = np.array([0.01, 0.04, 0.03, 0.5, np.nan])
    q = fdr_bh(p)
    # sorted: 0.01, 0.03, 0.04, 0.5 -> p * m / rank = 0.04, 0.06, 0.0533, 0.5 -> cummin from top
    assert np.allclose(q[:4], [0.04, 0.0533333, 0.0533333, 0.5], atol=1e-6)
    assert np.isnan(q[4])


def test_permutation_test_separates_planted_from_noise(synthetic):
    dataset, activations = synthetic
    model = prepare_model_side(activations, dataset, DEFAULT_WINDOWS, 20)
    windows = [DEFAULT_WINDOWS[5], DEFAULT_WINDOWS[12]]
    planted = permutation_test("cka-linear", model, dataset, "planted", windows, 99, seed=1)
    noise = permutation_test("cka-linear", model, dataset, "noise", windows, 99, seed=1)
    assert all(t.p == pytest.approx(0.01) for t in planted)  # nothing in the null beats it
    assert all(t.p > 0.05 for t in noise)
    assert all(t.q >= t.p for t in planted + noise)
    again = permutation_test("cka-linear", model, dataset, "noise", windows, 99, seed=1)
    assert [t.p for t in again] == [t.p for t in noise]


def test_prosody_features_of_known_signals():
    rate = 16000
    t = np.arange(rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 200 * t)
    assert f0_autocorrelation(tone[:640], rate) == pytest.approx(200.0, rel=0.01)
    assert f0_autocorrelation(np.random.default_rng(0).normal(size=640), rate) == 0.0
    features = prosody_features(tone, rate, np.array([0.1, 0.5]))
    f0, energy, zcr, centroid, bandwidth, rolloff = features[0]
    assert f0 == pytest.approx(200, rel=0.01)
    assert energy == pytest.approx(0.5 / np.sqrt(2), rel=0.02)
    assert zcr == pytest.approx(2 * 200 / rate, abs=2 / 640)  # 15 or 16 crossings
    assert centroid == pytest.approx(200, abs=30) and rolloff == pytest.approx(200, abs=30)
    assert bandwidth < 60


def test_partial_correlation_equals_correlation_of_residuals(rng):
    z = rng.normal(size=200)
    x = z + rng.normal(size=200)
    y = 0.5 * z + 0.3 * x + rng.normal(size=200)
    rx, ry, rz = rankdata(x), rankdata(y), rankdata(z)
    residual = lambda a: a - np.polyval(np.polyfit(rz, a, 1), rz)  # noqa: E731
    expected = np.corrcoef(residual(rx), residual(ry))[0, 1]
    r = lambda a, b: spearmanr(a, b).statistic  # noqa: E731
    assert partial_correlation(r(x, y), r(x, z), r(y, z)) == pytest.approx(expected, abs=1e-10)
    assert tnc(0.1, 0.4) == pytest.approx(1 - 0.01 / 0.16)


@pytest.mark.parametrize("r_xz,r_yz", [(1.0, 0.3), (0.3, -1.0), (1.0, 1.0)])
def test_partial_correlation_is_nan_when_the_control_explains_a_side_fully(r_xz, r_yz):
    """Issue 14 item 2: with |r| = 1 between a side and the control the partial correlation is
    undefined: NaN (it was +-inf), and so is TNC."""
    value = partial_correlation(np.array([0.5]), np.array([r_xz]), np.array([r_yz]))
    assert np.isnan(value[0])
    assert np.isnan(tnc(float(value[0]), 0.5))


def test_prosody_analysis_runs_on_the_synthetic_set(synthetic):
    dataset, activations = synthetic
    model = prepare_model_side(activations, dataset, DEFAULT_WINDOWS, 20)
    result = prosody_analysis(model, dataset, "planted", DEFAULT_WINDOWS[:6])
    assert set(result.groups) == {"all", "high-arousal", "low-arousal"}
    assert len(result.groups["high-arousal"]) + len(result.groups["low-arousal"]) == 5
    row = result.table["all"][5]
    assert row["window"] == "250-500" and row["n_sentences"] == 5
    assert -1 <= row["r_prosody_eeg"] <= 1 and np.isfinite(row["partial_r"])


def test_kendalls_w_and_agreement():
    assert kendalls_w(np.array([[1, 2, 3, 4]] * 5)) == pytest.approx(1.0)
    assert kendalls_w(np.array([[1, 2, 3, 4], [4, 3, 2, 1]])) == pytest.approx(0.0)
    # tie-corrected W against its definition for a small table
    ranks = np.array([[1, 2.5, 2.5, 4], [2, 1, 3, 4], [1, 2, 4, 3]])
    s = ((ranks.sum(0) - ranks.sum(0).mean()) ** 2).sum()
    expected = 12 * s / (9 * (64 - 4) - 3 * (2**3 - 2))
    assert kendalls_w(ranks) == pytest.approx(expected)
    table = {m: {"a": 0.1, "b": 0.2, "c": 0.3} for m in EIGHT}
    table["dcor"] = {"a": 0.3, "b": 0.2, "c": 0.1}
    result = agreement("x", table)
    assert result.models == ["a", "b", "c"]
    i, j = result.metrics.index("dcor"), result.metrics.index("rv")
    assert result.spearman[i, j] == pytest.approx(-1.0) and result.spearman[j, j] == 1.0


def test_scalp_coordinates_put_the_vertex_at_the_centre():
    names = ["Cz", "Fz", "Pz", "T7", "T8", "Oz", "Fpz"]  # biosemi64 names
    positions = montage_positions(names, "biosemi64")
    xy = scalp_coordinates(positions)
    assert np.linalg.norm(xy[0]) < 0.1  # Cz
    assert xy[1, 1] > 0 > xy[2, 1]  # Fz anterior, Pz posterior
    assert xy[3, 0] < 0 < xy[4, 0]  # T7 left, T8 right


def _record(model: str, benchmark: str, raw: float):
    from datetime import datetime, timezone

    from brainscore_audio.records import (
        BenchmarkRef,
        ModelRef,
        Provenance,
        ScoreRecord,
        StimulusSetRef,
    )

    return ScoreRecord(
        benchmark=BenchmarkRef(id=benchmark, version=1), model=ModelRef(id=model, version="1"),
        stimulus_set=StimulusSetRef(id="alice2019", fingerprint="x", n_stimuli=84), raw=raw,
        pooling="none", provenance=Provenance(
            package_version="0", git_commit=None, platform="test", device="cpu",
            timestamp=datetime.now(timezone.utc), wall_time_s=0.0))


def test_metric_agreement_cli_from_records_and_a_leaderboard(tmp_path, capsys):
    from brainscore_audio.cli import main
    from brainscore_audio.records import write_record

    scores = tmp_path / "scores"
    for m, model in enumerate(["m1", "m2", "m3", "m4"]):
        for k, metric in enumerate(EIGHT):
            # every metric ranks m1 < m2 < m3 < m4, except dcor, which swaps m1 and m2
            value = (m if metric != "dcor" else [1, 0, 2, 3][m]) + 0.1 * k
            write_record(_record(model, f"alice2019.{metric}", value), scores)
    write_record(_record("m1", "demo.rsa", 0.5), scores)  # not an EEG metric: ignored
    out = tmp_path / "agreement.json"
    assert main(["analyze", "metric-agreement", "--scores", str(scores), "--output", str(out)]) == 0
    result = json.loads(out.read_text())["alice2019"]
    assert result["models"] == ["m1", "m2", "m3", "m4"] and len(result["metrics"]) == 8
    rho = np.array(result["spearman"])
    i, j = result["metrics"].index("dcor"), result["metrics"].index("rv")
    assert rho[i, j] == pytest.approx(spearmanr([1, 0, 2, 3], [0, 1, 2, 3]).statistic)
    assert 0.9 < result["kendalls_w"] < 1.0
    assert "rv and cka-linear are the same number" in capsys.readouterr().out
    board = tmp_path / "lb.json"
    assert main(["leaderboard", "build", "--scores", str(scores), "--output", str(board)]) == 0
    assert main(["analyze", "metric-agreement", "--leaderboard", str(board), "--dataset",
                 "alice2019"]) == 0
    assert "Kendall's W = " in capsys.readouterr().out
    assert main(["analyze", "metric-agreement", "--scores", str(scores), "--dataset", "nope"]) == 2
    assert "no records of EEG metric benchmarks" in capsys.readouterr().err
