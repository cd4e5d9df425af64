"""Outer folds of the nested CV for the 165 NH2015/B2021 stimuli.

Default: the assignment released by Pepino et al. (2025) (their "stratified fold assignment"),
shipped beside this module (``nh2015-folds-pepino2025.txt``, 165 integers in the canonical
stimulus order, 33 per fold), so scores are comparable with that paper. Alternatively, freshly
stratified folds from a seed. The 11 categories of the release differ in size, so no fold holds
the same number of each; each record's benchmark facts list the counts per category and fold
(``category_counts``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from brainscore_audio.errors import UserError

FOLDS_FILE = Path(__file__).with_name("nh2015-folds-pepino2025.txt")
PEPINO_SOURCE = ("Pepino et al. 2025 release (github mrpep/braindnn, "
                 "lists/stratified-fold-assignment.pkl), shipped as "
                 "benchmarks/tuckute2023/nh2015-folds-pepino2025.txt")
CHOICES = ("pepino2025", "stratified")
N_FOLDS = 5


def pepino_folds(n_stimuli: int = 165) -> np.ndarray:
    """The authors' fold (0-4) of each stimulus in the canonical order: ``(165,)`` int."""
    folds = np.loadtxt(FOLDS_FILE, dtype=np.int64, comments="#")
    if folds.shape != (n_stimuli,) or sorted(np.unique(folds)) != list(range(N_FOLDS)):
        raise UserError(f"{FOLDS_FILE}: expected {n_stimuli} fold labels in 0..{N_FOLDS - 1}")
    return folds


def stratified_folds(categories: list[str], n_folds: int = N_FOLDS, seed: int = 0) -> np.ndarray:
    """Fold per stimulus with each category spread evenly over the folds.

    Each category's members are permuted with ``numpy.random.default_rng(seed)`` (categories
    in sorted order, one generator for all) and dealt round-robin from fold 0, so a category of
    n stimuli puts floor(n / 5) or ceil(n / 5) in each fold. The categories are unbalanced, and
    each one's remainder goes to the first folds, so fold sizes can differ (unlike the shipped
    folds, which hold 33 each).
    """
    rng = np.random.default_rng(seed)
    categories = np.asarray(categories)
    folds = np.empty(len(categories), dtype=np.int64)
    for category in np.unique(categories):
        members = np.flatnonzero(categories == category)
        folds[rng.permutation(members)] = np.arange(len(members)) % n_folds
    return folds


def choose_folds(option: str, categories: list[str], seed: int = 0) -> tuple[np.ndarray, str]:
    """``(folds, source description)`` for a benchmark's ``folds`` parameter."""
    if option == "pepino2025":
        return pepino_folds(len(categories)), PEPINO_SOURCE
    if option == "stratified":
        return (stratified_folds(categories, seed=seed),
                f"category-stratified, numpy default_rng(seed={seed}), {N_FOLDS} folds")
    raise UserError(f"folds={option!r}: expected one of {', '.join(CHOICES)}")
