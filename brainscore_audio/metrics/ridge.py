"""Nested cross-validated ridge regression for thousands of targets at once.

The protocol is that of Pepino et al. (2025), docs/methods.md#voxel-regression:

- Centre X and y with the training means; L2 ridge without intercept after centring. X is
  centred *before* any product is formed, separately for every training design (each outer and
  inner fold), so a large common offset of the features costs no precision.
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
- Score: the clipped R^2 of :mod:`brainscore_audio.metrics.correlation` (squared Pearson r;
  r < 0, constant predictions and constant targets count as 0, with its single scale-aware
  constancy rule).

How it stays fast (never a per-target loop): ridge predictions are linear in the targets,
``pred = H(layer, alpha) @ y_train``, and ``H`` depends only on the design. With the Gram
matrices of the centred features of a training design, one symmetric eigendecomposition
``K_train = U diag(lambda) U^T`` gives ``H = P diag(1 / (lambda + alpha)) U^T + 1/n_train`` for
every alpha, with ``P = K_test,train U``. Cost after the Gram matrices does not depend on the
feature dimension.

- Designs are shared: the inner design that leaves out folds o and i serves outer fold o (it
  predicts fold i) and outer fold i (it predicts fold o), so it is factorised once.
- Grid: the ``H`` of all layers and alphas are stacked and applied to the targets with one
  matrix product per inner fold. Targets go in chunks small enough for the product to stay in
  cache while the R^2 sums (``sum p``, ``sum p y``, ``sum p^2``) are taken from it.
- Edge extension: all (layer, target) pairs on the same edge share the candidate sequence, so a
  block of candidates is scored for all of them with one product per inner fold; blocks grow
  as the pairs still extending become fewer, so few candidates are scored past a pair's stop.
  Below the grid, where ``alpha`` is far under every eigenvalue, the predictions are a power
  series in ``alpha`` whose terms shrink below float64 rounding after a few (see
  ``_EdgeChain``): the R^2 sums become polynomials with coefficients computed once, and the
  long halving chains cost almost nothing per step.
- Targets are stored target-major, so gathering the targets still extending copies contiguous
  rows, and the grid product comes out target-major (each target's predictions contiguous),
  which is faster for these shapes.
- On the CPU (numpy), work is spread over ``n_threads`` Python threads (column chunks, layers,
  edges) with BLAS held to one thread meanwhile: the products are small, and one BLAS thread
  per core avoids the synchronisation cost of splitting each small product (and lets the
  memory-bound reductions run in parallel too). With ``array_library="torch"`` the same
  algorithm runs on a torch device (``benchmark run --device cuda``), in one thread with large
  chunks. Targets are processed in batches, so memory stays bounded.

All arithmetic is float64 (float32 products made edge-extension decisions depend on rounding).

Numerical note: eigenvalues below ``EIGENVALUE_RTOL * n_train * max(lambda)`` are treated as
zero (the centring null space and rounding noise); this is the kernel-form counterpart of the
rank cut-off an SVD solver applies, and only matters for extended alphas far below the grid.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

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
# chunk should stay in cache while their sums are taken (numpy); a device takes whole batches.
GRID_CHUNK_BYTES = 4 * 2**20
DEFAULT_THREADS = min(os.cpu_count() or 1, 8)
ARRAY_LIBRARIES = ("numpy", "torch")


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


# ----------------------------------------------------------------------------- array backends

class _Serial:
    """The part of ``ThreadPoolExecutor`` used here, run in the calling thread."""

    def map(self, function, items):
        return [function(item) for item in items]

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        future.set_result(function(*args))
        return future


class _Backend:
    """Where the products run: numpy on the CPU, or torch on ``device``.

    ``xp`` is the array namespace (``array_api_compat``'s numpy or torch wrapper: the same
    function names and arguments for both); results that steer the algorithm (scores, choices)
    come back to the host as numpy arrays.
    """

    def __init__(self, array_library: str, device: str | None, n_threads: int | None) -> None:
        if array_library not in ARRAY_LIBRARIES:
            raise ValueError(f"array_library must be one of {ARRAY_LIBRARIES}, got "
                             f"{array_library!r}")
        self.numpy = array_library == "numpy"
        if self.numpy:
            import array_api_compat.numpy as xp

            self.device = None
            self.threads = n_threads or DEFAULT_THREADS
            self.grid_chunk_bytes = GRID_CHUNK_BYTES
        else:
            import array_api_compat.torch as xp
            import torch

            self.device = torch.device(device or "cpu")
            self.threads = 1  # kernels are queued on the device; threads would only contend
            self.grid_chunk_bytes = 2**62
        self.xp = xp

    def asarray(self, values) -> Any:
        """``values`` as a float64 array of this backend (no copy on numpy when possible)."""
        if self.numpy:
            return np.asarray(values, dtype=np.float64)
        return self.xp.asarray(values, dtype=self.xp.float64, device=self.device)

    def host(self, values) -> np.ndarray:
        """A backend array as a numpy array."""
        if self.numpy:
            return np.asarray(values)
        return values.detach().cpu().numpy()

    def index(self, positions: np.ndarray) -> Any:
        """Integer positions (numpy) as an index for this backend's arrays."""
        if self.numpy:
            return positions
        return self.xp.asarray(positions, dtype=self.xp.int64, device=self.device)

    @contextmanager
    def pool(self) -> Iterator[ThreadPoolExecutor | _Serial]:
        """Worker threads for the numpy path (with single-threaded BLAS), else serial."""
        if self.threads <= 1:
            with _single_threaded_blas() if self.numpy else _nothing():
                yield _Serial()
            return
        with _single_threaded_blas(), ThreadPoolExecutor(self.threads) as pool:
            yield pool


@contextmanager
def _nothing() -> Iterator[None]:
    yield


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


# ----------------------------------------------------------------------------- the solver

def centred_gram(features, train: np.ndarray, test: np.ndarray, xp=None) -> tuple[Any, Any]:
    """Gram blocks of ``features`` ``(n, p)`` centred with the mean of the rows ``train``.

    The features are centred *before* any product, so a large common offset (e.g. transformer
    "massive activation" dimensions with means in the thousands) costs no precision.

    Args:
        xp: the array namespace of ``features`` (default: numpy).
    Returns:
        ``(K_train (n_train, n_train), K_test (n_test, n_train))`` in float64.
    """
    if xp is None:
        import array_api_compat.numpy as xp

        features = np.asarray(features, dtype=np.float64)
    x_train = features[train]
    mean = xp.mean(x_train, axis=0)
    x_train = x_train - mean
    return x_train @ x_train.T, (features[test] - mean) @ x_train.T


class KernelRidgeSolver:
    """Ridge fitted on rows ``train`` of one layer, predicting rows ``test``, for any alpha.

    X is centred with the training-row means before the Gram matrices are formed; y is centred
    with the training mean of each target (the mean is added back to the predictions).

    Args:
        features: ``(n, p)`` activations of the layer over all stimuli (an array of
            ``backend``; numpy by default).
        train, test: integer row indices (numpy).
    """

    def __init__(self, features, train: np.ndarray, test: np.ndarray,
                 backend: _Backend | None = None) -> None:
        backend = backend or _Backend("numpy", None, 1)
        xp = backend.xp
        self.backend = backend
        features = backend.asarray(features)
        k_train, k_test = centred_gram(features, backend.index(train), backend.index(test), xp)
        eigenvalues, eigenvectors = xp.linalg.eigh((k_train + k_train.T) / 2)
        cutoff = max(float(xp.max(eigenvalues)), 0.0) * EIGENVALUE_RTOL * len(train)
        keep = eigenvalues > cutoff
        self.n_train = len(train)
        self.n_test = len(test)
        self.eigenvalues = eigenvalues[keep]
        self.eigenvectors = eigenvectors[:, keep]  # (n_train, r), orthogonal to the ones vector
        self.test_projection = k_test @ self.eigenvectors  # (n_test, r)

    def restricted(self, rows: slice) -> KernelRidgeSolver:
        """The same fit predicting only the test rows ``rows`` (shares the factorisation)."""
        view = copy.copy(self)
        view.test_projection = self.test_projection[rows]
        view.n_test = view.test_projection.shape[0]
        return view

    def operators(self, alphas) -> Any:
        """Prediction operators: ``(n_alphas, n_test, n_train)``, ``pred = H[a] @ y_train``
        (intercept included)."""
        alphas = self.backend.asarray(alphas)
        weights = 1.0 / (self.eigenvalues[None, :] + alphas[:, None])  # (A, r)
        scaled = self.test_projection[None, :, :] * weights[:, None, :]  # (A, n_test, r)
        return scaled @ self.eigenvectors.T + 1.0 / self.n_train

    def predict(self, y_train, alphas: np.ndarray) -> np.ndarray:
        """Predictions ``(n_test, m)`` (host numpy) for targets ``y_train`` ``(n_train, m)``
        (numpy or a backend array), each target with its own alpha (``alphas`` ``(m,)``).

        Targets sharing an alpha (the usual case: alphas come from the grid and its halvings and
        doublings) are predicted with that alpha's operator, one product per distinct alpha;
        when most alphas are distinct, through the eigenbasis instead.
        """
        backend, xp = self.backend, self.backend.xp
        y_train = backend.asarray(y_train)
        alphas = np.asarray(alphas, dtype=np.float64)
        values, inverse = np.unique(alphas, return_inverse=True)
        if len(values) * self.eigenvalues.shape[0] > 0.25 * len(alphas) * self.n_train:
            coefficients = self.eigenvectors.T @ y_train
            scaled = coefficients / (self.eigenvalues[:, None] + backend.asarray(alphas)[None, :])
            return backend.host(self.test_projection @ scaled + xp.mean(y_train, axis=0)[None])
        out = np.empty((self.n_test, y_train.shape[1]))
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(values) + 1))
        for group, operator in enumerate(self.operators(values)):
            cols = order[bounds[group]:bounds[group + 1]]
            out[:, cols] = backend.host(operator @ y_train[:, backend.index(cols)])
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


# ----------------------------------------------------------------------------- the protocol

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
    array_library: str = "numpy",
    device: str | None = None,
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
        n_threads: worker threads of the numpy path (default: the number of cores, at most 8).
            Results do not depend on it.
        array_library: ``"numpy"`` (CPU) or ``"torch"`` (on ``device``, e.g. ``"cuda"``; the
            numbers equal numpy's to rounding, with the same choices).
        device: the torch device (default ``"cpu"``); ignored by numpy.
    Returns:
        :class:`NestedRidgeResult` (numpy arrays).
    """
    backend = _Backend(array_library, device, n_threads)
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
    layers = [backend.asarray(x) for x in layers]
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

    with backend.pool() as pool:
        designs = _Designs(layers, folds, alphas, backend, pool)
        for fold_number, fold in enumerate(fold_ids):
            outer = _OuterFold(designs, fold)
            for start in range(0, n_targets, batch_size):
                columns = slice(start, min(start + batch_size, n_targets))
                _fit_batch(outer, settings, targets, centred_targets, columns, fold_number,
                           result, layer_sums, pool)
                if progress is not None:
                    progress(1)
            designs.release(fold)

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
               pool: ThreadPoolExecutor | _Serial) -> None:
    """Choose (layer, alpha) on the inner CV for the targets ``columns`` and predict the outer
    fold; writes into ``result`` (and ``layer_sums``)."""
    alphas, n_layers = settings.alphas, outer.n_layers
    backend = outer.backend
    inner = _InnerTargets(outer, targets[outer.train, columns])
    train_mean = inner.shift
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
    y_train = inner.y_train  # (n_train, v) backend array, centred
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
                joint_predictions[:, cols] = solver.predict(y_train[:, backend.index(cols)],
                                                            layer_alpha[layer, cols])

    list(pool.map(predict_layer, range(n_layers)))
    result.predictions[outer.test, columns] = train_mean + joint_predictions


class _Design:
    """One training design (the rows ``fit``) of every layer, predicting one or two held-out
    sets: per held-out set (keyed by its first row), the solvers restricted to it, its stacked
    grid operators ``(L*A*n_val, n_fit)`` and their sums over the held-out rows
    ``(L*A, n_fit)``."""

    def __init__(self, layers: list, fit: np.ndarray, held_out: list[np.ndarray],
                 alphas: np.ndarray, backend: _Backend) -> None:
        xp = backend.xp
        solvers = [KernelRidgeSolver(x, fit, np.concatenate(held_out), backend) for x in layers]
        self.solvers, self.stacked, self.row_sums = {}, {}, {}
        start = 0
        for rows in held_out:
            key = int(rows[0])
            self.solvers[key] = [s.restricted(slice(start, start + len(rows))) for s in solvers]
            start += len(rows)
            operators = xp.concat([s.operators(alphas) for s in self.solvers[key]])
            self.stacked[key] = xp.reshape(operators, (-1, len(fit)))  # (L*A*n_val, n_fit)
            self.row_sums[key] = xp.sum(operators, axis=1)  # (L*A, n_fit)


class _Designs:
    """The training designs of the nested CV, each factorised once: per outer fold o its outer
    design (rows outside o, predicting o), and per pair of folds {o, i} the inner design (rows
    outside both), which serves outer fold o (predicting fold i) and outer fold i (predicting
    fold o). Built lazily, released when no outer fold needs them any more."""

    def __init__(self, layers: list, folds: np.ndarray, alphas: np.ndarray, backend: _Backend,
                 pool: ThreadPoolExecutor | _Serial) -> None:
        self.layers, self.folds, self.alphas = layers, folds, alphas
        self.backend, self.pool = backend, pool
        self.fold_ids = list(np.unique(folds))
        self.inner: dict[frozenset, _Design] = {}

    def rows(self, *excluded) -> np.ndarray:
        return np.flatnonzero(~np.isin(self.folds, excluded))

    def members(self, fold) -> np.ndarray:
        return np.flatnonzero(self.folds == fold)

    def outer_solvers(self, fold) -> list[KernelRidgeSolver]:
        train, test = self.rows(fold), self.members(fold)
        return list(self.pool.map(lambda x: KernelRidgeSolver(x, train, test, self.backend),
                                  self.layers))

    def inner_designs(self, fold) -> list[_Design]:
        """The inner designs of outer fold ``fold``, in inner-fold order (built if needed)."""
        missing = [other for other in self.fold_ids
                   if other != fold and frozenset((fold, other)) not in self.inner]

        def build(other) -> _Design:
            return _Design(self.layers, self.rows(fold, other),
                           [self.members(other), self.members(fold)], self.alphas, self.backend)

        for other, design in zip(missing, self.pool.map(build, missing), strict=True):
            self.inner[frozenset((fold, other))] = design
        return [self.inner[frozenset((fold, other))] for other in self.fold_ids if other != fold]

    def release(self, fold) -> None:
        """Forget the designs only outer folds up to ``fold`` needed."""
        done = set(self.fold_ids[:self.fold_ids.index(fold) + 1])
        for key in [k for k in self.inner if k <= done]:
            del self.inner[key]


class _InnerFold:
    """One inner fold of an outer fold: the design's solvers and stacked grid operators for the
    held-out inner fold. Positions are relative to the outer training rows."""

    def __init__(self, design: _Design, held_out: np.ndarray, fit_pos: np.ndarray,
                 val_pos: np.ndarray) -> None:
        key = int(held_out[0])
        self.fit_pos, self.val_pos = fit_pos, val_pos
        self.solvers = design.solvers[key]
        self.stacked = design.stacked[key]
        self.row_sums = design.row_sums[key]


class _OuterFold:
    """Solvers and stacked operators for one outer fold (all layers, inner folds, alphas)."""

    def __init__(self, designs: _Designs, fold) -> None:
        folds = designs.folds
        self.backend = designs.backend
        self.train = np.flatnonzero(folds != fold)
        self.test = np.flatnonzero(folds == fold)
        train_folds = folds[self.train]
        self.alphas = designs.alphas
        self.n_layers = len(designs.layers)
        inner_ids = [f for f in designs.fold_ids if f != fold]
        self.outer_solvers = designs.outer_solvers(fold)
        self.inner = [
            _InnerFold(design, designs.members(other), np.flatnonzero(train_folds != other),
                       np.flatnonzero(train_folds == other))
            for other, design in zip(inner_ids, designs.inner_designs(fold), strict=True)]

    def inner_scores(self, targets: _InnerTargets, pool) -> np.ndarray:
        """Pooled inner scores ``(L, A, v)`` (host) of every (layer, alpha) of the grid.

        Per column chunk, one matrix product per inner fold gives the predictions of every
        (layer, alpha); only the running sums that R^2 needs are kept.
        """
        backend, xp = self.backend, self.backend.xp
        n_pairs, v = self.n_layers * len(self.alphas), targets.n_targets
        rows = self.inner[0].stacked.shape[0]
        chunk = max(16, backend.grid_chunk_bytes // (8 * rows))
        sums = np.zeros((3, n_pairs, v))

        def work(start: int) -> None:
            part = slice(start, min(start + chunk, v))
            totals = None
            for fold, (y_fit, y_val) in zip(self.inner, targets.folds, strict=True):
                y_fit, y_val = y_fit[part], y_val[part]  # (m, n_fit), (m, n_val)
                # target-major product (m, L*A*n_val): about 1.4x faster than (L*A*n_val, m)
                block = xp.reshape(y_fit @ fold.stacked.T, (-1, n_pairs, y_val.shape[1]))
                fold_sums = (y_fit @ fold.row_sums.T,
                             xp.einsum("man,mn->ma", block, y_val),
                             xp.einsum("man,man->ma", block, block))
                totals = fold_sums if totals is None else [
                    a + b for a, b in zip(totals, fold_sums, strict=True)]
            for k in range(3):
                sums[k, :, part] = backend.host(totals[k]).T

        list(pool.map(work, range(0, v, chunk)))
        r2 = _r2_from_sums(sums[0], sums[1], sums[2], targets.n_train, targets.target_ss,
                           targets.target_constant, targets.shift)
        return r2.reshape(self.n_layers, len(self.alphas), v)


class _InnerTargets:
    """The training targets of one batch, centred with their training means (``shift``) and
    split by inner fold, gathered once and stored target-major (so the targets still extending
    are gathered as contiguous rows): ``folds[i] = (y_fit (v, n_fit), y_val (v, n_val))``;
    ``sum(y^2)`` of the centred targets and whether each target is constant on these rows.

    Args:
        y_train: ``(n_train, v)`` raw (uncentred) targets of the outer training rows (numpy).
    """

    def __init__(self, outer: _OuterFold, y_train: np.ndarray) -> None:
        backend = outer.backend
        self.shift, self.target_ss, raw_sq = column_moments(y_train)
        self.target_constant = constant_from_sums(self.target_ss, raw_sq)
        centred = np.ascontiguousarray((y_train - self.shift).T)  # (v, n_train)
        self.y_train = backend.asarray(centred).T
        self.folds = [(backend.asarray(centred[:, f.fit_pos]),
                       backend.asarray(centred[:, f.val_pos])) for f in outer.inner]
        self.n_train = y_train.shape[0]
        self.n_targets = y_train.shape[1]


class _EdgeChain:
    """Pooled inner scores of one layer at candidate alphas, for a shrinking set of targets.

    The targets of each inner fold (``y_fit``, ``y_val``, target-major) are kept compacted to
    the targets still extending. A block of K candidates is scored with one product per inner
    fold: ``(K n_val, n_fit) @ (n_fit, m)`` with the prediction operators of the candidates,
    or, for few targets (where building K operators would cost more than the product), in the
    eigenbasis: ``c = U^T y_fit``, ``z = P diag(w) c`` and ``p = z + mean(y_fit)``.

    Below the grid (``alpha <= alpha_max`` far under the smallest eigenvalue) the predictions
    are a power series in alpha, ``z(alpha) = sum_t (-alpha)^t P diag(lambda^-(t+1)) c``, whose
    terms shrink by ``rho = alpha_max / min(lambda)`` each. With ``T`` terms such that
    ``rho^T`` is below float64 rounding (at most ``_SERIES_MAX_TERMS``), the three sums of R^2
    are polynomials in alpha with coefficients computed once, and every further candidate of the
    chain is nearly free (the targets themselves are then not kept). Where ``rho`` is too large
    the direct products are used.
    """

    def __init__(self, outer: _OuterFold, layer: int, targets: _InnerTargets,
                 columns: np.ndarray, alpha_max: float | None = None) -> None:
        backend = outer.backend
        self.backend = backend
        self.n_train = targets.n_train
        self.target_ss = targets.target_ss[columns]
        self.target_constant = targets.target_constant[columns]
        self.shift = targets.shift[columns]
        self.series = None
        solvers = [fold.solvers[layer] for fold in outer.inner]
        picked = backend.index(columns)
        if alpha_max is not None:
            terms = [_series_terms(alpha_max, backend.host(s.eigenvalues)) for s in solvers]
            if all(t is not None for t in terms):
                self.series = [
                    _SeriesCoefficients(solver, y_fit[picked], y_val[picked], t)
                    for solver, (y_fit, y_val), t in zip(solvers, targets.folds, terms,
                                                         strict=True)]
                return
        self.parts = [[solver, y_fit[picked], y_val[picked]]
                      for solver, (y_fit, y_val) in zip(solvers, targets.folds, strict=True)]

    def keep(self, positions: np.ndarray) -> None:
        """Keep only the targets at ``positions`` (into the current set)."""
        if self.series is not None:
            for series in self.series:
                series.keep(positions)
        else:
            picked = self.backend.index(positions)
            for part in self.parts:
                part[1:] = [part[1][picked], part[2][picked]]
        self.target_ss = self.target_ss[positions]
        self.target_constant = self.target_constant[positions]
        self.shift = self.shift[positions]

    def scores(self, alphas: np.ndarray) -> np.ndarray:
        """Pooled inner scores ``(len(alphas), m)`` (host) of every candidate for every
        target."""
        k, m = len(alphas), len(self.target_ss)
        if self.series is not None:
            sums = np.zeros((3, k, m))
            for series in self.series:
                series.add_sums(alphas, sums)
            return self._r2(sums)
        backend, xp = self.backend, self.backend.xp
        totals = None
        candidates = backend.asarray(alphas)
        for solver, y_fit, y_val in self.parts:
            y_fit, y_val = y_fit.T, y_val.T  # (n_fit, m), (n_val, m)
            n_val = y_val.shape[0]
            if m >= _EIGENBASIS_BELOW_TARGETS:
                p = xp.reshape(solver.operators(candidates), (k * n_val, -1)) @ y_fit
            else:
                weights = 1.0 / (solver.eigenvalues[None, :] + candidates[:, None])  # (K, r)
                weighted = weights[:, None, :] * solver.test_projection[None, :, :]
                p = (xp.reshape(weighted, (k * n_val, -1)) @ (solver.eigenvectors.T @ y_fit)
                     + xp.mean(y_fit, axis=0)[None, :])
            p = xp.reshape(p, (k, n_val, m))
            fold_sums = (xp.sum(p, axis=1), xp.einsum("knm,nm->km", p, y_val),
                         xp.einsum("knm,knm->km", p, p))
            totals = fold_sums if totals is None else [
                a + b for a, b in zip(totals, fold_sums, strict=True)]
        return self._r2(np.stack([backend.host(t) for t in totals]))

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
    ``sum z^2 = sum_s x^s g_s``; the fit mean ``mu`` is added as in the direct path. Kept on the
    host (numpy): after construction only small polynomial evaluations remain.

    Args:
        y_fit, y_val: target-major ``(m, n_fit)``, ``(m, n_val)`` backend arrays.
    """

    def __init__(self, solver, y_fit, y_val, terms: int) -> None:
        backend, xp = solver.backend, solver.backend.xp
        y_fit, y_val = y_fit.T, y_val.T
        exponents = backend.asarray(np.arange(1, terms + 1, dtype=np.float64))
        powers = solver.eigenvalues[None, :] ** -exponents[:, None]  # (T, r)
        # z_t = M_t y_fit with M_t = P diag(lambda^-(t+1)) U^T (T small operators, one product).
        operators = (powers[:, None, :] * solver.test_projection[None, :, :]) @ solver.eigenvectors.T
        n_val = y_val.shape[0]
        z = xp.reshape(xp.reshape(operators, (terms * n_val, -1)) @ y_fit, (terms, n_val, -1))
        self.n_val = n_val
        self.a = backend.host(xp.sum(z, axis=1))  # (T, m)
        self.b = backend.host(xp.einsum("tnm,nm->tm", z, y_val))
        products = backend.host(xp.einsum("tnm,unm->tum", z, z))  # (T, T, m)
        self.g = np.zeros((2 * terms - 1, products.shape[2]))
        for t in range(terms):
            self.g[t:t + terms] += products[t]
        self.mu = backend.host(xp.mean(y_fit, axis=0))
        self.y_sum = backend.host(xp.sum(y_val, axis=0))

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


# A block of candidate alphas scores about this many (candidate, target) pairs (from 1 to 256
# candidates): while many targets are still extending, one candidate at a time, so almost no
# candidate is scored past a pair's stopping point; the few long chains (dozens of steps) take
# a few calls.
_EXTENSION_BLOCK_PAIRS = 2048
_EXTENSION_BLOCK_RANGE = (1, 256)
# On the power series a candidate costs a few polynomial terms per target: larger blocks.
_SERIES_BLOCK_PAIRS = 65536


def _extend_edges(outer: _OuterFold, targets: _InnerTargets, layer_alpha: np.ndarray,
                  layer_best: np.ndarray, needed: np.ndarray, settings: _Settings,
                  pool) -> None:
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
            pairs = _SERIES_BLOCK_PAIRS if chain.series is not None else _EXTENSION_BLOCK_PAIRS
            block = int(np.clip(-(-pairs // cols.size), *_EXTENSION_BLOCK_RANGE))
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
