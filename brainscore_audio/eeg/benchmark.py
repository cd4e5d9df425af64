"""The EEG sentence benchmark type: one data set x one similarity metric x one protocol.

Score (docs/methods.md#eeg-score): for each layer and time window, the metric is averaged over
sentences within each subject, then over subjects. ``raw`` is that mean in the headline window
(default protocol: 250-500 ms from sentence onset; toolkit protocol: N400, 300-500 ms) at the
best layer; ``per_layer`` holds every layer's value in the headline window. ``details`` keeps the
full layer x window map and the per-channel values of the best layer (see
:meth:`EEGSimilarityBenchmark.__call__` for the exact contract).

Two protocols: ``"default"`` (this project's, :mod:`.scoring`) and ``"toolkit"`` (the conventions
of Yang et al.'s public toolkit, :mod:`.toolkit`); the record's ``parameters.protocol`` says which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..activations import StimulusActivations
from ..benchmark import LazyDataBenchmark, Score
from ..errors import UserError
from ..metrics import similarity
from ..metrics.correlation import standard_error
from ..metrics.layer_choice import first_best
from . import toolkit
from .dataset import EEGDataset
from .geometry import DEFAULT_WINDOWS, HEADLINE_WINDOW, Window
from .positions import scalp_coordinates
from .scoring import (
    MIN_FRAMES,
    ScoreTable,
    per_channel_scores,
    prepare_model_side,
    score_table,
)

N_COMPONENTS = 20
PROTOCOLS = ("default", toolkit.NAME)


class EEGSimilarityBenchmark(LazyDataBenchmark):
    """Within-sentence geometry of a model layer vs EEG, compared by one similarity metric.

    Args:
        identifier: e.g. ``"alice2019.cka-linear"``.
        metric: one of the eight names of :data:`~brainscore_audio.metrics.similarity.EIGHT`.
        load: returns the :class:`EEGDataset` (called once, on first use; share it between the
            benchmarks of one data set so preprocessing and caches are shared too).
        windows: time windows from sentence onset; ``headline_window`` names the scored one
            (default: ``"250-500"``, or ``"N400"`` under the toolkit protocol).
        n_components: PCA components of the model features per sentence.
        min_frames: default protocol only: fewer frames in a window leave it unscored.
        protocol: ``"default"`` or ``"toolkit"`` (:mod:`brainscore_audio.eeg.toolkit`).
    """

    pooling = "none"

    def __init__(self, identifier: str, metric: str, load: Callable[[], EEGDataset], *,
                 version: int = 1, description: str = "", bibtex: str = "",
                 windows: Sequence[Window] = DEFAULT_WINDOWS,
                 headline_window: str | None = None, n_components: int = N_COMPONENTS,
                 min_frames: int = MIN_FRAMES, protocol: str = "default",
                 data_parameters: Callable[[], dict[str, Any]] | None = None) -> None:
        if metric not in similarity.EIGHT:
            raise ValueError(f"metric must be one of {similarity.EIGHT}, got {metric!r}")
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        if headline_window is None:
            headline_window = toolkit.HEADLINE_WINDOW if protocol == toolkit.NAME else HEADLINE_WINDOW
        names = [w.name for w in windows]
        if headline_window not in names:
            raise ValueError(f"headline window {headline_window!r} is not among {names}")
        self.identifier = identifier
        self.metric = metric
        self.version = version
        self.description = description
        self.bibtex = bibtex
        self.windows = list(windows)
        self.headline_window = headline_window
        self.n_components = n_components
        self.min_frames = toolkit.MIN_FRAMES if protocol == toolkit.NAME else min_frames
        self.protocol = protocol
        self._data_parameters = data_parameters
        super().__init__(load)

    def metadata(self) -> dict[str, Any]:
        return {"units": similarity.DESCRIPTIONS[self.metric], "ceiling": None,
                **self.dataset.facts}

    def parameters(self) -> dict[str, Any]:
        data = self.dataset
        if self.protocol == toolkit.NAME:
            conventions = {**toolkit.PARAMETERS, "n_components": self.n_components}
        else:
            conventions = {
                "protocol": self.protocol,
                "model_features": f"per sentence and layer: PCA to {self.n_components} components "
                                  "fitted on all the sentence's frames, each component z-scored; "
                                  "sign fixed by the largest loading",
                "frame_times": "frame i at i * hop s from sentence onset (hop = the layer's hop, "
                               "or sentence duration / frames when the layer has none)",
                "eeg_alignment": "sentence EEG linearly interpolated at the frame times (the "
                                 "model's frame count), each channel z-scored over the "
                                 "sentence's frames",
                "geometry": {"model_rdm": "1 - Pearson r between frames across PCA features",
                             "eeg_rdm": "1 - Pearson r between frames across channels; per "
                                        "channel |x_i - x_j|",
                             "kernel_metrics": "computed on the frames x features matrices "
                                               "themselves"},
                "window_selection": "frames with start <= t < end; a sentence shorter than a "
                                    "window's end is left out of that window; the same frames on "
                                    "both sides; a layer with fewer than min_frames frames in a "
                                    "window is not scored there",
            }
        return {
            "metric": self.metric,
            "metric_definition": similarity.DESCRIPTIONS[self.metric],
            "pooling": self.pooling,
            "preprocessing": data.config.parameters(),
            "sentences": {"count": len(data.sentences),
                          "audio": "cut from the stimulus wav between the first word onset and "
                                   "the last word offset"},
            "subjects": list(data.subjects),
            "channels": len(data.channel_names),
            **conventions,
            "windows": [{"name": w.name, "start_ms": w.start_ms, "end_ms": w.end_ms}
                        for w in self.windows],
            "min_frames": self.min_frames,
            "headline_window": self.headline_window,
            "aggregation": "mean over sentences within a subject, then mean over subjects; "
                           "raw = headline-window value at the best layer; error = standard "
                           "error over subjects",
            **(self._data_parameters() if self._data_parameters else {}),
        }

    def __call__(self, activations: StimulusActivations) -> Score:
        """Score framed activations.

        ``details`` contract (plotted by the publishing tools):

        - ``layer_by_window``: ``{"layers": [...], "windows": [names], "window_bounds_ms":
          [[start, end], ...], "values": [[...] one row per layer]}`` (mean over sentences,
          then subjects).
        - ``per_channel``: ``{"layer": best layer, "window": headline window, "channels":
          [...], "values": [...], "positions": [[x, y], ...] or None}``.
        """
        with threadpool_limits(limits=1, user_api="blas"):  # many small problems: see below
            return self._score(activations)

    def model_side(self, activations: StimulusActivations):
        """The protocol's model features of these activations (memoised on the data set, so the
        eight metric benchmarks scoring the same activations compute them once)."""
        return _model_side(self.dataset, activations, self.windows, self.n_components,
                           self.min_frames, self.protocol)

    def _score_table(self, model) -> tuple[ScoreTable, np.ndarray | None]:
        """``(table, per-channel (L, W, S, C) or None)``: the toolkit protocol computes every
        electrode anyway, the default protocol only the best layer's (afterwards)."""
        if self.protocol == toolkit.NAME:
            result = toolkit.score_table(self.metric, model, self.dataset, self.windows)
            return result.table, result.per_channel
        return score_table(self.metric, model, self.dataset, self.windows), None

    def _never_chosen(self, model, per_layer: np.ndarray) -> np.ndarray:
        """Headline values with NaN for layers constant in every sentence (the toolkit protocol
        scores them 0, but a layer without geometry is never the best one)."""
        constant = getattr(model, "constant_layers", [])
        return np.array([np.nan if name in constant else value
                         for name, value in zip(model.layers, per_layer, strict=True)])

    def headline_per_layer(self, model) -> np.ndarray:
        """``(layers,)``: each layer's score in the headline window (NaN: undefined)."""
        table, _ = self._score_table(model)
        headline = [w.name for w in self.windows].index(self.headline_window)
        return self._never_chosen(model, table.subject_mean()[:, headline])

    def _score(self, activations: StimulusActivations) -> Score:
        # One BLAS thread: the work is thousands of small matrix problems, for which threaded
        # BLAS brings nothing and, on a busy machine, spin-waiting threads slow it many times.
        data = self.dataset
        model = self.model_side(activations)
        table, toolkit_channels = self._score_table(model)
        window_names = [w.name for w in self.windows]
        headline = window_names.index(self.headline_window)
        by_subject = table.sentence_mean()  # (L, W, S)
        grand = table.subject_mean()  # (L, W)
        per_layer = self._never_chosen(model, grand[:, headline])
        problems = _layer_problems(model, per_layer, self.headline_window)
        best = first_best(per_layer)
        if best is None:
            if problems and all(name in problems for name in model.layers) and any(
                    "constant" in reason for reason in problems.values()):
                return Score(raw=float("nan"), per_layer=dict(zip(model.layers, per_layer.tolist(),
                                                                  strict=True)),
                             details={"layer_problems": problems,
                                      "raw_undefined": "no layer has a defined score: " + "; ".join(
                                          f"{name}: {why}" for name, why in problems.items())})
            raise UserError(f"{self.identifier}: no sentence covers the {self.headline_window} ms "
                            "window with enough frames; the score is undefined")
        layer = model.layers[best]
        subjects_scores = by_subject[best, headline]
        if toolkit_channels is not None:
            channel_scores = toolkit_channels[best, headline]  # (S, C)
        else:
            channel_scores = per_channel_scores(self.metric, model, data, layer,
                                                self.windows[headline], self.windows)
        with np.errstate(invalid="ignore"):
            per_channel = _nanmean(channel_scores, axis=0)
        positions = (None if data.positions is None
                     else np.round(scalp_coordinates(data.positions), 5).tolist())
        counts = np.isfinite(table.values[best]).sum(axis=2)  # (W, S) sentences per subject
        details: dict[str, Any] = {
            "layer_problems": problems,
            "layer_by_window": {
                "layers": list(model.layers), "windows": window_names,
                "window_bounds_ms": [[w.start_ms, w.end_ms] for w in self.windows],
                "values": grand.tolist()},
            "per_channel": {"layer": layer, "window": self.headline_window,
                            "channels": list(data.channel_names), "values": per_channel.tolist(),
                            "positions": positions},
            "per_layer_per_subject": {
                name: dict(zip(table.subjects, by_subject[i, headline].tolist(), strict=True))
                for i, name in enumerate(model.layers)},
            "sentences_per_window": dict(zip(window_names, counts.max(axis=1).tolist(),
                                             strict=True)),
            "bad_channels": _bad_channel_summary(data),
        }
        return Score(
            raw=float(per_layer[best]),
            error=standard_error(subjects_scores[np.isfinite(subjects_scores)]),
            per_subject=dict(zip(table.subjects, subjects_scores.tolist(), strict=True)),
            per_layer=dict(zip(model.layers, per_layer.tolist(), strict=True)),
            chosen_layers=[layer],
            details=details,
            artefacts={"scores": table.values.astype(np.float32),
                       "score_axes": np.array(["layer", "window", "subject", "sentence"]),
                       "layers": np.array(model.layers), "windows": np.array(window_names),
                       "subjects": np.array(table.subjects),
                       "sentences": np.array([s.id for s in data.sentences]),
                       "per_channel_per_subject": channel_scores.astype(np.float32),
                       "channels": np.array(data.channel_names)},
        )


def _layer_problems(model, per_layer: np.ndarray, window: str) -> dict[str, str]:
    """``{layer: reason}`` for the layers without a defined score in the headline window."""
    problems = {}
    constant = getattr(model, "constant_layers", [])
    for name, value in zip(model.layers, per_layer, strict=True):
        if np.isfinite(value):
            continue
        if name in constant:
            problems[name] = "constant over the frames of every sentence"
        elif all(features.shape[1] == 0 for features in model.features[name]):
            problems[name] = "constant over the frames of every sentence (no principal component)"
        else:
            problems[name] = (f"the metric is undefined for every sentence in the {window} ms "
                              "window (a constant side or too few frames)")
    return problems


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    finite = np.isfinite(values)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    count = finite.sum(axis=axis)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _model_side(data: EEGDataset, activations: StimulusActivations, windows, n_components,
                min_frames: int = MIN_FRAMES, protocol: str = "default"):
    """The protocol's model features of these activations, memoised on the data set so the eight
    metric benchmarks scoring the same activations compute them once."""
    key = ("model-side", id(activations), protocol, max(w.end_ms for w in windows), n_components,
           min_frames)
    cached = data.memo.get(key)
    if cached is not None and cached[0] is activations:
        return cached[1]
    if protocol == toolkit.NAME:
        model = toolkit.prepare_model_side(activations, data, n_components)
    else:
        model = prepare_model_side(activations, data, windows, n_components, min_frames)
    for old in [k for k in data.memo if k[0] == "model-side" and k[2] == protocol]:
        del data.memo[old]
    data.memo[key] = (activations, model)
    return model


def _bad_channel_summary(data: EEGDataset) -> dict[str, Any]:
    """Per subject: bad channels with reasons and what was done, from the preprocessing."""
    out = {}
    for subject in data.subjects:
        if subject not in data.bad_channel_log:
            data.subject_eeg(subject)
        bad, action = data.bad_channel_log[subject]
        out[subject] = {recording: {channel: f"{reason} ({action[recording].get(channel)})"
                                    for channel, reason in channels.items()}
                        for recording, channels in bad.items()}
    return out
