"""The HEAR protocol over folds: per-layer PCA, grid search on the first fold, the winner
trained on every fold, test metrics averaged over folds (METHODS.md section 6)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .. import progress as progress_bars
from .metrics import METRICS
from .probe import (
    DEFAULT_GRID,
    DEFAULT_SETTINGS,
    ProbeConfig,
    TrainedProbe,
    TrainingSettings,
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
        grid: one summary per grid point (validation score on the first fold, epochs).
        chosen: the winning grid point.
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
                  target_dim: int | None = None) -> tuple[np.ndarray, dict]:
    """Stack layers into ``(n, n_layers, d)``, reducing each larger layer to ``d`` by PCA fitted
    on ``train_rows`` only.

    ``d`` is the smallest layer size (capped at the number of training clips). Layers already of
    size ``d`` pass unchanged. PCA: centre with the training mean, eigenvectors of the training
    covariance, largest first, each with its largest-magnitude loading made positive.

    Returns:
        (stacked float32 array, description of what was reduced)
    """
    sizes = {name: values.shape[1] for name, values in layers.items()}
    target = min(sizes.values()) if target_dim is None else target_dim
    target = min(target, len(train_rows))
    stacked, reduced = [], []
    for name, values in layers.items():
        values = np.asarray(values, dtype=np.float32)
        if values.shape[1] == target:
            stacked.append(values)
            continue
        reduced.append(name)
        stacked.append(_pca(values, train_rows, target))
    return np.stack(stacked, axis=1), {"target_dim": int(target), "layer_dims": sizes,
                                        "reduced_layers": reduced,
                                        "fit_on": "training split of each fold"}


def _pca(values: np.ndarray, train_rows: np.ndarray, n_components: int) -> np.ndarray:
    train = values[train_rows].astype(np.float64)
    mean = train.mean(axis=0)
    centred = train - mean
    covariance = centred.T @ centred / max(len(train) - 1, 1)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    components = eigenvectors[:, ::-1][:, :n_components]
    signs = np.sign(components[np.abs(components).argmax(axis=0), np.arange(n_components)])
    components *= np.where(signs == 0, 1.0, signs)
    return ((values.astype(np.float64) - mean) @ components).astype(np.float32)


def run_protocol(
    layers: Mapping[str, np.ndarray], split_of: Sequence[str], targets: np.ndarray,
    folds: Sequence[Fold], prediction_type: str, evaluation: Sequence[str], *,
    grid: Sequence[ProbeConfig] = DEFAULT_GRID, settings: TrainingSettings = DEFAULT_SETTINGS,
    seed: int = 0, device: str = "cpu", progress: bool = True,
) -> ProtocolResult:
    """Score embeddings on a task.

    Args:
        layers: ``{layer: (n_clips, dim)}`` time-mean embeddings, in depth order.
        split_of: ``(n_clips,)`` the split name of each clip.
        targets: ``(n_clips, n_classes)`` binary targets (one-hot when multiclass).
        folds: from :meth:`HEARTask.folds`; the grid is searched on the first.
        evaluation: metric names (:data:`METRICS`); the first is primary (model selection,
            early stopping and the score).
    """
    split_of = np.asarray(split_of)
    primary = evaluation[0]
    metric = METRICS[primary]
    per_fold: dict[str, dict[str, float]] = {}
    weights: dict[str, list[float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    grid_summary: list[dict] = []
    chosen: TrainedProbe | None = None
    pca_info: dict = {}
    timings = {"grid_s": 0.0, "folds_s": 0.0}
    for index, fold in enumerate(folds):
        rows = {"train": np.flatnonzero(np.isin(split_of, fold.train)),
                "valid": np.flatnonzero(split_of == fold.valid),
                "test": np.flatnonzero(split_of == fold.test)}
        sizes[fold.name] = {k: len(v) for k, v in rows.items()}
        x, pca_info = reduce_layers(layers, rows["train"])
        data = {k: (x[v], targets[v]) for k, v in rows.items()}
        start = time.perf_counter()
        with torch_threads(settings.threads):
            if index == 0:
                trained = [train_probe(*data["train"], *data["valid"], config=config,
                                       prediction_type=prediction_type, metric=metric,
                                       settings=settings, seed=seed, device=device)
                           for config in progress_bars.bar(grid, desc="probe grid", unit="config",
                                                           show=progress)]
                grid_summary = [t.summary() for t in trained]
                chosen = probe = trained[int(np.argmax([t.valid_score for t in trained]))]
                timings["grid_s"] = time.perf_counter() - start  # first best wins ties
            else:
                probe = train_probe(*data["train"], *data["valid"], config=chosen.config,
                                    prediction_type=prediction_type, metric=metric,
                                    settings=settings, seed=seed + index, device=device)
                timings["folds_s"] += time.perf_counter() - start
            probabilities = probe.predict(data["test"][0])
        per_fold[fold.name] = {name: float(METRICS[name](probabilities, data["test"][1]))
                               for name in evaluation}
        weights[fold.name] = probe.layer_weights().tolist()
    score = float(np.mean([values[primary] for values in per_fold.values()]))
    return ProtocolResult(
        score=score, primary_metric=primary, per_fold=per_fold, grid=grid_summary,
        chosen={**asdict(chosen.config), "label": chosen.config.label()}, layer_weights=weights,
        pca=pca_info, sizes=sizes, timings={k: round(v, 3) for k, v in timings.items()})
