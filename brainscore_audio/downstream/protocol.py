"""The probe protocol over folds: per-layer PCA, grid search on the first fold, the winner
trained on every fold, test metrics averaged over folds (docs/benchmarks/downstream.md)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field

import numpy as np

from .. import progress as progress_bars
from .config import DEFAULT_OPTIONS, ProtocolOptions
from .metrics import METRICS
from .probe import (
    DEFAULT_GRID,
    DEFAULT_SETTINGS,
    ProbeConfig,
    TrainedProbe,
    TrainingSettings,
    seeded_stream,
    torch_threads,
    train_probe,
)
from .task import Fold


@dataclass
class ProtocolResult:
    """Outcome of the protocol on one task.

    Attributes:
        score: mean over folds of the test primary metric (the task score).
        per_fold: ``{fold: {metric: test value}}`` for every metric of the task.
        grid: one summary per grid point tried, in the order tried (validation score and loss
            on the first fold, epochs).
        chosen: the winning grid point, with ``tied_at_best``: the labels of every point that
            reached the best validation score.
        layer_weights: ``{fold: [|w_i| / sum |w_j|, ...]}`` in layer order.
        pca: what the per-layer PCA did.
        sizes: ``{fold: {"train": n, "valid": n, "test": n}}``.
    """

    score: float
    primary_metric: str
    per_fold: dict[str, dict[str, float]]
    grid: list[dict]
    chosen: dict
    layer_weights: dict[str, list[float]]
    pca: dict
    sizes: dict[str, dict[str, int]]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def fold_scores(self) -> list[float]:
        return [values[self.primary_metric] for values in self.per_fold.values()]


def reduce_layers(layers: Mapping[str, np.ndarray], train_rows: np.ndarray,
                  rule: str = "if-sizes-differ") -> tuple[np.ndarray, dict]:
    """Stack layers into ``(n, n_layers, d)`` for the probe.

    ``rule="if-sizes-differ"`` (Pepino et al., ``DynamicPCA`` in mrpep/braindnn): when the
    layers are not all of one size, every layer (the smallest too) is reduced by PCA to
    ``d = min(training clips, smallest layer size)``; when they are (one layer included), they
    enter raw, whatever their size and offset. ``rule="always"``: every layer is reduced to that
    ``d`` even when the sizes are equal. PCA is fitted on ``train_rows`` only (scikit-learn's
    ``PCA``, exact SVD; it centres with the training mean and keeps the ``d`` largest
    components).

    Returns:
        (stacked float32 array, description of what was done)
    """
    sizes = {name: int(values.shape[1]) for name, values in layers.items()}
    target = min(min(sizes.values()), len(train_rows))
    reduce = rule == "always" or len(set(sizes.values())) > 1
    stacked = [_pca(values, train_rows, target) if reduce else np.asarray(values, np.float32)
               for values in layers.values()]
    return np.stack(stacked, axis=1), {
        "rule": rule, "layer_dims": sizes,
        "target_dim": int(target) if reduce else min(sizes.values()),
        "reduced_layers": list(layers) if reduce else [], "fit_on": "training split of each fold"}


def _pca(values: np.ndarray, train_rows: np.ndarray, n_components: int) -> np.ndarray:
    """``(n, dim)`` -> ``(n, n_components)`` float32, PCA fitted on ``values[train_rows]``."""
    from sklearn.decomposition import PCA

    values = np.asarray(values, dtype=np.float64)
    pca = PCA(n_components=n_components, svd_solver="full").fit(values[train_rows])
    return pca.transform(values).astype(np.float32)


def grid_order(grid: Sequence[ProbeConfig], points: int | None, seed: int) -> list[ProbeConfig]:
    """The grid points to try, in the order tried: all of them in grid order (``points`` None),
    or ``points`` of them drawn at random with ``seed`` (numpy ``default_rng(seed)``)."""
    if points is None:
        return list(grid)
    order = np.random.default_rng(seed).permutation(len(grid))[:points]
    return [grid[int(i)] for i in order]


def pick_winner(trained: Sequence[TrainedProbe], tie_break: str) -> int:
    """Index of the grid point with the best validation score; ties by ``tie_break``
    (``"valid-loss"``: lowest validation loss, then the order tried; ``"grid-order"``: the
    first tried)."""
    scores = np.array([t.valid_score for t in trained])
    tied = np.flatnonzero(scores == scores.max())
    if tie_break == "valid-loss":
        return int(min(tied, key=lambda i: (trained[i].valid_loss, i)))
    return int(tied[0])


def run_protocol(
    layers: Mapping[str, np.ndarray], split_of: Sequence[str], targets: np.ndarray,
    folds: Sequence[Fold], prediction_type: str, evaluation: Sequence[str], *,
    grid: Sequence[ProbeConfig] = DEFAULT_GRID, settings: TrainingSettings = DEFAULT_SETTINGS,
    options: ProtocolOptions = DEFAULT_OPTIONS, seed: int = 0, device: str = "cpu",
    progress: bool = True,
) -> ProtocolResult:
    """Score embeddings on a task with one probe seed (``options.probe_seeds`` is the caller's).

    Args:
        layers: ``{layer: (n_clips, dim)}`` time-mean embeddings, in depth order.
        split_of: ``(n_clips,)`` the split name of each clip.
        targets: ``(n_clips, n_classes)`` binary targets (one-hot when multiclass).
        folds: in the order to run them; the grid is searched on the first.
        evaluation: metric names (:data:`METRICS`); the first is primary (model selection,
            early stopping and the score).
        options: PCA rule, grid points, tie break and seeding (:class:`ProtocolOptions`).
    """
    split_of = np.asarray(split_of)
    primary = evaluation[0]
    metric = METRICS[primary]
    per_fold: dict[str, dict[str, float]] = {}
    weights: dict[str, list[float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    grid_summary: list[dict] = []
    chosen: TrainedProbe | None = None
    tied: list[str] = []
    pca_info: dict = {}
    timings = {"grid_s": 0.0, "folds_s": 0.0}
    tried = grid_order(grid, options.grid_points, seed)
    stream = seeded_stream(seed, device) if options.seeding == "per-task" else nullcontext()
    with stream as randomness, torch_threads(settings.threads):
        for index, fold in enumerate(folds):
            rows = {"train": np.flatnonzero(np.isin(split_of, fold.train)),
                    "valid": np.flatnonzero(split_of == fold.valid),
                    "test": np.flatnonzero(split_of == fold.test)}
            sizes[fold.name] = {k: len(v) for k, v in rows.items()}
            x, pca_info = reduce_layers(layers, rows["train"], options.pca)
            data = {k: (x[v], targets[v]) for k, v in rows.items()}
            train = dict(prediction_type=prediction_type, metric=metric, settings=settings,
                         device=device, randomness=randomness)
            start = time.perf_counter()
            if index == 0:
                trained = [train_probe(*data["train"], *data["valid"], config=config,
                                       seed=seed, **train)
                           for config in progress_bars.bar(tried, desc="probe grid",
                                                           unit="config", show=progress)]
                grid_summary = [t.summary() for t in trained]
                chosen = probe = trained[pick_winner(trained, options.tie_break)]
                best = max(t.valid_score for t in trained)
                tied = [t.config.label() for t in trained if t.valid_score == best]
                timings["grid_s"] = time.perf_counter() - start
            else:
                probe = train_probe(*data["train"], *data["valid"], config=chosen.config,
                                    seed=seed + index, **train)
                timings["folds_s"] += time.perf_counter() - start
            probabilities = probe.predict(data["test"][0])
            per_fold[fold.name] = {name: float(METRICS[name](probabilities, data["test"][1]))
                                   for name in evaluation}
            weights[fold.name] = probe.layer_weights().tolist()
    score = float(np.mean([values[primary] for values in per_fold.values()]))
    return ProtocolResult(
        score=score, primary_metric=primary, per_fold=per_fold, grid=grid_summary,
        chosen={**asdict(chosen.config), "label": chosen.config.label(),
                "tied_at_best": tied}, layer_weights=weights,
        pca=pca_info, sizes=sizes, timings={k: round(v, 3) for k, v in timings.items()})
