"""The toolkit-compatible EEG protocol (Yang et al.'s public toolkit): each convention on small
hand-computed cases written from the toolkit's definitions, and whole benchmarks recomputed cell by
cell from the preprocessed EEG with scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from scipy.spatial.distance import pdist
from scipy.stats import spearmanr

from brainscore_audio.activations import StimulusActivations
from brainscore_audio.eeg import EEGDataset, PreprocessingConfig, RawRecording, Sentence
from brainscore_audio.eeg.benchmark import EEGSimilarityBenchmark
from brainscore_audio.eeg.geometry import DEFAULT_WINDOWS, NAMED_WINDOWS, Window, pca_features
from brainscore_audio.eeg.toolkit import (
    eeg_length,
    embed_scaled,
    lower_median_bandwidth,
    prepare_model_side,
    resample_half_sample,
    score_table,
    toolkit_pca,
    toolkit_pcas,
    window_frame_bounds,
)
from brainscore_audio.eeg.toolkit_prosody import (
    toolkit_partial,
    toolkit_prosody_analysis,
    toolkit_tnc,
)
from brainscore_audio.metrics.similarity import EIGHT, SIMILARITY_METRICS

WINDOW = {w.name: w for w in DEFAULT_WINDOWS}


# ----------------------------------------------------------------------------- conventions

def test_window_frames_are_int_truncations_of_start_and_end():
    # 250-500 ms at 50 frames/s: int(12.5) = 12 to int(25.0) = 25, 13 frames; the default
    # protocol takes the frames with 250 <= t < 500 ms: 13..24, 12 frames
    assert window_frame_bounds(WINDOW["250-500"], 50.0) == (12, 25)
    assert WINDOW["250-500"].frame_range(0.02) == (13, 25)
    assert window_frame_bounds(WINDOW["N400"], 50.0) == (15, 25)
    assert window_frame_bounds(WINDOW["N100"], 50.0) == (4, 7)  # 80-150 ms: int(7.5) = 7
    assert window_frame_bounds(WINDOW["N100"], 25.0) == (2, 3)  # one frame: scored 0


def test_half_sample_resampling_by_hand():
    ten = np.arange(10.0)[None] * 10  # 0, 10, ..., 90
    # 10 samples to 2 frames: read at (j + 0.5) * 5 - 0.5 = 2 and 7
    assert resample_half_sample(ten, 2).tolist() == [[20.0, 70.0]]
    # 500 Hz to 50 frames/s: frame j is halfway between samples 10j + 4 and 10j + 5, i.e.
    # 9 ms after the frame time 20j ms that the default protocol interpolates at
    ramp = np.arange(100.0)[None]
    assert np.allclose(resample_half_sample(ramp, 10)[0], np.arange(10) * 10 + 4.5)
    # up-sampling 3 -> 5: positions -0.2 (clamped to 0), 0.4, 1.0, 1.6, 2.2 (past the end)
    assert np.allclose(resample_half_sample(np.array([[0.0, 10.0, 30.0]]), 5)[0],
                       [0.0, 4.0, 10.0, 22.0, 30.0])


def test_half_sample_resampling_equals_torch_interpolate(rng):
    for samples, n in ((100, 10), (128, 13), (37, 11), (5, 9), (1, 4)):
        x = rng.normal(size=(3, samples))
        theirs = torch.nn.functional.interpolate(torch.as_tensor(x)[None], size=n, mode="linear",
                                                 align_corners=False)[0].numpy()
        assert np.allclose(resample_half_sample(x, n), theirs, atol=1e-12), (samples, n)


def test_toolkit_pca_few_dimensions_are_only_zscored():
    x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 7.0]])
    out = toolkit_pca(x, 20)
    # (x - mean) / (std with n - 1 + 1e-9): column 0 has std 1, column 1 std 2/sqrt(3)
    assert np.allclose(out[:, 0], [-1.0, 0.0, 1.0], atol=1e-6)
    assert np.allclose(out[:, 1], [-0.57735, -0.57735, 1.154701], atol=1e-5)


def test_toolkit_pca_keeps_components_beyond_the_rank_and_svd_signs(rng):
    x = rng.normal(size=(6, 30))  # 6 frames: centred rank 5
    ours = pca_features(x, 20)
    theirs = toolkit_pca(x, 20)
    assert ours.shape == (6, 5)  # the default protocol stops at the rank
    assert theirs.shape == (6, 6)  # the toolkit keeps min(20, frames, dim) = 6 columns
    # the first 5 are the principal components with torch.linalg.svd's signs (float32)
    x32 = torch.as_tensor(x.astype(np.float32))
    centred = x32 - x32.mean(dim=0, keepdim=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as toolkit_pca (MKL's SVD rounds differently with more threads)
    try:
        vh = torch.linalg.svd(centred, full_matrices=False)[2]
    finally:
        torch.set_num_threads(threads)
    scores = (centred @ vh.T).numpy().astype(np.float64)
    expected = (scores - scores.mean(0)) / (scores.std(0, ddof=1) + 1e-9)
    assert np.allclose(theirs[:, :5], expected[:, :5], atol=1e-5)
    # the sign convention matters for RSA: flip one component and rsa-spearman changes
    eeg = rng.normal(size=(6, 1))
    flipped = theirs.copy()
    flipped[:, 0] *= -1
    rsa = SIMILARITY_METRICS["rsa-spearman"]
    assert rsa(theirs[:, :5], eeg) != pytest.approx(rsa(flipped[:, :5], eeg), abs=1e-6)


def test_toolkit_pca_is_the_same_on_parallel_threads(rng):
    arrays = [rng.normal(size=(int(n), 40)).astype(np.float32) for n in rng.integers(8, 60, 12)]
    together = toolkit_pcas(arrays, 20)
    for array, parallel in zip(arrays, together, strict=True):
        alone = toolkit_pca(array, 20)
        if len(array) > 20:  # full rank: bit for bit
            assert np.array_equal(alone, parallel)
        else:  # the last column is float32 rounding noise scaled to unit variance: the others
            rank = len(array) - 1
            assert np.allclose(alone[:, :rank], parallel[:, :rank], atol=1e-4)


def test_lower_median_bandwidth_by_hand():
    x = np.array([[0.0], [1.0], [3.0], [7.0]])
    d2 = (x - x.T) ** 2  # pairs: 1, 9, 49, 4, 36, 16 -> sorted 1, 4, 9, 16, 36, 49
    assert lower_median_bandwidth(d2[None]).tolist() == [9.0]  # torch.median: the lower one
    assert torch.median(torch.tensor([1.0, 4.0, 9.0, 16.0, 36.0, 49.0])).item() == 9.0
    assert np.isnan(lower_median_bandwidth(np.zeros((1, 3, 3)))[0])
    # cka-rbf with s^2 = 9 (the default protocol takes the mean median, 12.5)
    y = np.array([[0.0], [2.0], [1.0], [5.0]])
    dy = (y - y.T) ** 2  # 4, 1, 25, 1, 9, 16 -> sorted 1, 1, 4, 9, 16, 25: lower median 4

    def centred(d, s2):
        k = np.exp(-d / (2 * s2))
        h = np.eye(4) - 1 / 4
        return h @ k @ h

    kx, ky = centred(d2, 9.0), centred(dy, 4.0)
    expected = (kx * ky).sum() / np.sqrt((kx * kx).sum() * (ky * ky).sum())
    ex, _ = embed_scaled("cka-rbf", x[None])
    ey, _ = embed_scaled("cka-rbf", y[None])
    assert float(ex[0] @ ey[0]) == pytest.approx(expected, abs=1e-12)
    hx, _ = embed_scaled("hsic-rbf", x[None])
    hy, _ = embed_scaled("hsic-rbf", y[None])
    assert float(hx[0] @ hy[0]) == pytest.approx((kx * ky).sum() / 9, abs=1e-12)
    # the default protocol: the mean of the two middle values, 12.5 and 6.5
    kx, ky = centred(d2, 12.5), centred(dy, 6.5)
    default = (kx * ky).sum() / np.sqrt((kx * kx).sum() * (ky * ky).sum())
    assert SIMILARITY_METRICS["cka-rbf"](x, y) == pytest.approx(default, abs=1e-12)
    assert abs(default - expected) > 5e-4


def test_eeg_length_is_the_toolkit_cut():
    # onset 1.003 s, offset 2.5 s at 500 Hz: int(1250.0) - int(501.5) = 749 samples; our
    # sentence EEG starts at sample 501, 1 ms (lead -0.001 s) before the onset
    assert eeg_length(1.497, 501 / 500 - 1.003, 500.0) == 749


def test_toolkit_tnc_and_partial_by_hand():
    # partial: 0 where the model explains a side fully (the default protocol: NaN)
    assert toolkit_partial(np.array([0.5]), np.array([1.0]), np.array([0.3])).tolist() == [0.0]
    r = np.array([0.5, 0.2])
    p = np.array([0.4, 0.1])
    assert np.allclose(toolkit_partial(r, np.array([0.3, 0.0]), np.array([0.2, 0.5])),
                       [(0.5 - 0.06) / np.sqrt(0.91 * 0.96), 0.2 / np.sqrt(0.75)])
    # TNC per sentence, then the mean: (0.36 + 0.75) / 2; from the means it would be 0.4898
    assert toolkit_tnc(p, r).mean() == pytest.approx(0.555)
    assert toolkit_tnc(np.array([0.3, 0.2]), np.array([0.0, np.nan])).tolist() == [0.0, 0.0]


# ----------------------------------------------------------------------------- a small data set

SFREQ = 100.0


def _dataset(tmp_path: Path, rng, durations=(1.2, 0.55), n_subjects=2, n_channels=3):
    """Sentences of the given durations in one wav, EEG of noise plus a slow drift per channel
    (plain numbers: the tests recompute everything from the preprocessed EEG)."""
    rate = 8000
    sentences, t = [], 0.3
    for i, duration in enumerate(durations):
        sentences.append(Sentence(f"tk-s{i}", "a", t, t + duration, [], i + 1))
        t += duration + 0.6
    audio = (0.1 * rng.normal(size=int((t + 0.5) * rate))).astype(np.float32)
    soundfile.write(tmp_path / "a.wav", audio, rate)
    channels = [f"E{i}" for i in range(n_channels)]

    def read_subject(subject):
        generator = np.random.default_rng(int(subject[1:]))
        n = int((t + 1.0) * SFREQ)
        eeg = generator.normal(size=(n_channels, n)).cumsum(axis=1) * 0.2 + generator.normal(
            size=(n_channels, n))
        return [RawRecording(subject, eeg, SFREQ, channels, {"a": 0.0})]

    config = PreprocessingConfig(l_freq=0.1, h_freq=40.0, notch_hz=None,
                                 min_correlation_with_average=-1.0, std_z_threshold=100.0)
    return EEGDataset("tk", sentences, {"a": tmp_path / "a.wav"},
                      [f"P{i}" for i in range(n_subjects)], read_subject, channels, None, config)


def _activations(dataset, rng, hop=0.02, dim=32, layers=("a", "b")):
    data = {name: [rng.normal(size=(int(s.duration / hop), dim)).cumsum(axis=0)
                   for s in dataset.sentences] for name in layers}
    return StimulusActivations([s.id for s in dataset.sentences], data, "none",
                               dict.fromkeys(layers, hop), model_id="tk")


def _expected_cell(metric, features, eeg, window, rate, sfreq, duration, lead):
    """One (layer, window, subject, sentence) score recomputed from the toolkit's definitions:
    frames int(start * rate)..int(end * rate), EEG samples int(start * sfreq)..int(end * sfreq)
    cut to the sentence, each electrode resampled with half-sample offsets, the metric per
    electrode (RSA through scipy), averaged over electrodes; fewer than 3 frames: 0."""
    first = int(window.start_ms * rate / 1000)
    stop = min(int(window.end_ms * rate / 1000), len(features))
    n = stop - first
    if n < 3:
        return 0.0
    length = int(np.floor((duration - lead) * sfreq + 1e-9))
    samples = eeg[:, int(window.start_ms * sfreq / 1000):min(int(window.end_ms * sfreq / 1000),
                                                               length)]
    x = features[first:stop]
    values = []
    for channel in samples:
        source = np.arange(len(channel))
        positions = np.maximum((np.arange(n) + 0.5) * len(channel) / n - 0.5, 0)
        y = np.interp(positions, source, channel)[:, None]
        if metric == "rsa-spearman":
            value = spearmanr(pdist(x, "correlation"), pdist(y, "cityblock")).statistic
        else:
            value = SIMILARITY_METRICS[metric](x, y)
        values.append(0.0 if np.isnan(value) else value)
    return float(np.mean(values))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    rng = np.random.default_rng(3)
    dataset = _dataset(tmp_path_factory.mktemp("tk"), rng)
    return dataset, _activations(dataset, rng)


@pytest.mark.slow
def test_cells_match_a_computation_from_the_definitions(small):
    dataset, activations = small
    model = prepare_model_side(activations, dataset, 20)
    for metric in ("rsa-spearman", "cka-linear", "dcor"):
        table = score_table(metric, model, dataset, DEFAULT_WINDOWS).table
        for j, subject in enumerate(dataset.subjects):
            eeg = dataset.subject_eeg(subject)
            for s, sentence in enumerate(dataset.sentences):
                for name in ("N400", "250-500", "N100", "P600", "0-250"):
                    w = [x.name for x in DEFAULT_WINDOWS].index(name)
                    features = toolkit_pca(activations.layers["a"][s], 20)
                    expected = _expected_cell(metric, features, eeg.sentences[s],
                                              DEFAULT_WINDOWS[w], 50.0, eeg.sfreq,
                                              sentence.duration, eeg.lead_s[s])
                    assert table.values[0, w, j, s] == pytest.approx(expected, abs=1e-9), (
                        metric, subject, s, name)


def test_short_windows_score_zero_and_are_averaged_in(small):
    dataset, activations = small
    model = prepare_model_side(activations, dataset, 20)
    result = score_table("rsa-pearson", model, dataset, DEFAULT_WINDOWS)
    names = [w.name for w in DEFAULT_WINDOWS]
    p600, late = names.index("P600"), names.index("500-750")
    # sentence 1 lasts 0.55 s = 27 frames: P600 (500-800 ms) keeps frames 25..26, fewer than 3
    assert np.all(result.table.values[:, p600, :, 1] == 0.0)
    assert np.all(np.isfinite(result.table.values[:, p600, :, 0]))
    means = result.table.sentence_mean()[:, p600]
    assert np.allclose(means, result.table.values[:, p600, :, 0] / 2)  # the 0 counts
    # the sliding window 500-750 ms is not made for a 0.55 s sentence: left out, not 0
    assert np.all(np.isnan(result.table.values[:, late, :, 1]))
    # the default protocol leaves sentence 1 out of P600 (it does not cover the window)
    default = EEGSimilarityBenchmark("tk.rsa-pearson", "rsa-pearson", lambda: dataset)
    score = default(activations)
    assert score.details["sentences_per_window"]["P600"] == 1


def test_a_comparison_with_a_constant_side_scores_zero(small):
    dataset, activations = small
    flat = [a.copy() for a in activations.layers["a"]]
    for array in flat:
        array[15:25] = array[15]  # constant over the N400 frames (300-500 ms)
    layers = {"flat": flat}
    model = prepare_model_side(StimulusActivations(activations.stimulus_ids, layers, "none",
                                                   {"flat": 0.02}), dataset, 20)
    n400 = [w.name for w in DEFAULT_WINDOWS].index("N400")
    for metric in ("rsa-spearman", "rsa-kendall", "cka-linear"):
        values = score_table(metric, model, dataset, DEFAULT_WINDOWS).table.values
        # RSA: a constant RDM has no correlation, scored 0 (the default protocol: NaN); CKA:
        # the float32 features of equal frames differ by rounding only, so CKA is ~0
        assert np.allclose(values[0, n400], 0.0, atol=1e-9), metric


def test_the_toolkit_benchmark_records_its_protocol_and_scores_the_n400_window(small):
    dataset, activations = small
    for metric in EIGHT:
        benchmark = EEGSimilarityBenchmark(f"tk-toolkit.{metric}", metric, lambda: dataset,
                                           protocol="toolkit")
        assert benchmark.headline_window == "N400" and benchmark.min_frames == 3
        score = benchmark(activations)
        layer_map = score.details["layer_by_window"]
        n400 = layer_map["windows"].index("N400")
        assert score.raw == pytest.approx(max(row[n400] for row in layer_map["values"]))
        model = prepare_model_side(activations, dataset, 20)
        result = score_table(metric, model, dataset, DEFAULT_WINDOWS)
        best = layer_map["layers"].index(score.chosen_layers[0])
        per_channel = np.nanmean(result.per_channel[best, n400], axis=0)
        assert np.allclose(score.details["per_channel"]["values"], per_channel)
        # the sentence mean over electrodes equals the electrode mean over sentences here
        # (every subject has every channel and sentence)
        assert score.raw == pytest.approx(float(per_channel.mean()), abs=1e-12)
        parameters = benchmark.parameters()
        assert parameters["protocol"] == "toolkit"
        assert parameters["headline_window"] == "N400" and parameters["min_frames"] == 3
        assert "align_corners=False" in parameters["eeg_alignment"]
    default = EEGSimilarityBenchmark("tk.rsa-spearman", "rsa-spearman", lambda: dataset)
    assert default.parameters()["protocol"] == "default"
    with pytest.raises(ValueError, match="protocol must be one of"):
        EEGSimilarityBenchmark("tk.x", "rv", lambda: dataset, protocol="theirs")


def test_a_constant_layer_is_never_chosen_under_the_toolkit_protocol(small):
    dataset, activations = small
    constant = [np.full_like(a, 0.3) for a in activations.layers["a"]]
    negative = [-a for a in activations.layers["a"]]
    layers = {"constant": constant, "a": negative}
    mixed = StimulusActivations(activations.stimulus_ids, layers, "none",
                                dict.fromkeys(layers, 0.02), model_id="tk")
    score = EEGSimilarityBenchmark("tk-toolkit.rv", "rv", lambda: dataset,
                                   protocol="toolkit")(mixed)
    assert score.chosen_layers == ["a"] and np.isnan(score.per_layer["constant"])
    assert score.details["layer_problems"] == {
        "constant": "constant over the frames of every sentence"}


def test_toolkit_prosody_one_window_from_the_definitions(small):
    from brainscore_audio.eeg.prosody import sentence_prosody

    dataset, activations = small
    model = prepare_model_side(activations, dataset, 20)
    windows = [WINDOW["N400"], WINDOW["P600"]]
    result = toolkit_prosody_analysis(model, dataset, "a", windows)
    full, _ = sentence_prosody(dataset, model.grids[0])
    expected_r, expected_tnc = [], []
    for subject in dataset.subjects:
        eeg = dataset.subject_eeg(subject)
        rs, tncs = [], []
        for s, sentence in enumerate(dataset.sentences):
            frames = slice(15, min(25, len(full[s])))
            prosody = pdist(full[s][frames], "correlation")  # unscaled features
            features = toolkit_pca(activations.layers["a"][s], 20)[frames]
            layer = pdist(features, "correlation")
            length = int(np.floor((sentence.duration - eeg.lead_s[s]) * eeg.sfreq + 1e-9))
            samples = eeg.sentences[s][:, 30:min(50, length)]
            positions = np.maximum((np.arange(10) + 0.5) * samples.shape[1] / 10 - 0.5, 0)
            y = np.stack([np.interp(positions, np.arange(samples.shape[1]), c) for c in samples],
                         axis=1)
            y = (y - y.mean(0)) / y.std(0)
            brain = pdist(y, "correlation")
            r_pe = spearmanr(prosody, brain).statistic
            r_pm = spearmanr(prosody, layer).statistic
            r_me = spearmanr(layer, brain).statistic
            partial = (r_pe - r_pm * r_me) / np.sqrt((1 - r_pm**2) * (1 - r_me**2))
            rs.append(r_pe)
            tncs.append(1 - partial**2 / r_pe**2)
        expected_r.append(np.mean(rs))
        expected_tnc.append(np.mean(tncs))
    row = result.table["all"][0]
    assert row["window"] == "N400" and row["n_sentences"] == 2
    assert row["r_prosody_eeg"] == pytest.approx(np.mean(expected_r), abs=1e-9)
    assert row["tnc"] == pytest.approx(np.mean(expected_tnc), abs=1e-9)
    # P600: sentence 1 has 2 frames in it, so only sentence 0 counts
    assert result.table["all"][1]["n_sentences"] == 1


def test_named_windows_are_the_toolkit_erp_windows():
    expected = {"N100": (80, 150), "P200": (150, 250), "N200": (200, 300), "P300": (250, 500),
                "N400": (300, 500), "P600": (500, 800)}
    assert {w.name: (w.start_ms, w.end_ms) for w in NAMED_WINDOWS} == expected
    assert Window("N400", 300, 500) in NAMED_WINDOWS
