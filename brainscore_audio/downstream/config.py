"""Settings of the downstream probe protocol (docs/benchmarks/downstream.md), without torch.

Kept apart from :mod:`.probe` so that building benchmarks (e.g. when plugins register, or
``benchmark list``) does not import torch.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

INITIALISATIONS = ("xavier_uniform", "xavier_normal")


@dataclass(frozen=True)
class ProbeConfig:
    """One point of the hyperparameter grid."""

    hidden_layers: int
    lr: float
    init: str

    def label(self) -> str:
        return f"h{self.hidden_layers}-lr{self.lr:g}-{self.init}"


@dataclass(frozen=True)
class TrainingSettings:
    """Fixed settings of the protocol (recorded in every score)."""

    hidden_dim: int = 1024
    dropout: float = 0.1
    batch_size: int = 1024
    patience: int = 20          # validation checks without improvement before stopping
    check_every: int = 3        # epochs between validation checks
    max_epochs: int = 500
    # CPU threads while training. One thread is the default: the probes are small, and with two
    # threads on a busy 2-core machine torch's thread pool slows training several-fold.
    threads: int = 1


DEFAULT_SETTINGS = TrainingSettings()

#: How layers of a model are brought to one size (see :func:`.protocol.reduce_layers`).
PCA_RULES = ("if-sizes-differ", "always")
#: How the winner is chosen among grid points with equal best validation scores.
TIE_BREAKS = ("valid-loss", "grid-order")
#: How probes are seeded (see :class:`ProtocolOptions`).
SEEDINGS = ("per-fold", "per-task")
#: Which split is the first fold (the grid search's) and which validates which.
FOLD_ORDERS = ("metadata", "sorted")
#: What a record's ``error`` is.
ERRORS = ("se-folds", "sd-folds", "sd-seeds")


@dataclass(frozen=True)
class ProtocolOptions:
    """The choices where Pepino et al.'s code (mrpep/braindnn ``src/run_downstream.py``), HEAR's
    runner (heareval 2021.1.3 ``predictions/task_predictions.py``) and ours can differ. Every
    score records them. The defaults follow Pepino et al. where they say what they do.

    Attributes:
        pca: ``"if-sizes-differ"`` (Pepino et al.): layers of different sizes are each reduced
            by PCA, fitted on the training split, to min(training clips, smallest layer size);
            layers all of one size (one layer included) enter the probe raw. ``"always"``: every
            layer is reduced so, even when the sizes are equal (centres and rotates them; the
            rule of brainscore-audio before benchmark version 2).
        grid_points: ``None``: every point of the grid, in its order (Pepino et al.). ``k``: k
            points drawn at random with the protocol seed, in the drawn order (HEAR's runner
            draws 8 of the 16).
        tie_break: among grid points with the best validation score, ``"valid-loss"`` takes
            the lowest validation loss at the kept state (then the grid order);
            ``"grid-order"`` takes the first in the order tried (HEAR's runner, whose order is
            shuffled; Pepino et al.'s argmax over their unshuffled grid).
        seeding: ``"per-fold"``: every grid point on the first fold starts from ``seed``, the
            winner on fold i from ``seed + i``. ``"per-task"`` (HEAR's runner): one random
            stream seeded once with ``seed``, drawn on by every probe in turn.
        fold_order: ``"metadata"``: the task's split order as listed in its metadata (fold i
            tests split i, validates on split i+1); ``"sorted"`` (HEAR's runner): the split
            names sorted first.
        error: the record's ``error``: ``"se-folds"``, the standard error of the task score
            over folds; ``"sd-folds"``, HEAR's sample SD over folds; ``"sd-seeds"``, the sample
            SD of the task score over probe seeds. None where there is one fold or one seed.
        probe_seeds: the protocol runs once per seed ``seed, seed + 1, ...``; the task score is
            the mean over those runs.
    """

    pca: str = "if-sizes-differ"
    grid_points: int | None = None
    tie_break: str = "valid-loss"
    seeding: str = "per-fold"
    fold_order: str = "metadata"
    error: str = "se-folds"
    probe_seeds: int = 1

    def __post_init__(self) -> None:
        for name, allowed in (("pca", PCA_RULES), ("tie_break", TIE_BREAKS),
                              ("seeding", SEEDINGS), ("fold_order", FOLD_ORDERS),
                              ("error", ERRORS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"ProtocolOptions.{name}={getattr(self, name)!r}; expected one "
                                 f"of {', '.join(allowed)}")
        if self.grid_points is not None and self.grid_points < 1:
            raise ValueError(f"ProtocolOptions.grid_points={self.grid_points}; expected None or "
                             ">= 1")
        if self.probe_seeds < 1:
            raise ValueError(f"ProtocolOptions.probe_seeds={self.probe_seeds}; expected >= 1")


#: Pepino et al.'s choices where they state them, ours where they do not.
DEFAULT_OPTIONS = ProtocolOptions()
#: HEAR's runner (heareval 2021.1.3) with its defaults: 8 random grid points, ties to the first
#: in the shuffled order, one seed per task, sorted folds, SD over folds. It never applies PCA
#: (it takes one embedding per clip), which ``"if-sizes-differ"`` matches for one layer.
HEAR_RUNNER_OPTIONS = ProtocolOptions(grid_points=8, tie_break="grid-order", seeding="per-task",
                                      fold_order="sorted", error="sd-folds")

#: The 16-point grid of HEAR and Pepino et al.: hidden layers {1, 2} x lr {3.2e-3, 1e-3, 3.2e-4,
#: 1e-4} x Xavier {uniform, normal}, in this order.
DEFAULT_GRID: tuple[ProbeConfig, ...] = tuple(
    ProbeConfig(h, lr, init) for h, lr, init in itertools.product(
        (1, 2), (3.2e-3, 1e-3, 3.2e-4, 1e-4), INITIALISATIONS))
