"""A HEAR-format task folder as a benchmark: stimulus set + the probe protocol."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import progress
from ..activations import StimulusActivations
from ..benchmark import Benchmark, Score
from ..errors import UserError
from ..stimuli import StimulusSet, file_stimulus_set
from .config import (
    DEFAULT_GRID,
    DEFAULT_OPTIONS,
    DEFAULT_SETTINGS,
    ProbeConfig,
    ProtocolOptions,
    TrainingSettings,
)
from .task import Fold, HEARTask, load_task

PROTOCOL = "hear-mlp-probe"
#: Version of every probe benchmark's records. 2: Pepino et al.'s PCA rule (no PCA when the
#: layer sizes are equal) and ties broken by validation loss (CHANGELOG.md).
PROTOCOL_VERSION = 2
PCA_DESCRIPTIONS = {
    "if-sizes-differ": "if layer sizes differ, every layer reduced by PCA to min(training clips, "
                       "smallest layer size), fit on the training split; equal sizes enter raw "
                       "(Pepino et al.)",
    "always": "every layer reduced by PCA to min(training clips, smallest layer size), fit on "
              "the training split",
}
#: Name of the provenance file a fetcher leaves in a task folder (source URL, archive sha256).
SOURCE_FILE = "brainscore-source.json"

HEAR_BIBTEX = """@inproceedings{turian2022hear,
  title = {{HEAR}: Holistic Evaluation of Audio Representations},
  author = {Turian, Joseph and Shier, Jordie and Khan, Humair Raj and Raj, Bhiksha and
            Schuller, Bj{\\"o}rn W. and Steinmetz, Christian J. and Malloy, Colin and
            Tzanetakis, George and Velarde, Gissel and McNally, Kirk and Henry, Max and
            Pinto, Nicolas and Noufi, Camille and Clough, Christian and Herremans, Dorien and
            Fonseca, Eduardo and Engel, Jesse and Salamon, Justin and Esling, Philippe and
            Manocha, Pranay and Watanabe, Shinji and Jin, Zeyu and Bisk, Yonatan},
  booktitle = {Proceedings of the NeurIPS 2021 Competitions and Demonstrations Track},
  series = {Proceedings of Machine Learning Research},
  volume = {176},
  pages = {125--145},
  year = {2022}
}
@article{pepino2025better,
  title = {Better audio representations are more brain-like: linking model-brain alignment
           with performance in downstream auditory tasks},
  author = {Pepino, Leonardo and Riera, Pablo and Kamienkowski, Juan and Ferrer, Luciana},
  journal = {arXiv preprint arXiv:2511.16849},
  year = {2025}
}"""


class HEARTaskBenchmark(Benchmark):
    """Score a model's time-mean embeddings on a HEAR-format task with the probe protocol.

    Args:
        identifier: benchmark id, e.g. ``"hear.esc50"`` or ``"task:my_task"``.
        task_dir: the task folder, or a callable returning it (called on first use, so a
            missing download is reported only when the benchmark is run).
        suite: group name for the z-scored overall (``"hear"``, ``"mini"``, ``"custom"``).
        sample_rate: which ``<rate>/`` folder to read (default: the highest).
        grid, settings, options, seed: the protocol (defaults: docs/benchmarks/downstream.md);
            ``options`` holds the choices where Pepino et al., HEAR's runner and we can differ.
    """

    pooling = "mean"
    device = "cpu"  # the harness sets --device; probes train there
    uses_device = True  # so distributed runs send GPU scoring jobs to GPU workers

    def __init__(self, identifier: str, task_dir: Path | str | Callable[[], Path], *,
                 suite: str = "custom", description: str = "", bibtex: str = HEAR_BIBTEX,
                 version: int = PROTOCOL_VERSION, sample_rate: int | None = None,
                 grid: Sequence[ProbeConfig] = DEFAULT_GRID,
                 settings: TrainingSettings = DEFAULT_SETTINGS,
                 options: ProtocolOptions = DEFAULT_OPTIONS, seed: int = 0,
                 facts: dict[str, Any] | None = None) -> None:
        self.identifier = identifier
        self.version = version
        self.suite = suite
        self.description = description
        self.bibtex = bibtex
        self.grid = tuple(grid)
        self.settings = settings
        self.options = options
        self.seed = seed
        self.facts = dict(facts or {})
        self._task_dir = task_dir
        self._sample_rate = sample_rate
        self._task: HEARTask | None = None
        self._stimuli: StimulusSet | None = None

    @property
    def task(self) -> HEARTask:
        if self._task is None:
            folder = self._task_dir() if callable(self._task_dir) else Path(self._task_dir)
            self._task = load_task(folder, self._sample_rate)
        return self._task

    @property
    def stimulus_set(self) -> StimulusSet:
        if self._stimuli is None:
            task = self.task
            ids, paths, splits, labels = [], [], [], []
            for split in task.splits:
                for filename, clip_labels in task.files[split]:
                    ids.append(f"{split}/{filename}")
                    paths.append(task.audio_path(split, filename))
                    splits.append(split)
                    labels.append(list(clip_labels))
            self._stimuli = file_stimulus_set(self.identifier, ids, paths,
                                              metadata={"split": splits, "labels": labels})
        return self._stimuli

    def targets(self) -> np.ndarray:
        """``(n_clips, n_classes)`` binary targets in stimulus order."""
        task = self.task
        index = {label: i for i, label in enumerate(task.vocabulary)}
        labels = self.stimulus_set.metadata["labels"]
        targets = np.zeros((len(labels), len(index)), dtype=np.float32)
        for row, clip_labels in enumerate(labels):
            targets[row, [index[label] for label in clip_labels]] = 1.0
        return targets

    def folds(self) -> list[Fold]:
        """The task's folds in the order run (``options.fold_order``)."""
        task = self.task
        if self.options.fold_order == "sorted":
            task = dataclasses.replace(task, splits=tuple(sorted(task.splits)))
        return task.folds()

    def __call__(self, activations: StimulusActivations) -> Score:
        stimuli = self.stimulus_set
        if activations.stimulus_ids != stimuli.ids:
            raise UserError(f"{self.identifier}: activations are not in the task's stimulus order")
        if activations.pooling != "mean":
            raise UserError(f"{self.identifier}: needs time-mean (pooling 'mean') activations")
        activations.check_values()
        task = self.task
        from .protocol import run_protocol  # imports torch: only when scoring

        seeds = [self.seed + i for i in range(self.options.probe_seeds)]
        runs = [run_protocol(
            activations.layers, stimuli.metadata["split"], self.targets(), self.folds(),
            task.prediction_type, task.evaluation, grid=self.grid, settings=self.settings,
            options=self.options, seed=seed, device=self.device, progress=progress.enabled())
            for seed in seeds]
        first, primary = runs[0], runs[0].primary_metric
        per_fold = {fold: {name: float(np.mean([r.per_fold[fold][name] for r in runs]))
                           for name in task.evaluation} for fold in first.per_fold}
        weights_per_fold = {fold: np.mean([r.layer_weights[fold] for r in runs], axis=0).tolist()
                            for fold in first.layer_weights}
        seed_scores = [r.score for r in runs]
        layer_names = list(activations.layers)
        mean_weights = np.mean(list(weights_per_fold.values()), axis=0)
        details = {
            "primary_metric": primary,
            "per_fold": per_fold,
            "test_mean": {name: float(np.nanmean([f[name] for f in per_fold.values()]))
                          for name in task.evaluation},
            "chosen_hyperparameters": first.chosen,
            "grid": first.grid,
            "per_seed": [{"seed": seed, "score": r.score, "chosen": r.chosen["label"],
                          "per_fold": {fold: v[primary] for fold, v in r.per_fold.items()}}
                         for seed, r in zip(seeds, runs, strict=True)],
            "layer_weights": {name: float(w) for name, w in zip(layer_names, mean_weights,
                                                                 strict=True)},
            "layer_weights_per_fold": weights_per_fold,
            "pca": first.pca,
            "split_sizes": first.sizes,
            "timings_s": {key: round(sum(r.timings[key] for r in runs), 3)
                          for key in first.timings},
        }
        if len(runs) > 1:
            details["seed_sd"] = float(np.std(seed_scores, ddof=1))
        return Score(raw=float(np.mean(seed_scores)),
                     error=spread(self.options.error, [v[primary] for v in per_fold.values()],
                                  seed_scores),
                     details=details)

    def parameters(self) -> dict[str, Any]:
        task = self.task
        options = self.options
        return {
            "protocol": PROTOCOL, "suite": self.suite, "task_name": task.name,
            "task_version": task.version, "task_mode": task.metadata.get("mode"),
            "prediction_type": task.prediction_type, "split_mode": task.split_mode,
            "folds": [f"test {f.test}, valid {f.valid}, train {'+'.join(f.train)}"
                      for f in self.folds()],
            "fold_order": options.fold_order,
            "evaluation": list(task.evaluation), "primary_metric": task.primary_metric,
            "sample_rate": task.sample_rate, "pooling": "mean over time",
            "pca": options.pca, "pca_rule": PCA_DESCRIPTIONS[options.pca],
            "layer_weights": "|w_i| / sum |w_j|, init 1",
            "grid": [g.label() for g in self.grid],
            "grid_points": options.grid_points or "all, in grid order",
            "grid_search": "first fold, validation primary metric",
            "tie_break": options.tie_break,
            "settings": vars(self.settings) | {"optimizer": "Adam", "activation": "ReLU",
                                               "norm": "BatchNorm1d"},
            "seed": self.seed, "seeding": options.seeding, "probe_seeds": options.probe_seeds,
            "error": options.error, "device": self.device,
        }

    def data_checksums(self) -> dict[str, str]:
        task = self.task
        names = ["task_metadata.json", "labelvocabulary.csv"] + [f"{s}.json" for s in task.splits]
        sums = {name: hashlib.sha256((task.root / name).read_bytes()).hexdigest() for name in names}
        source = task.root / SOURCE_FILE
        if source.is_file():
            info = json.loads(source.read_text(encoding="utf-8"))
            if "sha256" in info:
                sums[info.get("archive", "archive")] = info["sha256"]
        return sums

    def metadata(self) -> dict[str, Any]:
        task = self.task
        return {"task_name": task.name, "n_clips": task.n_clips, "n_classes": len(task.vocabulary),
                "primary_metric": task.primary_metric, **self.facts}


def spread(kind: str, fold_scores: Sequence[float], seed_scores: Sequence[float]) -> float | None:
    """A record's ``error``: ``"se-folds"`` (SD / sqrt(k) over k folds), ``"sd-folds"`` (sample
    SD over folds) or ``"sd-seeds"`` (sample SD over probe seeds); None with one value."""
    values = seed_scores if kind == "sd-seeds" else fold_scores
    if len(values) < 2:
        return None
    sd = float(np.std(values, ddof=1))
    return sd / float(np.sqrt(len(values))) if kind == "se-folds" else sd


def task_benchmark(task_dir: str | Path, **kwargs: Any) -> HEARTaskBenchmark:
    """An ad-hoc benchmark ``task:<task_name>`` for any HEAR-format folder (``--task-dir``)."""
    task = load_task(task_dir, check_audio=False)
    return HEARTaskBenchmark(f"task:{task.name}", Path(task_dir), suite="custom",
                             description=f"HEAR-format task {task.name} from {task_dir}", **kwargs)
