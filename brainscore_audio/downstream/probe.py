"""The downstream probe: learned layer weights, then an MLP (docs/benchmarks/downstream.md).

Input per clip: ``(n_layers, dim)`` time-mean embeddings (already PCA-reduced to one size).
The probe mixes layers with weights ``|w_i| / sum_j |w_j|`` (all ``w_i`` start at 1), then runs
``hidden_layers`` x (Linear 1024 -> BatchNorm -> Dropout 0.1 -> ReLU) and a Linear read-out, as
HEAR's ``FullyConnectedPrediction`` does, with Xavier initialisation (gain 1 for the first
layer, sqrt(2) after a ReLU). Training: Adam, batches of 1024, softmax + cross-entropy
(multiclass) or sigmoid + binary cross-entropy (multilabel), validation every ``check_every``
epochs on the primary metric, early stopping after ``patience`` checks without improvement, and
the best validation state is kept.

Everything random (initialisation, batch order, dropout) derives from one ``seed``: the same
inputs and seed give the same probe, bit for bit, on the same machine and device. A caller can
instead hand over a :class:`ProbeRandomness` that several probes draw from in turn (HEAR's
runner seeds once per task: :func:`seeded_stream`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
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
        valid_loss: training loss (cross-entropy or binary cross-entropy, mean over clips) on the
            validation split at the kept state; breaks ties between grid points.
        best_epoch: epoch of the kept state; epochs_run: epochs trained before stopping.
    """

    config: ProbeConfig
    model: LayerWeightedMLP
    prediction_type: str
    valid_score: float
    valid_loss: float
    best_epoch: int
    epochs_run: int

    def predict(self, x: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` for embeddings ``(n, n_layers, dim)``."""
        return _probabilities(_logits(self.model, x, batch_size), self.prediction_type).numpy()

    def layer_weights(self) -> np.ndarray:
        with torch.no_grad():
            return self.model.mixing_weights().cpu().numpy().astype(float)

    def summary(self) -> dict:
        return {**asdict(self.config), "label": self.config.label(),
                "valid_score": self.valid_score, "valid_loss": self.valid_loss,
                "best_epoch": self.best_epoch, "epochs_run": self.epochs_run}


@dataclass
class ProbeRandomness:
    """Where a probe's random numbers come from: ``init`` (weights and biases) and ``order``
    (batch order). Dropout draws on torch's global generator."""

    init: torch.Generator
    order: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> ProbeRandomness:
        return cls(torch.Generator().manual_seed(seed), np.random.default_rng(seed))


@contextmanager
def seeded_stream(seed: int, device: str = "cpu") -> Iterator[ProbeRandomness]:
    """One random stream for several probes: generators seeded once with ``seed`` and torch's
    global generator (dropout) seeded once, restored on exit."""
    with torch.random.fork_rng(devices=_cuda_devices(device)):
        torch.manual_seed(seed)
        yield ProbeRandomness.from_seed(seed)


def _cuda_devices(device: str) -> list[int]:
    return [torch.device(device).index or 0] if str(device).startswith("cuda") else []


def _logits(model: nn.Module, x: np.ndarray, batch_size: int = 8192) -> torch.Tensor:
    """Logits ``(n, n_classes)`` on the CPU, float64."""
    device = next(model.parameters()).device
    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            outputs.append(model(torch.as_tensor(x[start:start + batch_size], device=device)).cpu())
    return torch.cat(outputs).double()


def _probabilities(logits: torch.Tensor, prediction_type: str) -> torch.Tensor:
    return torch.softmax(logits, dim=1) if prediction_type == "multiclass" else torch.sigmoid(logits)


def _loss(logits: torch.Tensor, targets: np.ndarray, prediction_type: str) -> float:
    """Mean validation loss, the training loss's definition."""
    if prediction_type == "multiclass":
        return float(nn.functional.cross_entropy(
            logits, torch.as_tensor(np.asarray(targets).argmax(axis=1))))
    return float(nn.functional.binary_cross_entropy_with_logits(
        logits, torch.as_tensor(np.asarray(targets, dtype=np.float64))))


def train_probe(
    x_train: np.ndarray, y_train: np.ndarray, x_valid: np.ndarray, y_valid: np.ndarray, *,
    config: ProbeConfig, prediction_type: str, metric: Callable[[np.ndarray, np.ndarray], float],
    settings: TrainingSettings = DEFAULT_SETTINGS, seed: int = 0, device: str = "cpu",
    randomness: ProbeRandomness | None = None,
) -> TrainedProbe:
    """Train one probe with early stopping on ``metric`` over the validation split.

    Args:
        x_train, x_valid: ``(n, n_layers, dim)`` float32 embeddings.
        y_train, y_valid: ``(n, n_classes)`` binary targets (one-hot when multiclass).
        metric: ``metric(probabilities, targets) -> float``, higher is better (NaN = worst).
        seed: seeds initialisation, batch order and dropout of this probe alone (torch's global
            generator is restored after), unless ``randomness`` is given: then the probe draws
            on it and on the caller's global generator (see :func:`seeded_stream`).
    """
    x_train = np.ascontiguousarray(x_train, dtype=np.float32)
    n_train, n_layers, dim = x_train.shape
    n_classes = y_train.shape[1]
    own = randomness is None
    random = ProbeRandomness.from_seed(seed) if own else randomness
    model = LayerWeightedMLP(n_layers, dim, n_classes, config, settings, random.init).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    if prediction_type == "multiclass":
        target = torch.as_tensor(np.asarray(y_train).argmax(axis=1), device=device)
        loss_fn: nn.Module = nn.CrossEntropyLoss()
    else:
        target = torch.as_tensor(np.asarray(y_train, dtype=np.float32), device=device)
        loss_fn = nn.BCEWithLogitsLoss()
    inputs = torch.as_tensor(x_train, device=device)
    batches = _batch_bounds(n_train, settings.batch_size)
    best = (-np.inf, np.inf, 0, None)  # score, loss, epoch, state
    checks_without_gain = 0
    epoch = 0
    with torch.random.fork_rng(devices=_cuda_devices(device)) if own else nullcontext():
        if own:
            torch.manual_seed(seed)  # dropout masks
        for epoch in range(1, settings.max_epochs + 1):
            model.train()
            permutation = torch.as_tensor(random.order.permutation(n_train), device=device)
            for start, stop in batches:
                rows = permutation[start:stop]
                optimiser.zero_grad(set_to_none=True)
                loss = loss_fn(model(inputs[rows]), target[rows])
                loss.backward()
                optimiser.step()
            if epoch % settings.check_every and epoch != settings.max_epochs:
                continue
            logits = _logits(model, x_valid)
            score = float(metric(_probabilities(logits, prediction_type).numpy(), y_valid))
            score = -np.inf if np.isnan(score) else score
            if score > best[0]:
                state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                best = (score, _loss(logits, y_valid, prediction_type), epoch, state)
                checks_without_gain = 0
            else:
                checks_without_gain += 1
                if checks_without_gain >= settings.patience:
                    break
    if best[3] is not None:
        model.load_state_dict(best[3])
    model.eval()
    return TrainedProbe(config, model, prediction_type, float(best[0]), float(best[1]), best[2],
                        epoch)


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
