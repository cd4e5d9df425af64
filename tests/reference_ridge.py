"""A deliberately plain reference for the nested ridge: one target at a time with scikit-learn.

It follows the published protocol step by step (Pepino et al. 2025: grid search over
(alpha, layer) in alpha-major order, edge extension, pooled inner predictions, refit, pooled
outer predictions) and shares no code with ``brainscore_audio.metrics.ridge``; the one thing
it takes from the library is the definition of the score, ``clipped_r2`` (squared Pearson r,
r < 0 and constant sides counted as 0, with the library's single constancy rule). Tests and the
perf script compare the vectorised implementation against it.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Ridge

from brainscore_audio.metrics.correlation import clipped_r2


def _r2(target: np.ndarray, prediction: np.ndarray) -> float:
    return float(clipped_r2(prediction, target)[0])


def _fit_predict(x_train, y_train, x_test, alpha):
    x_mean = x_train.mean(axis=0)
    y_mean = y_train.mean()
    model = Ridge(alpha=alpha, fit_intercept=False, solver="svd")
    model.fit(x_train - x_mean, y_train - y_mean)
    return model.predict(x_test - x_mean) + y_mean


def _inner_score(layers, y, folds, layer, alpha):
    pooled = np.zeros_like(y)
    for fold in np.unique(folds):
        test = folds == fold
        pooled[test] = _fit_predict(layers[layer][~test], y[~test], layers[layer][test], alpha)
    return _r2(y, pooled)


def _search(layers, y, folds, alphas, allowed_layers, limits=(1e-49, 1e50), min_gain=1e-10):
    grid = [(a, l) for a in alphas for l in allowed_layers]
    results = [_inner_score(layers, y, folds, l, a) for a, l in grid]
    lower, upper = min(alphas), max(alphas)
    best = int(np.argmax(results))
    while True:
        alpha, layer = grid[best]
        if alpha == lower and alpha / 2 >= limits[0]:
            new = alpha / 2
            lower = new
        elif alpha == upper and alpha * 2 <= limits[1]:
            new = alpha * 2
            upper = new
        else:
            break
        score = _inner_score(layers, y, folds, layer, new)
        if score <= results[best] + min_gain:
            break
        grid.append((new, layer))
        results.append(score)
        best = len(results) - 1
    return grid[best], results[best]


def reference_nested_ridge(layers, y, folds, alphas, allowed_layers=None):
    """Returns (r2, chosen [(alpha, layer) per outer fold], pooled predictions) for one target."""
    allowed_layers = list(range(len(layers))) if allowed_layers is None else allowed_layers
    predictions = np.zeros_like(y)
    chosen = []
    for fold in np.unique(folds):
        test = folds == fold
        inner_layers = [x[~test] for x in layers]
        (alpha, layer), _ = _search(inner_layers, y[~test], folds[~test], alphas, allowed_layers)
        chosen.append((alpha, layer))
        predictions[test] = _fit_predict(layers[layer][~test], y[~test], layers[layer][test], alpha)
    return _r2(y, predictions), chosen, predictions
