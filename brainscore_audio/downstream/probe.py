"""The downstream probe: learned layer weights, then an MLP (METHODS.md section 6).

Input per clip: ``(n_layers, dim)`` time-mean embeddings (already PCA-reduced to one size).
The probe mixes layers with weights ``|w_i| / sum_j |w_j|`` (all ``w_i`` start at 1), then runs
``hidden_layers`` x (Linear 1024 -> BatchNorm -> Dropout 0.1 -> ReLU) and a Linear read-out, as
HEAR's ``FullyConnectedPrediction`` does, with Xavier initialisation (gain 1 for the first
layer, sqrt(2) after a ReLU). Training: Adam, batches of 1024, softmax + cross-entropy
(multiclass) or sigmoid + binary cross-entropy (multilabel), validation every ``check_every``
epochs on the primary metric, early stopping after ``patience`` checks without improvement, and
the best validation state is kept.

Everything random (initialisation, batch order, dropout) derives from one ``seed``: the same
inputs and seed give the same probe, bit for bit, on the same machine and device.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from .config import (  # noqa: F401 - re-exported: the probe's public settings
    DEFAULT_GRID,
    DEFAULT_SETTINGS,
    INITIALISATIONS,
    ProbeConfig,
    TrainingSettings,
)


class LayerWeightedMLP(nn.Module):
    """``(batch, n_layers, dim)`` -> logits ``(batch, n_classes)``."""

    def __init__(self, n_layers: int, dim: int, n_classes: int, config: ProbeConfig,
                 settings: TrainingSettings, generator: torch.Generator) -> None:
        super().__init__()
        if config.init not in INITIALISATIONS:
            raise ValueError(f"unknown init {config.init!r}; expected one of {INITIALISATIONS}")
        self.layer_weights = nn.Parameter(torch.ones(n_layers))
        blocks: list[nn.Module] = []
        width, gain = dim, nn.init.calculate_gain("linear")
        for _ in range(config.hidden_layers):
            linear = nn.Linear(width, settings.hidden_dim)
            _initialise(linear, config.init, gain, generator)
            blocks += [linear, nn.BatchNorm1d(settings.hidden_dim), nn.Dropout(settings.dropout),
                       nn.ReLU()]
            width, gain = settings.hidden_dim, nn.init.calculate_gain("relu")
        self.hidden = nn.Sequential(*blocks)
        self.projection = nn.Linear(width, n_classes)
        _initialise(self.projection, config.init, gain, generator)

    def mixing_weights(self) -> torch.Tensor:
        """``|w| / sum |w|``, ``(n_layers,)``."""
        absolute = self.layer_weights.abs()
        return absolute / absolute.sum().clamp_min(1e-12)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mixed = torch.einsum("bld,l->bd", x, self.mixing_weights())
        return self.projection(self.hidden(mixed))


def _initialise(linear: nn.Linear, init: str, gain: float, generator: torch.Generator) -> None:
    with torch.no_grad():
        if init == "xavier_uniform":
            nn.init.xavier_uniform_(linear.weight, gain=gain, generator=generator)
        else:
            nn.init.xavier_normal_(linear.weight, gain=gain, generator=generator)
        bound = 1.0 / np.sqrt(linear.in_features)  # torch's default bias range
        linear.bias.uniform_(-bound, bound, generator=generator)


@dataclass
class TrainedProbe:
    """A probe at its best validation check.

    Attributes:
        model: the network in eval mode (on the training device).
        valid_score: primary metric on the validation split at the kept state.
        best_epoch: epoch of the kept state; epochs_run: epochs trained before stopping.
    """

    config: ProbeConfig
    model: LayerWeightedMLP
    prediction_type: str
    valid_score: float
    best_epoch: int
    epochs_run: int

    def predict(self, x: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` for embeddings ``(n, n_layers, dim)``."""
        return _predict(self.model, x, self.prediction_type, batch_size)

    def layer_weights(self) -> np.ndarray:
        with torch.no_grad():
            return self.model.mixing_weights().cpu().numpy().astype(float)

    def summary(self) -> dict:
        return {**asdict(self.config), "label": self.config.label(),
                "valid_score": self.valid_score, "best_epoch": self.best_epoch,
                "epochs_run": self.epochs_run}


def _predict(model: nn.Module, x: np.ndarray, prediction_type: str, batch_size: int) -> np.ndarray:
    device = next(model.parameters()).device
    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(torch.as_tensor(x[start:start + batch_size], device=device))
            probs = (torch.softmax(logits, dim=1) if prediction_type == "multiclass"
                     else torch.sigmoid(logits))
            outputs.append(probs.cpu().numpy())
    return np.concatenate(outputs).astype(np.float64)


def train_probe(
    x_train: np.ndarray, y_train: np.ndarray, x_valid: np.ndarray, y_valid: np.ndarray, *,
    config: ProbeConfig, prediction_type: str, metric: Callable[[np.ndarray, np.ndarray], float],
    settings: TrainingSettings = DEFAULT_SETTINGS, seed: int = 0, device: str = "cpu",
) -> TrainedProbe:
    """Train one probe with early stopping on ``metric`` over the validation split.

    Args:
        x_train, x_valid: ``(n, n_layers, dim)`` float32 embeddings.
        y_train, y_valid: ``(n, n_classes)`` binary targets (one-hot when multiclass).
        metric: ``metric(probabilities, targets) -> float``, higher is better (NaN = worst).
    """
    x_train = np.ascontiguousarray(x_train, dtype=np.float32)
    n_train, n_layers, dim = x_train.shape
    n_classes = y_train.shape[1]
    generator = torch.Generator().manual_seed(seed)
    model = LayerWeightedMLP(n_layers, dim, n_classes, config, settings, generator).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    if prediction_type == "multiclass":
        target = torch.as_tensor(np.asarray(y_train).argmax(axis=1), device=device)
        loss_fn: nn.Module = nn.CrossEntropyLoss()
    else:
        target = torch.as_tensor(np.asarray(y_train, dtype=np.float32), device=device)
        loss_fn = nn.BCEWithLogitsLoss()
    inputs = torch.as_tensor(x_train, device=device)
    order_rng = np.random.default_rng(seed)
    batches = _batch_bounds(n_train, settings.batch_size)
    best = (-np.inf, 0, None)  # score, epoch, state
    checks_without_gain = 0
    epoch = 0
    fork_devices = [torch.device(device).index or 0] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(seed)  # dropout masks
        for epoch in range(1, settings.max_epochs + 1):
            model.train()
            permutation = torch.as_tensor(order_rng.permutation(n_train), device=device)
            for start, stop in batches:
                rows = permutation[start:stop]
                optimiser.zero_grad(set_to_none=True)
                loss = loss_fn(model(inputs[rows]), target[rows])
                loss.backward()
                optimiser.step()
            if epoch % settings.check_every and epoch != settings.max_epochs:
                continue
            score = float(metric(_predict(model, x_valid, prediction_type, 8192), y_valid))
            score = -np.inf if np.isnan(score) else score
            if score > best[0]:
                state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                best = (score, epoch, state)
                checks_without_gain = 0
            else:
                checks_without_gain += 1
                if checks_without_gain >= settings.patience:
                    break
    if best[2] is not None:
        model.load_state_dict(best[2])
    model.eval()
    return TrainedProbe(config, model, prediction_type, float(best[0]), best[1], epoch)


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run a block with ``count`` torch CPU threads, restoring the previous count after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, int(count)))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Batch (start, stop) pairs; a trailing batch of one clip joins the previous batch
    (BatchNorm cannot train on a single example)."""
    bounds = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < 2:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds
