"""Nested cross-validated ridge regression for thousands of targets at once.

The protocol is that of Pepino et al. (2025), METHODS.md section 2:

- Centre X and y with the training means; L2 ridge without intercept after centring.
- The (layer, alpha) pair is chosen jointly per target on the inner score, over the grid
  ``DEFAULT_ALPHAS`` x layers. Ties go to the first pair in alpha-major order (smaller alpha,
  then earlier layer), as ``numpy.argmax`` over the authors' grid does.
- If the chosen alpha sits on the lower (upper) edge of the alphas tried so far, it is halved
  (doubled) at the chosen layer while the inner score improves by more than ``min_gain``
  (1e-10 in R^2) and the new alpha stays within ``alpha_limits``. The authors' code accepts any
  improvement; far below the grid the score plateaus and its changes are rounding noise, which
  made the chosen alpha depend on the BLAS build. With the threshold the choice is reproducible,
  and the predictions differ from the authors' by less than the threshold.
- Nested CV: for each outer fold, the remaining folds are scored by inner leave-one-fold-out;
  the inner predictions are pooled and scored once. The chosen pair is refit on all inner folds
  and predicts the outer fold. The pooled out-of-fold predictions are scored once.
- Score: squared Pearson r, with r < 0 and constant predictions counted as 0.

How it stays fast (never a per-target loop): ridge predictions are linear in the targets,
``pred = H(layer, alpha) @ y_train``, and ``H`` depends only on the design. With the Gram
matrix ``K = X X^T`` of a layer (computed once per layer, n x n), centring is applied to ``K``
and one symmetric eigendecomposition per training design gives ``H`` for every alpha:
``H = K_test,train U diag(1 / (lambda + alpha)) U^T + 1/n_train``. The ``H`` of all layers and
alphas are stacked and applied to all targets in one matrix product per inner fold. Cost after
the Gram matrices does not depend on the feature dimension.

Numerical note: eigenvalues below ``EIGENVALUE_RTOL * n_train * max(lambda)`` are treated as
zero (the centring null space and rounding noise); this is the kernel-form counterpart of the
rank cut-off an SVD solver applies, and only matters for extended alphas far below the grid.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import numpy as np

DEFAULT_ALPHAS: tuple[float, ...] = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0)
ALPHA_LIMITS: tuple[float, float] = (1e-49, 1e50)
EXTENSION_MIN_GAIN = 1e-10
RELATIVE_CONSTANT_TOL = 1e-12
EIGENVALUE_RTOL = 1e-13
# Memory of the stacked inner predictions (layers x alphas x n_train x targets, float64) is kept
# under this many bytes by processing targets in batches.
DEFAULT_BATCH_BYTES = 256 * 2**20


@dataclass
class NestedRidgeResult:
    """Outcome of :func:`nested_ridge_cv` for ``v`` targets over ``n`` stimuli.

    Attributes:
        r2: ``(v,)`` clipped R^2 of the pooled out-of-fold predictions (joint layer choice).
        predictions: ``(n, v)`` pooled out-of-fold predictions.
        fold_ids: ``(n_folds,)`` the outer fold labels, in the order of the rows below.
        layer_index: ``(n_folds, v)`` int, the layer chosen per outer fold (index into layers).
        alpha: ``(n_folds, v)`` the alpha chosen per outer fold.
        inner_score: ``(n_folds, v)`` the pooled inner score of the chosen pair.
        per_layer_r2: ``(n_layers, v)`` the same nested CV with only that layer offered (alpha
            still chosen by inner CV with edge extension), or ``None`` if not requested.
        per_layer_alpha: ``(n_layers, n_folds, v)`` alphas of that per-layer CV, or ``None``.
    """

    r2: np.ndarray
    predictions: np.ndarray
    fold_ids: np.ndarray
    layer_index: np.ndarray
    alpha: np.ndarray
    inner_score: np.ndarray
    per_layer_r2: np.ndarray | None = None
    per_layer_alpha: np.ndarray | None = None


def gram_matrix(features: np.ndarray) -> np.ndarray:
    """``X X^T`` in float64 for ``features`` ``(n, p)``: ``(n, n)``."""
    features = np.asarray(features, dtype=np.float64)
    return features @ features.T


class KernelRidgeSolver:
    """Ridge fitted on rows ``train`` of one layer, predicting rows ``test``, for any alpha.

    Built from the layer's uncentred Gram matrix; X is centred with the training-row means.

    Args:
        gram: ``(n, n)`` Gram matrix ``X X^T`` of the layer over all stimuli.
        train, test: integer row indices.
    """

    def __init__(self, gram: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        k_train = gram[np.ix_(train, train)]
        k_test = gram[np.ix_(test, train)]
        train_row_mean = k_train.mean(axis=0)
        grand_mean = k_train.mean()
        k_train_c = k_train - train_row_mean[None, :] - train_row_mean[:, None] + grand_mean
        k_test_c = k_test - k_test.mean(axis=1, keepdims=True) - train_row_mean[None, :] + grand_mean
        eigenvalues, eigenvectors = np.linalg.eigh((k_train_c + k_train_c.T) / 2)
        cutoff = max(eigenvalues.max(), 0.0) * EIGENVALUE_RTOL * len(train)
        keep = eigenvalues > cutoff
        self.n_train = len(train)
        self.eigenvalues = eigenvalues[keep]
        self.eigenvectors = eigenvectors[:, keep]  # (n_train, r), orthogonal to the ones vector
        self.test_projection = k_test_c @ self.eigenvectors  # (n_test, r)

    def operators(self, alphas: Sequence[float]) -> np.ndarray:
        """Prediction operators: ``(n_alphas, n_test, n_train)``, ``pred = H[a] @ y_train``
        (intercept included)."""
        alphas = np.asarray(alphas, dtype=np.float64)
        weights = 1.0 / (self.eigenvalues[None, :] + alphas[:, None])  # (A, r)
        scaled = self.test_projection[None, :, :] * weights[:, None, :]  # (A, n_test, r)
        return scaled @ self.eigenvectors.T + 1.0 / self.n_train

    def project(self, y_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The alpha-independent part of a fit: ``(U^T y_train (r, m), mean (1, m))``."""
        return self.eigenvectors.T @ y_train, y_train.mean(axis=0, keepdims=True)

    def predict_projected(self, projected: tuple[np.ndarray, np.ndarray],
                          alphas: np.ndarray) -> np.ndarray:
        """Predictions ``(n_test, m)`` from :meth:`project`'s output, alpha per target ``(m,)``."""
        coefficients, mean = projected
        scaled = coefficients / (self.eigenvalues[:, None] + np.asarray(alphas)[None, :])
        return self.test_projection @ scaled + mean

    def predict(self, y_train: np.ndarray, alphas: np.ndarray) -> np.ndarray:
        """Predictions ``(n_test, m)`` for targets ``y_train`` ``(n_train, m)``, each target with
        its own alpha (``alphas`` ``(m,)``)."""
        return self.predict_projected(self.project(y_train), alphas)


def _r2_from_sums(pred_sum: np.ndarray, cross: np.ndarray, pred_sq: np.ndarray, n: int,
                  target_ss: np.ndarray) -> np.ndarray:
    """Clipped R^2 from running sums over ``n`` rows of a target with zero mean.

    Args:
        pred_sum: ``sum(p)``; cross: ``sum(p * y)``; pred_sq: ``sum(p^2)``, all ``(..., v)``.
        target_ss: ``sum(y^2)``, ``(v,)`` (y centred over the same ``n`` rows).
    Returns:
        ``(..., v)``: r^2 where r > 0, else 0; 0 for constant predictions or targets.
    """
    pred_ss = pred_sq - pred_sum * pred_sum / n
    # Relative thresholds: a spread at rounding level of the values is a constant.
    constant = (pred_ss <= RELATIVE_CONSTANT_TOL * pred_sq) | (target_ss <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cross / np.sqrt(pred_ss * target_ss)
    r = np.where(constant | ~np.isfinite(r), 0.0, r)
    return np.where(r > 0, r * r, 0.0)


_N_THREADS = min(os.cpu_count() or 1, 8)


@cache
def _reduction_pool() -> ThreadPoolExecutor:
    """Threads for the prediction reductions: numpy releases the GIL inside ``einsum`` and
    ``sum``, and these memory-bound passes would otherwise run on one core while BLAS uses all."""
    return ThreadPoolExecutor(max_workers=_N_THREADS)


def _accumulate_sums(block: np.ndarray, y_val: np.ndarray, sums: np.ndarray) -> None:
    """Add ``sum(p)``, ``sum(p * y)`` and ``sum(p^2)`` over rows of ``block`` ``(pairs, n, v)``
    into ``sums`` ``(3, pairs, v)``, splitting the pairs over threads."""
    n_pairs = block.shape[0]
    n_chunks = min(n_pairs, _N_THREADS)
    bounds = np.linspace(0, n_pairs, n_chunks + 1).astype(int)

    def work(chunk: int) -> None:
        part = slice(bounds[chunk], bounds[chunk + 1])
        sub = block[part]
        sums[0, part] += sub.sum(axis=1)
        sums[1, part] += np.einsum("anv,nv->av", sub, y_val)
        sums[2, part] += np.einsum("anv,anv->av", sub, sub)

    if n_chunks <= 1 or block.size < 2**20:  # small blocks: threads cost more than they save
        for chunk in range(n_chunks):
            work(chunk)
    else:
        list(_reduction_pool().map(work, range(n_chunks)))


def stacked_clipped_r2(predictions: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Clipped R^2 of many prediction sets against one target matrix.

    Args:
        predictions: ``(..., n, v)``.
        target: ``(n, v)``.
    Returns:
        ``(..., v)``: squared Pearson r over the ``n`` axis, 0 where r <= 0 or where either side
        is constant.
    """
    target = target - target.mean(axis=0)
    predictions = predictions - predictions.mean(axis=-2, keepdims=True)
    return _r2_from_sums(
        np.zeros(predictions.shape[:-2] + predictions.shape[-1:]),
        np.einsum("...nv,nv->...v", predictions, target),
        np.einsum("...nv,...nv->...v", predictions, predictions),
        target.shape[0], np.einsum("nv,nv->v", target, target),
    )


def nested_ridge_cv(
    layers: Sequence[np.ndarray],
    targets: np.ndarray,
    folds: np.ndarray,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    alpha_limits: tuple[float, float] = ALPHA_LIMITS,
    extend_edges: bool = True,
    min_gain: float = EXTENSION_MIN_GAIN,
    per_layer: bool = True,
    batch_size: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> NestedRidgeResult:
    """Nested CV ridge with joint (layer, alpha) choice for every target column at once.

    Args:
        layers: ``n_layers`` feature matrices, each ``(n, p_l)`` over the same ``n`` stimuli.
        targets: ``(n, v)`` responses (e.g. voxels averaged over sessions).
        folds: ``(n,)`` outer fold label per stimulus; inner CV uses the same labels.
        alphas: the ridge grid (sorted ascending).
        alpha_limits: ``(lowest, highest)`` alpha the edge extension may reach.
        extend_edges: apply the edge extension (the protocol's default).
        min_gain: an extension step is kept only if it raises the inner score by more than this.
        per_layer: also run the nested CV with each single layer offered.
        batch_size: targets per batch (bounds memory); default keeps stacked predictions under
            ``DEFAULT_BATCH_BYTES``.
        progress: called with the number of (fold, batch) units finished, e.g. ``tqdm.update``.
    Returns:
        :class:`NestedRidgeResult`.
    """
    targets = np.asarray(targets, dtype=np.float64)
    if targets.ndim == 1:
        targets = targets[:, None]
    folds = np.asarray(folds)
    n, n_targets = targets.shape
    alphas = np.asarray(sorted(alphas), dtype=np.float64)
    if len(folds) != n or any(len(x) != n for x in layers):
        raise ValueError("layers, targets and folds must have the same number of stimuli")
    fold_ids = np.unique(folds)
    if len(fold_ids) < 3:
        raise ValueError(f"nested CV needs at least 3 folds, got {len(fold_ids)}")
    grams = [gram_matrix(x) for x in layers]
    n_layers, n_alphas = len(grams), len(alphas)
    batch_size = batch_size or default_batch_size(n_layers, n_alphas, n)

    result = NestedRidgeResult(
        r2=np.zeros(n_targets),
        predictions=np.zeros((n, n_targets)),
        fold_ids=fold_ids,
        layer_index=np.zeros((len(fold_ids), n_targets), dtype=np.int64),
        alpha=np.zeros((len(fold_ids), n_targets)),
        inner_score=np.zeros((len(fold_ids), n_targets)),
    )
    # Per-layer outer R^2 from running sums (no (layers, n, v) prediction array is kept).
    centred_targets = targets - targets.mean(axis=0)
    if per_layer:
        result.per_layer_alpha = np.zeros((n_layers, len(fold_ids), n_targets))
        layer_sums = np.zeros((3, n_layers, n_targets))
    workspace = _Workspace()

    for fold_number, fold in enumerate(fold_ids):
        outer = _OuterFold(grams, folds, fold, alphas, workspace)
        for start in range(0, n_targets, batch_size):
            columns = slice(start, min(start + batch_size, n_targets))
            y_train = targets[outer.train, columns]
            train_mean = y_train.mean(axis=0)
            y_train = y_train - train_mean  # all fitting below is on centred targets
            scores = outer.inner_scores(y_train)  # (L, A, v)
            # Best alpha per layer, then the edge extension of each (layer, target) pair that
            # needs it. The joint choice is made on the grid and extended along its layer,
            # which is exactly the per-layer extension at that layer, so it is reused.
            layer_alpha, layer_best = _best_alpha_per_layer(scores, alphas)
            joint_layer = _joint_layer(scores, len(alphas))
            if extend_edges:
                needed = np.ones(layer_alpha.shape, dtype=bool) if per_layer else (
                    np.arange(n_layers)[:, None] == joint_layer[None, :])
                _extend_edges(outer, y_train, layer_alpha, layer_best, needed, alphas,
                              alpha_limits, min_gain)
            columns_idx = np.arange(y_train.shape[1])
            alpha = layer_alpha[joint_layer, columns_idx]
            result.layer_index[fold_number, columns] = joint_layer
            result.alpha[fold_number, columns] = alpha
            result.inner_score[fold_number, columns] = layer_best[joint_layer, columns_idx]
            grid_predictions = outer.outer_grid_predictions(y_train)  # (L, A, n_test, v)
            result.predictions[outer.test, columns] = train_mean + outer.outer_predictions(
                y_train, grid_predictions, joint_layer, alpha)
            if per_layer:
                y_test = centred_targets[outer.test, columns]
                offset = train_mean - targets[:, columns].mean(axis=0)
                for layer in range(n_layers):
                    result.per_layer_alpha[layer, fold_number, columns] = layer_alpha[layer]
                    prediction = offset + outer.outer_predictions(
                        y_train, grid_predictions, np.full(len(columns_idx), layer),
                        layer_alpha[layer])
                    layer_sums[0, layer, columns] += prediction.sum(axis=0)
                    layer_sums[1, layer, columns] += np.einsum("nv,nv->v", prediction, y_test)
                    layer_sums[2, layer, columns] += np.einsum("nv,nv->v", prediction, prediction)
            if progress is not None:
                progress(1)

    result.r2 = stacked_clipped_r2(result.predictions, targets)
    if per_layer:
        result.per_layer_r2 = _r2_from_sums(
            layer_sums[0], layer_sums[1], layer_sums[2], n,
            np.einsum("nv,nv->v", centred_targets, centred_targets))
    return result


def default_batch_size(n_layers: int, n_alphas: int, n: int) -> int:
    """Targets per batch that keep one stacked prediction block under ``DEFAULT_BATCH_BYTES``."""
    return max(64, DEFAULT_BATCH_BYTES // (8 * n_layers * n_alphas * n))


def progress_units(n_targets: int, n_layers: int, n: int, n_folds: int,
                   n_alphas: int = len(DEFAULT_ALPHAS), batch_size: int | None = None) -> int:
    """Total progress units :func:`nested_ridge_cv` reports (one per outer fold and batch)."""
    batch_size = batch_size or default_batch_size(n_layers, n_alphas, n)
    return n_folds * -(-n_targets // batch_size)


class _Workspace:
    """Reusable output buffers: writing large products into fresh memory costs more in page
    faults than the arithmetic, so buffers are allocated once per shape and reused."""

    def __init__(self) -> None:
        self._buffers: dict[tuple[int, ...], np.ndarray] = {}

    def get(self, shape: tuple[int, ...]) -> np.ndarray:
        if shape not in self._buffers:
            self._buffers[shape] = np.empty(shape)
        return self._buffers[shape]


class _OuterFold:
    """Solvers and stacked operators for one outer fold (all layers, inner folds, alphas)."""

    def __init__(self, grams: list[np.ndarray], folds: np.ndarray, fold, alphas: np.ndarray,
                 workspace: _Workspace):
        self.train = np.flatnonzero(folds != fold)
        self.test = np.flatnonzero(folds == fold)
        train_folds = folds[self.train]
        self.alphas = alphas
        self.n_layers = len(grams)
        self.workspace = workspace
        # Inner folds, with positions relative to the outer training rows.
        self.inner = []
        for inner_fold in np.unique(train_folds):
            fit_pos = np.flatnonzero(train_folds != inner_fold)
            val_pos = np.flatnonzero(train_folds == inner_fold)
            solvers = [KernelRidgeSolver(g, self.train[fit_pos], self.train[val_pos]) for g in grams]
            stacked = np.concatenate([s.operators(alphas) for s in solvers])  # (L*A, n_val, n_fit)
            self.inner.append((fit_pos, val_pos, solvers, stacked.reshape(-1, len(fit_pos))))
        self.outer_solvers = [KernelRidgeSolver(g, self.train, self.test) for g in grams]
        outer_stacked = np.concatenate([s.operators(alphas) for s in self.outer_solvers])
        self.outer_stacked = outer_stacked.reshape(-1, len(self.train))

    def inner_scores(self, y_train: np.ndarray) -> np.ndarray:
        """Pooled inner scores ``(L, A, v)`` for centred training targets ``(n_train, v)``.

        One matrix product per inner fold gives the predictions of every (layer, alpha); only
        the running sums that R^2 needs are kept across folds.
        """
        n_pairs, v = self.n_layers * len(self.alphas), y_train.shape[1]
        sums = np.zeros((3, n_pairs, v))
        for fit_pos, val_pos, _, stacked in self.inner:
            buffer = self.workspace.get((stacked.shape[0], v))
            np.matmul(stacked, y_train[fit_pos], out=buffer)
            _accumulate_sums(buffer.reshape(n_pairs, len(val_pos), v), y_train[val_pos], sums)
        target_ss = np.einsum("nv,nv->v", y_train, y_train)
        r2 = _r2_from_sums(sums[0], sums[1], sums[2], len(self.train), target_ss)
        return r2.reshape(self.n_layers, len(self.alphas), v)

    def inner_scores_for(self, y_train: np.ndarray, layer: int,
                         alphas: np.ndarray) -> np.ndarray:
        """Pooled inner scores ``(len(alphas), v)`` of one layer for centred training targets
        ``(n_train, v)``, with every alpha applied to every target."""
        n_alphas, v = len(alphas), y_train.shape[1]
        sums = np.zeros((3, n_alphas, v))
        for fit_pos, val_pos, solvers, _ in self.inner:
            operators = solvers[layer].operators(alphas).reshape(-1, len(fit_pos))
            block = (operators @ y_train[fit_pos]).reshape(n_alphas, len(val_pos), v)
            _accumulate_sums(block, y_train[val_pos], sums)
        target_ss = np.einsum("nv,nv->v", y_train, y_train)
        return _r2_from_sums(sums[0], sums[1], sums[2], len(self.train), target_ss)

    def outer_grid_predictions(self, y_train: np.ndarray) -> np.ndarray:
        """Outer-fold predictions for every (layer, alpha) of the grid: ``(L, A, n_test, v)``."""
        buffer = self.workspace.get((self.outer_stacked.shape[0], y_train.shape[1]))
        np.matmul(self.outer_stacked, y_train, out=buffer)
        return buffer.reshape(self.n_layers, len(self.alphas), len(self.test), y_train.shape[1])

    def outer_predictions(self, y_train: np.ndarray, grid_predictions: np.ndarray,
                          layer_idx: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """Outer-fold predictions ``(n_test, v)`` of each target's chosen (layer, alpha)."""
        alpha_pos = np.minimum(np.searchsorted(self.alphas, alpha), len(self.alphas) - 1)
        on_grid = self.alphas[alpha_pos] == alpha
        columns = np.flatnonzero(on_grid)
        out = np.empty((len(self.test), y_train.shape[1]))
        out[:, columns] = grid_predictions[layer_idx[columns], alpha_pos[columns], :, columns].T
        for layer in np.unique(layer_idx[~on_grid]):
            cols = np.flatnonzero(~on_grid & (layer_idx == layer))
            out[:, cols] = self.outer_solvers[layer].predict(y_train[:, cols], alpha[cols])
        return out


def _best_alpha_per_layer(scores: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per layer and target, the first alpha with the best inner score.

    Args:
        scores: ``(L, A, v)``.
    Returns:
        ``(alpha (L, v), best (L, v))``, fresh arrays.
    """
    position = np.argmax(scores, axis=1)  # (L, v), first maximum
    best = np.take_along_axis(scores, position[:, None, :], axis=1)[:, 0, :]
    return alphas[position], best.copy()


def _joint_layer(scores: np.ndarray, n_alphas: int) -> np.ndarray:
    """The layer of the best (alpha, layer) pair per target, ties to the first pair in
    alpha-major order (the authors' grid order). ``scores`` ``(L, A, v)`` -> ``(v,)``."""
    n_layers = scores.shape[0]
    flat = scores.transpose(1, 0, 2).reshape(n_alphas * n_layers, -1)
    return np.argmax(flat, axis=0) % n_layers


# Candidate alphas of the edge extension are evaluated in blocks of growing size: most chains
# stop after a step or two, a few run for dozens of steps.
_EXTENSION_BLOCKS = (2, 4, 8, 16, 32, 64, 128, 256)


def _extend_edges(outer: _OuterFold, y_train: np.ndarray, layer_alpha: np.ndarray,
                  layer_best: np.ndarray, needed: np.ndarray, alphas: np.ndarray,
                  limits: tuple[float, float], min_gain: float) -> None:
    """Edge extension for every (layer, target) pair with ``needed`` set: an alpha on the lower
    (upper) grid edge is halved (doubled) while the inner score rises by more than
    ``min_gain``. Updates ``layer_alpha`` and ``layer_best`` ``(L, v)`` in place.

    All pairs that start on the same edge share the candidate sequence (``edge * 2**-k`` or
    ``edge * 2**k``), so a block of candidates is scored for all of a layer's pairs with one
    stacked matrix product per inner fold, like the grid itself.
    """
    def extend_layer(layer: int) -> None:
        for edge, factor in ((alphas[0], 0.5), (alphas[-1], 2.0)):
            cols = np.flatnonzero(needed[layer] & (layer_alpha[layer] == edge))
            steps_done = 0
            for block in _EXTENSION_BLOCKS * 64:
                if not cols.size:
                    break
                exponents = np.arange(steps_done + 1, steps_done + block + 1)
                candidates = edge * factor ** exponents
                candidates = candidates[(candidates >= limits[0]) & (candidates <= limits[1])]
                if not candidates.size:
                    break
                scores = outer.inner_scores_for(y_train[:, cols], layer, candidates)  # (K, m)
                previous = np.vstack([layer_best[layer, cols][None, :], scores[:-1]])
                improves = scores > previous + min_gain
                # Steps accepted per target: up to (not including) its first non-improvement.
                accepted = np.where(improves.all(axis=0), len(candidates),
                                    np.argmin(improves, axis=0))
                moved = accepted > 0
                last = accepted[moved] - 1
                layer_alpha[layer, cols[moved]] = candidates[last]
                layer_best[layer, cols[moved]] = scores[last, np.flatnonzero(moved)]
                cols = cols[accepted == len(candidates)]
                steps_done += len(candidates)

    for layer in range(layer_alpha.shape[0]):
        if needed[layer].any():
            extend_layer(layer)
