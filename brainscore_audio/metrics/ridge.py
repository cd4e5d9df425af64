"""Nested cross-validated ridge regression for thousands of targets at once.

The protocol is that of Pepino et al. (2025), docs/methods.md#voxel-regression:

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
and one symmetric eigendecomposition per training design, ``K_c = U diag(lambda) U^T``, gives
``H = P diag(1 / (lambda + alpha)) U^T + 1/n_train`` for every alpha, with
``P = K_test,train U``. Cost after the Gram matrices does not depend on the feature dimension.

- Grid: the ``H`` of all layers and alphas are stacked and applied to the targets with one
  matrix product per inner fold. Targets go in column chunks small enough for the product to
  stay in cache while the R^2 sums (``sum p``, ``sum p y``, ``sum p^2``) are taken from it.
- Edge extension: all (layer, target) pairs on the same edge share the candidate sequence, so a
  block of candidates is scored for all of them with one product per inner fold. Below the
  grid, where ``alpha`` is far under every eigenvalue, the predictions are a power series in
  ``alpha`` whose terms shrink below float64 rounding after a few (see ``_EdgeChain``): the R^2
  sums become polynomials with coefficients computed once, and the long halving chains cost
  almost nothing per step.
- Work is spread over ``n_threads`` Python threads (column chunks, layers, edges) with BLAS held
  to one thread meanwhile: the products are small, and one BLAS thread per core avoids the
  synchronisation cost of splitting each small product (and lets the memory-bound reductions
  run in parallel too). Targets are processed in batches, so memory stays bounded.

All arithmetic is float64 (float32 products made edge-extension decisions depend on rounding).

Numerical note: eigenvalues below ``EIGENVALUE_RTOL * n_train * max(lambda)`` are treated as
zero (the centring null space and rounding noise); this is the kernel-form counterpart of the
rank cut-off an SVD solver applies, and only matters for extended alphas far below the grid.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .correlation import (
    clipped_r2,
    clipped_r2_from_sums,
    column_moments,
    constant_from_sums,
)

DEFAULT_ALPHAS: tuple[float, ...] = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0)
ALPHA_LIMITS: tuple[float, float] = (1e-49, 1e50)
EXTENSION_MIN_GAIN = 1e-10
EIGENVALUE_RTOL = 1e-13
# Targets per batch: bounds the memory of the per-batch arrays (scores of every layer and
# alpha, eigen-projected targets of the extension), whatever the number of targets.
DEFAULT_BATCH_SIZE = 8192
# Targets per grid chunk: the stacked predictions (layers x alphas x n_val x chunk) of one
# chunk should stay in cache while their sums are taken.
GRID_CHUNK_BYTES = 4 * 2**20
DEFAULT_THREADS = min(os.cpu_count() or 1, 8)


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


def centred_gram(features: np.ndarray, train: np.ndarray,
                 test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gram blocks of ``features`` ``(n, p)`` centred with the mean of the rows ``train``.

    The features are centred *before* any product, so a large common offset (e.g. transformer
    "massive activation" dimensions with means in the thousands) costs no precision.

    Returns:
        ``(K_train (n_train, n_train), K_test (n_test, n_train))`` in float64.
    """
    features = np.asarray(features, dtype=np.float64)
    centred = features - features[train].mean(axis=0)
    x_train = centred[train]
    return x_train @ x_train.T, centred[test] @ x_train.T


class KernelRidgeSolver:
    """Ridge fitted on rows ``train`` of one layer, predicting rows ``test``, for any alpha.

    X is centred with the training-row means before the Gram matrices are formed; y is centred
    with the training mean of each target (the mean is added back to the predictions).

    Args:
        features: ``(n, p)`` activations of the layer over all stimuli.
        train, test: integer row indices.
    """

    def __init__(self, features: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        k_train, k_test = centred_gram(features, train, test)
        eigenvalues, eigenvectors = np.linalg.eigh((k_train + k_train.T) / 2)
        cutoff = max(eigenvalues.max(), 0.0) * EIGENVALUE_RTOL * len(train)
        keep = eigenvalues > cutoff
        self.n_train = len(train)
        self.eigenvalues = eigenvalues[keep]
        self.eigenvectors = eigenvectors[:, keep]  # (n_train, r), orthogonal to the ones vector
        self.test_projection = k_test @ self.eigenvectors  # (n_test, r)

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
        its own alpha (``alphas`` ``(m,)``).

        Targets sharing an alpha (the usual case: alphas come from the grid and its halvings and
        doublings) are predicted with that alpha's operator, one product per distinct alpha;
        when most alphas are distinct, through the eigenbasis instead.
        """
        alphas = np.asarray(alphas, dtype=np.float64)
        values, inverse = np.unique(alphas, return_inverse=True)
        if len(values) * len(self.eigenvalues) > 0.25 * len(alphas) * self.n_train:
            return self.predict_projected(self.project(y_train), alphas)
        out = np.empty((self.test_projection.shape[0], y_train.shape[1]))
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(values) + 1))
        for group, operator in enumerate(self.operators(values)):
            cols = order[bounds[group]:bounds[group + 1]]
            out[:, cols] = operator @ y_train[:, cols]
        return out


def _r2_from_sums(pred_sum: np.ndarray, cross: np.ndarray, pred_sq: np.ndarray, n: int,
                  target_ss: np.ndarray, target_constant: np.ndarray,
                  shift: np.ndarray) -> np.ndarray:
    """Clipped R^2 (:func:`~brainscore_audio.metrics.correlation.clipped_r2_from_sums`) from
    running sums over ``n`` rows of predictions ``q`` of a target centred over those rows.

    Args:
        pred_sum: ``sum(q)``; cross: ``sum(q * y)``; pred_sq: ``sum(q^2)``, all ``(..., v)``.
        target_ss: ``sum(y^2)``, ``(v,)`` (y centred over the same ``n`` rows).
        target_constant: ``(v,)`` bool, the target is constant over these rows (decided on the
            raw values).
        shift: ``(v,)``, the raw predictions are ``q + shift``; the constancy rule applies to
            them (it is not translation invariant).
    Returns:
        ``(..., v)``: r^2 where r > 0, else 0; 0 for constant predictions or targets.
    """
    pred_ss = pred_sq - pred_sum * pred_sum / n
    raw_sq = pred_sq + 2.0 * shift * pred_sum + n * shift * shift
    constant = constant_from_sums(pred_ss, raw_sq) | target_constant
    return clipped_r2_from_sums(cross, pred_ss, target_ss, constant)


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """BLAS limited to one thread while our own threads share the cores (threadpoolctl ships
    with scikit-learn; without it, BLAS keeps its own setting)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


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
    n_threads: int | None = None,
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
        batch_size: targets per batch (bounds memory; default ``DEFAULT_BATCH_SIZE``). Results
            do not depend on it.
        progress: called with the number of (fold, batch) units finished, e.g. ``tqdm.update``.
        n_threads: worker threads (default: the number of cores, at most 8). Results do not
            depend on it.
    Returns:
        :class:`NestedRidgeResult`.
    """
    targets = np.asarray(targets, dtype=np.float64)
    if targets.ndim == 1:
        targets = targets[:, None]
    layers = [np.asarray(x, dtype=np.float64) for x in layers]
    folds = np.asarray(folds)
    n, n_targets = targets.shape
    alphas = np.asarray(sorted(alphas), dtype=np.float64)
    if len(folds) != n or any(len(x) != n for x in layers):
        raise ValueError("layers, targets and folds must have the same number of stimuli")
    fold_ids = np.unique(folds)
    if len(fold_ids) < 3:
        raise ValueError(f"nested CV needs at least 3 folds, got {len(fold_ids)}")
    n_layers = len(layers)
    batch_size = batch_size or DEFAULT_BATCH_SIZE
    settings = _Settings(alphas, alpha_limits, min_gain, extend_edges, per_layer)

    result = NestedRidgeResult(
        r2=np.zeros(n_targets),
        predictions=np.zeros((n, n_targets)),
        fold_ids=fold_ids,
        layer_index=np.zeros((len(fold_ids), n_targets), dtype=np.int64),
        alpha=np.zeros((len(fold_ids), n_targets)),
        inner_score=np.zeros((len(fold_ids), n_targets)),
    )
    centred_targets = targets - targets.mean(axis=0)
    # Per-layer outer R^2 from running sums (no (layers, n, v) prediction array is kept).
    layer_sums = np.zeros((3, n_layers, n_targets)) if per_layer else None
    if per_layer:
        result.per_layer_alpha = np.zeros((n_layers, len(fold_ids), n_targets))

    with _single_threaded_blas(), ThreadPoolExecutor(n_threads or DEFAULT_THREADS) as pool:
        for fold_number, fold in enumerate(fold_ids):
            outer = _OuterFold(layers, folds, fold, alphas, pool)
            for start in range(0, n_targets, batch_size):
                columns = slice(start, min(start + batch_size, n_targets))
                _fit_batch(outer, settings, targets, centred_targets, columns, fold_number,
                           result, layer_sums, pool)
                if progress is not None:
                    progress(1)

    result.r2 = clipped_r2(result.predictions, targets)
    if per_layer:
        mean, target_ss, target_sq = column_moments(targets)
        result.per_layer_r2 = _r2_from_sums(
            layer_sums[0], layer_sums[1], layer_sums[2], n, target_ss,
            constant_from_sums(target_ss, target_sq), mean)
    return result


def progress_units(n_targets: int, n_layers: int, n: int, n_folds: int,
                   n_alphas: int = len(DEFAULT_ALPHAS), batch_size: int | None = None) -> int:
    """Total progress units :func:`nested_ridge_cv` reports (one per outer fold and batch)."""
    batch_size = batch_size or DEFAULT_BATCH_SIZE
    return n_folds * -(-n_targets // batch_size)


@dataclass
class _Settings:
    alphas: np.ndarray
    alpha_limits: tuple[float, float]
    min_gain: float
    extend_edges: bool
    per_layer: bool


def _fit_batch(outer: _OuterFold, settings: _Settings, targets: np.ndarray,
               centred_targets: np.ndarray, columns: slice, fold_number: int,
               result: NestedRidgeResult, layer_sums: np.ndarray | None,
               pool: ThreadPoolExecutor) -> None:
    """Choose (layer, alpha) on the inner CV for the targets ``columns`` and predict the outer
    fold; writes into ``result`` (and ``layer_sums``)."""
    alphas, n_layers = settings.alphas, outer.n_layers
    y_train = targets[outer.train, columns]
    inner = _InnerTargets(outer, y_train)
    train_mean = inner.shift
    y_train = y_train - train_mean  # all fitting below is on centred targets
    scores = outer.inner_scores(inner, pool)  # (L, A, v)
    # Best alpha per layer, then the edge extension of each (layer, target) pair that needs
    # it. The joint choice is made on the grid and extended along its layer, which is exactly
    # the per-layer extension at that layer, so it is reused.
    layer_alpha, layer_best = _best_alpha_per_layer(scores, alphas)
    joint_layer = _joint_layer(scores, len(alphas))
    del scores
    if settings.extend_edges:
        needed = (np.ones(layer_alpha.shape, dtype=bool) if settings.per_layer
                  else np.arange(n_layers)[:, None] == joint_layer[None, :])
        _extend_edges(outer, inner, layer_alpha, layer_best, needed, settings, pool)
    del inner
    index = np.arange(y_train.shape[1])
    result.layer_index[fold_number, columns] = joint_layer
    result.alpha[fold_number, columns] = layer_alpha[joint_layer, index]
    result.inner_score[fold_number, columns] = layer_best[joint_layer, index]
    if settings.per_layer:
        result.per_layer_alpha[:, fold_number, columns] = layer_alpha
    # Outer predictions per layer (all targets for the per-layer profile, else only the targets
    # whose joint choice is that layer); the joint prediction is the chosen layer's.
    y_test = centred_targets[outer.test, columns]
    offset = train_mean - targets[:, columns].mean(axis=0)
    joint_predictions = np.empty((len(outer.test), y_train.shape[1]))

    def predict_layer(layer: int) -> None:
        solver = outer.outer_solvers[layer]
        if settings.per_layer:
            prediction = solver.predict(y_train, layer_alpha[layer])
            joint = joint_layer == layer
            joint_predictions[:, joint] = prediction[:, joint]
            prediction += offset
            sums = layer_sums[:, layer, columns]
            sums[0] += prediction.sum(axis=0)
            sums[1] += np.einsum("nv,nv->v", prediction, y_test)
            sums[2] += np.einsum("nv,nv->v", prediction, prediction)
            layer_sums[:, layer, columns] = sums
        else:
            cols = np.flatnonzero(joint_layer == layer)
            if cols.size:
                joint_predictions[:, cols] = solver.predict(y_train[:, cols],
                                                            layer_alpha[layer, cols])

    list(pool.map(predict_layer, range(n_layers)))
    result.predictions[outer.test, columns] = train_mean + joint_predictions


class _InnerFold:
    """One inner fold of an outer fold: the solvers of every layer and their stacked grid
    operators. Positions are relative to the outer training rows."""

    def __init__(self, layers: list[np.ndarray], train: np.ndarray, fit_pos: np.ndarray,
                 val_pos: np.ndarray, alphas: np.ndarray) -> None:
        self.fit_pos, self.val_pos = fit_pos, val_pos
        self.solvers = [KernelRidgeSolver(x, train[fit_pos], train[val_pos]) for x in layers]
        stacked = np.concatenate([s.operators(alphas) for s in self.solvers])  # (L*A, nv, nf)
        self.stacked = stacked.reshape(-1, len(fit_pos))
        self.row_sums = stacked.sum(axis=1)  # (L*A, n_fit): sum over validation rows


class _InnerTargets:
    """The training targets of one batch, centred with their training means (``shift``) and
    split by inner fold, gathered once: ``folds[i] = (y_fit (n_fit, v), y_val (n_val, v))``;
    ``sum(y^2)`` of the centred targets and whether each target is constant on these rows.

    Args:
        y_train: ``(n_train, v)`` raw (uncentred) targets of the outer training rows.
    """

    def __init__(self, outer: _OuterFold, y_train: np.ndarray) -> None:
        self.shift, self.target_ss, raw_sq = column_moments(y_train)
        self.target_constant = constant_from_sums(self.target_ss, raw_sq)
        y_train = y_train - self.shift
        self.folds = [(y_train[f.fit_pos], y_train[f.val_pos]) for f in outer.inner]
        self.n_train = y_train.shape[0]
        self.n_targets = y_train.shape[1]


class _OuterFold:
    """Solvers and stacked operators for one outer fold (all layers, inner folds, alphas)."""

    def __init__(self, layers: list[np.ndarray], folds: np.ndarray, fold, alphas: np.ndarray,
                 pool: ThreadPoolExecutor):
        self.train = np.flatnonzero(folds != fold)
        self.test = np.flatnonzero(folds == fold)
        train_folds = folds[self.train]
        self.alphas = alphas
        self.n_layers = len(layers)
        inner_ids = np.unique(train_folds)

        def inner(inner_fold) -> _InnerFold:
            return _InnerFold(layers, self.train, np.flatnonzero(train_folds != inner_fold),
                              np.flatnonzero(train_folds == inner_fold), alphas)

        inner_jobs = [pool.submit(inner, f) for f in inner_ids]
        self.outer_solvers = list(pool.map(
            lambda x: KernelRidgeSolver(x, self.train, self.test), layers))
        self.inner = [job.result() for job in inner_jobs]

    def inner_scores(self, targets: _InnerTargets, pool: ThreadPoolExecutor) -> np.ndarray:
        """Pooled inner scores ``(L, A, v)`` of every (layer, alpha) of the grid.

        Per column chunk, one matrix product per inner fold gives the predictions of every
        (layer, alpha); only the running sums that R^2 needs are kept.
        """
        n_pairs, v = self.n_layers * len(self.alphas), targets.n_targets
        sums = np.zeros((3, n_pairs, v))
        rows = self.inner[0].stacked.shape[0]
        chunk = max(16, GRID_CHUNK_BYTES // (8 * rows))

        def work(start: int) -> None:
            part = slice(start, min(start + chunk, v))
            for fold, (y_fit, y_val) in zip(self.inner, targets.folds, strict=True):
                y_fit, y_val = y_fit[:, part], y_val[:, part]
                block = (fold.stacked @ y_fit).reshape(n_pairs, y_val.shape[0], -1)
                sums[0, :, part] += fold.row_sums @ y_fit
                sums[1, :, part] += np.einsum("anv,nv->av", block, y_val)
                sums[2, :, part] += np.einsum("anv,anv->av", block, block)

        list(pool.map(work, range(0, v, chunk)))
        r2 = _r2_from_sums(sums[0], sums[1], sums[2], targets.n_train, targets.target_ss,
                           targets.target_constant, targets.shift)
        return r2.reshape(self.n_layers, len(self.alphas), v)


class _EdgeChain:
    """Pooled inner scores of one layer at candidate alphas, for a shrinking set of targets.

    The targets of each inner fold (``y_fit``, ``y_val``) are kept compacted to the targets
    still extending. A block of K candidates is scored with one product per inner fold:
    ``(K n_val, n_fit) @ (n_fit, m)`` with the prediction operators of the candidates, or, for
    few targets (where building K operators would cost more than the product), in the
    eigenbasis: ``c = U^T y_fit``, ``z = P diag(w) c`` and ``p = z + mean(y_fit)``.

    Below the grid (``alpha <= alpha_max`` far under the smallest eigenvalue) the predictions
    are a power series in alpha, ``z(alpha) = sum_t (-alpha)^t P diag(lambda^-(t+1)) c``, whose
    terms shrink by ``rho = alpha_max / min(lambda)`` each. With ``T`` terms such that
    ``rho^T`` is below float64 rounding (at most ``_SERIES_MAX_TERMS``), the three sums of R^2
    are polynomials in alpha with coefficients computed once, and every further candidate of the
    chain is nearly free. Where ``rho`` is too large the direct products are used.
    """

    def __init__(self, outer: _OuterFold, layer: int, targets: _InnerTargets,
                 columns: np.ndarray, alpha_max: float | None = None) -> None:
        self.parts = []
        for fold, (y_fit, y_val) in zip(outer.inner, targets.folds, strict=True):
            self.parts.append([fold.solvers[layer], y_fit[:, columns], y_val[:, columns]])
        self.n_train = targets.n_train
        self.target_ss = targets.target_ss[columns]
        self.target_constant = targets.target_constant[columns]
        self.shift = targets.shift[columns]
        self.series = None
        if alpha_max is not None:
            terms = [_series_terms(alpha_max, part[0].eigenvalues) for part in self.parts]
            if all(t is not None for t in terms):
                self.series = [_SeriesCoefficients(part[0], part[1], part[2], t)
                               for part, t in zip(self.parts, terms, strict=True)]

    def keep(self, positions: np.ndarray) -> None:
        """Keep only the targets at ``positions`` (into the current set)."""
        for part in self.parts:
            part[1:] = [part[1][:, positions], part[2][:, positions]]
        if self.series is not None:
            for series in self.series:
                series.keep(positions)
        self.target_ss = self.target_ss[positions]
        self.target_constant = self.target_constant[positions]
        self.shift = self.shift[positions]

    def scores(self, alphas: np.ndarray) -> np.ndarray:
        """Pooled inner scores ``(len(alphas), m)`` of every candidate for every target."""
        k, m = len(alphas), len(self.target_ss)
        sums = np.zeros((3, k, m))
        if self.series is not None:
            for series in self.series:
                series.add_sums(alphas, sums)
            return self._r2(sums)
        for solver, y_fit, y_val in self.parts:
            n_val = y_val.shape[0]
            if m >= _EIGENBASIS_BELOW_TARGETS:
                p = solver.operators(alphas).reshape(k * n_val, -1) @ y_fit
            else:
                weights = 1.0 / (solver.eigenvalues[None, :] + alphas[:, None])  # (K, r)
                weighted = (weights[:, None, :] * solver.test_projection[None, :, :])
                p = weighted.reshape(k * n_val, -1) @ (solver.eigenvectors.T @ y_fit)
                p += y_fit.mean(axis=0)
            p = p.reshape(k, n_val, m)
            sums[0] += p.sum(axis=1)
            sums[1] += np.einsum("knm,nm->km", p, y_val)
            sums[2] += np.einsum("knm,knm->km", p, p)
        return self._r2(sums)

    def _r2(self, sums: np.ndarray) -> np.ndarray:
        return _r2_from_sums(sums[0], sums[1], sums[2], self.n_train, self.target_ss,
                             self.target_constant, self.shift)


# Below this many targets a chain block is scored in the eigenbasis (see _EdgeChain).
_EIGENBASIS_BELOW_TARGETS = 128
# The power series below the grid is used when this many terms reach float64 rounding.
_SERIES_MAX_TERMS = 8
_SERIES_TOLERANCE = 2.0**-53


def _series_terms(alpha_max: float, eigenvalues: np.ndarray) -> int | None:
    """Terms ``T`` with ``(alpha_max / min(lambda))^T`` below rounding, or None if too many."""
    ratio = alpha_max / eigenvalues.min() if eigenvalues.size else np.inf
    if not 0 < ratio < 0.5:
        return None
    terms = int(np.ceil(np.log(_SERIES_TOLERANCE) / np.log(ratio)))
    return terms if terms <= _SERIES_MAX_TERMS else None


class _SeriesCoefficients:
    """For one inner fold: ``a_t = sum z_t``, ``b_t = z_t . y_val`` and
    ``g_s = sum_{t+u=s} z_t . z_u`` per target, with ``z_t = P diag(lambda^-(t+1)) U^T y_fit``,
    so that with ``x = -alpha``: ``sum z = sum_t x^t a_t``, ``sum z y = sum_t x^t b_t`` and
    ``sum z^2 = sum_s x^s g_s``; the fit mean ``mu`` is added as in the direct path."""

    def __init__(self, solver: KernelRidgeSolver, y_fit: np.ndarray, y_val: np.ndarray,
                 terms: int) -> None:
        powers = solver.eigenvalues[None, :] ** -np.arange(1, terms + 1)[:, None]  # (T, r)
        # z_t = M_t y_fit with M_t = P diag(lambda^-(t+1)) U^T (T small operators, one product).
        operators = (powers[:, None, :] * solver.test_projection[None, :, :]) @ solver.eigenvectors.T
        z = (operators.reshape(terms * len(y_val), -1) @ y_fit).reshape(terms, len(y_val), -1)
        self.n_val = len(y_val)
        self.a = z.sum(axis=1)  # (T, m)
        self.b = np.einsum("tnm,nm->tm", z, y_val)
        products = np.einsum("tnm,unm->tum", z, z)  # (T, T, m)
        self.g = np.zeros((2 * terms - 1, products.shape[2]))
        for t in range(terms):
            self.g[t:t + terms] += products[t]
        self.mu = y_fit.mean(axis=0)
        self.y_sum = y_val.sum(axis=0)

    def keep(self, positions: np.ndarray) -> None:
        self.a, self.b, self.g = self.a[:, positions], self.b[:, positions], self.g[:, positions]
        self.mu, self.y_sum = self.mu[positions], self.y_sum[positions]

    def add_sums(self, alphas: np.ndarray, sums: np.ndarray) -> None:
        """Add ``sum p``, ``sum p y``, ``sum p^2`` of every candidate to ``sums`` ``(3, K, m)``."""
        x = (-np.asarray(alphas))[:, None] ** np.arange(self.g.shape[0])[None, :]  # (K, 2T-1)
        terms = self.a.shape[0]
        z_sum = x[:, :terms] @ self.a
        sums[0] += z_sum + self.n_val * self.mu
        sums[1] += x[:, :terms] @ self.b + self.mu * self.y_sum
        sums[2] += x @ self.g + 2 * self.mu * z_sum + self.n_val * self.mu * self.mu


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


# Candidate alphas of the edge extension are evaluated in blocks: a block scores about this
# many (candidate, target) pairs (at least 2 and at most 256 candidates), so while many targets
# are still extending, few candidates are scored past their stopping point, and the few long
# chains (dozens of steps) take few calls.
_EXTENSION_BLOCK_PAIRS = 8192
_EXTENSION_BLOCK_RANGE = (2, 256)


def _extend_edges(outer: _OuterFold, targets: _InnerTargets, layer_alpha: np.ndarray,
                  layer_best: np.ndarray, needed: np.ndarray, settings: _Settings,
                  pool: ThreadPoolExecutor) -> None:
    """Edge extension for every (layer, target) pair with ``needed`` set: an alpha on the lower
    (upper) grid edge is halved (doubled) while the inner score rises by more than
    ``min_gain``. Updates ``layer_alpha`` and ``layer_best`` ``(L, v)`` in place.

    All pairs that start on the same edge share the candidate sequence (``edge * 2**-k`` or
    ``edge * 2**k``), so a block of candidates is scored for all of a layer's pairs at once.
    Layers and edges run in parallel (each writes only its own entries).
    """
    alphas, limits, min_gain = settings.alphas, settings.alpha_limits, settings.min_gain

    def extend(job: tuple[int, float, float]) -> None:
        layer, edge, factor = job
        cols = np.flatnonzero(needed[layer] & (layer_alpha[layer] == edge))
        if not cols.size:
            return
        chain = _EdgeChain(outer, layer, targets, cols,
                           alpha_max=edge * factor if factor < 1 else None)
        steps_done = 0
        while cols.size:
            block = int(np.clip(-(-_EXTENSION_BLOCK_PAIRS // cols.size), *_EXTENSION_BLOCK_RANGE))
            exponents = np.arange(steps_done + 1, steps_done + block + 1)
            candidates = edge * factor ** exponents
            candidates = candidates[(candidates >= limits[0]) & (candidates <= limits[1])]
            if not candidates.size:
                break
            scores = chain.scores(candidates)  # (K, m)
            previous = np.vstack([layer_best[layer, cols][None, :], scores[:-1]])
            improves = scores > previous + min_gain
            # Steps accepted per target: up to (not including) its first non-improvement.
            accepted = np.where(improves.all(axis=0), len(candidates),
                                np.argmin(improves, axis=0))
            moved = np.flatnonzero(accepted > 0)
            last = accepted[moved] - 1
            layer_alpha[layer, cols[moved]] = candidates[last]
            layer_best[layer, cols[moved]] = scores[last, moved]
            going_on = np.flatnonzero(accepted == len(candidates))
            if len(going_on) < len(cols):
                chain.keep(going_on)
                cols = cols[going_on]
            steps_done += len(candidates)

    jobs = [(layer, edge, factor) for layer in range(layer_alpha.shape[0])
            for edge, factor in ((alphas[0], 0.5), (alphas[-1], 2.0))]
    list(pool.map(extend, jobs))
