"""Settings of the downstream probe protocol (METHODS.md section 6), without torch.

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

#: The 16-point grid: hidden layers {1, 2} x lr {3.2e-3, 1e-3, 3.2e-4, 1e-4} x Xavier
#: {uniform, normal}; its order breaks ties (first best wins).
DEFAULT_GRID: tuple[ProbeConfig, ...] = tuple(
    ProbeConfig(h, lr, init) for h, lr, init in itertools.product(
        (1, 2), (3.2e-3, 1e-3, 3.2e-4, 1e-4), INITIALISATIONS))
