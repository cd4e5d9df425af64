"""A labelled SOURCE of audio (a Hugging Face dataset or an audiofolder, see
:mod:`brainscore_audio.sources`) as a downstream task, scored with the HEAR probe protocol
(``benchmark run --task SOURCE --label-column NAME [--folds K]``).

Splits: a dataset with ``train``, a validation split (``validation``, ``valid`` or ``dev``) and
``test`` is one train/valid/test fold (other splits are left out). With ``folds=K`` every clip
goes to fold ``int(sha256(stimulus id)[:8], 16) % K`` (stable when clips are added or the order
changes) and the HEAR k-fold protocol runs: fold i tests, fold i+1 validates, the rest train.
A clip whose label is a list makes the task multilabel (metric mAP); otherwise it is multiclass
(top-1 accuracy).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..stimuli import StimulusSet
from .benchmark import HEARTaskBenchmark
from .task import HEARTask

#: Registry prefix of source tasks: ``source-task:<label column>;<folds or ''>;<SOURCE>``.
SOURCE_TASK_PREFIX = "source-task:"
VALID_NAMES = ("validation", "valid", "dev")
DEFAULT_LABEL = "label"


def source_task_id(source: str, label_column: str = DEFAULT_LABEL, folds: int | None = None) -> str:
    """The registry id that names a source task in plans (workers rebuild it from the id)."""
    from ..sources import parse_source

    parsed = parse_source(source)  # one-line errors now, not in a worker
    where = parsed.location if parsed.kind in ("folder", "audiofolder") else source
    if ";" in label_column:
        raise UserError(f"--label-column {label_column!r}: ';' is not allowed in a column name")
    return f"{SOURCE_TASK_PREFIX}{label_column};{folds or ''};{where}"


def make_source_task(rest: str, data_dir: Any = None) -> SourceTaskBenchmark:
    """The benchmark of a :func:`source_task_id` (without its prefix)."""
    label_column, folds, source = rest.split(";", 2)
    return SourceTaskBenchmark(source, label_column, int(folds) if folds else None)


class SourceTaskBenchmark(HEARTaskBenchmark):
    """The probe protocol on a labelled SOURCE (a Hugging Face dataset or an audiofolder).

    Args:
        source: the SOURCE string (:func:`brainscore_audio.sources.parse_source`).
        label_column: the dataset column holding each clip's label (or list of labels).
        folds: k for k-fold over every clip (k >= 3); None uses the dataset's train,
            validation and test splits.
    """

    def __init__(self, source: str, label_column: str = DEFAULT_LABEL, folds: int | None = None,
                 **kwargs: Any) -> None:
        from ..sources import parse_source

        parsed = parse_source(source)
        if folds is not None and folds < 3:
            raise UserError(f"--folds {folds}: k-fold needs at least 3 folds")
        name = parsed.name + ("" if label_column == DEFAULT_LABEL else f"#{label_column}")
        super().__init__(f"task:{name}", Path(parsed.location), suite="custom",
                         description=f"labels {label_column!r} of {parsed.name}, probed "
                                     "(HEAR protocol)", **kwargs)
        self.source = source
        self.parsed = parsed
        self.label_column = label_column
        self.n_folds = folds
        self._clips: StimulusSet | None = None

    def clips(self) -> StimulusSet:
        """The source's stimulus set (every column of the dataset as metadata)."""
        if self._clips is None:
            from ..sources import open_source

            self._clips = open_source(self.source)
        return self._clips

    @property
    def task(self) -> HEARTask:
        if self._task is None:
            self._task = self._build_task()
        return self._task

    @property
    def stimulus_set(self) -> StimulusSet:
        if self._stimuli is None:
            self.task  # noqa: B018 - builds the split and label columns
        return self._stimuli

    def _build_task(self) -> HEARTask:
        clips = self.clips()
        if self.label_column not in clips.metadata:
            columns = ", ".join(c for c in clips.metadata if c != "split") or "none"
            raise UserError(f"{self.parsed.name}: no column {self.label_column!r} (columns: "
                            f"{columns}); name the label column with --label-column")
        raw = clips.metadata[self.label_column]
        multilabel = any(isinstance(v, list | tuple) for v in raw)
        labels = []
        for stimulus_id, value in zip(clips.ids, raw, strict=True):
            values = list(value) if isinstance(value, list | tuple) else [value]
            if value is None or any(v is None for v in values) or not values and not multilabel:
                raise UserError(f"{self.parsed.name}: clip {stimulus_id} has no "
                                f"{self.label_column!r} label")
            labels.append([str(v) for v in values])
        splits, split_mode, names = self._splits(clips)
        keep = [i for i, split in enumerate(splits) if split is not None]
        files = {name: [(clips.ids[i], labels[i]) for i in keep if splits[i] == name]
                 for name in names}
        for name, items in files.items():
            if not items:
                raise UserError(f"{self.parsed.name}: split {name} holds no clip; use fewer "
                                "--folds or a dataset with more clips")
        vocabulary = sorted({label for i in keep for label in labels[i]})
        if len(vocabulary) < 2:
            raise UserError(f"{self.parsed.name}: column {self.label_column!r} has "
                            f"{len(vocabulary)} class; a task needs at least 2")
        self._stimuli = StimulusSet(
            clips.identifier, [clips.ids[i] for i in keep],
            loader=lambda j, keep=keep: clips.native_audio(keep[j]),
            metadata={"split": [splits[i] for i in keep], "labels": [labels[i] for i in keep]},
            names=[f"{self.parsed.name} {clips.ids[i]}" for i in keep])
        metadata = {"task_name": self.identifier[len("task:"):], "source": self.parsed.name,
                    "label_column": self.label_column, "split_rule": self._split_rule(),
                    "embedding_type": "scene",
                    "prediction_type": "multilabel" if multilabel else "multiclass",
                    "split_mode": split_mode}
        return HEARTask(root=Path(self.parsed.location), name=metadata["task_name"], version="",
                        prediction_type=metadata["prediction_type"], split_mode=split_mode,
                        evaluation=("mAP",) if multilabel else ("top1_acc",),
                        splits=tuple(names), vocabulary=tuple(vocabulary), files=files,
                        sample_rate=0, sample_duration=None, metadata=metadata)

    def _splits(self, clips: StimulusSet) -> tuple[list[str | None], str, list[str]]:
        """Each clip's task split (None: left out), the split mode and the split names."""
        if self.n_folds is not None:
            k = self.n_folds
            return ([f"fold{int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) % k:02d}"
                     for i in clips.ids], "new_split_kfold", [f"fold{i:02d}" for i in range(k)])
        present = sorted(set(clips.metadata["split"]))
        valid = next((name for name in VALID_NAMES if name in present), None)
        if "train" not in present or "test" not in present or valid is None:
            raise UserError(f"{self.parsed.name}: splits {', '.join(present)}; a task needs "
                            "train, validation (or valid/dev) and test splits, or --folds K "
                            "(k-fold over every clip)")
        rename = {"train": "train", valid: "valid", "test": "test"}
        return ([rename.get(s) for s in clips.metadata["split"]], "trainvaltest",
                ["train", "valid", "test"])

    def _split_rule(self) -> str:
        if self.n_folds is not None:
            return (f"{self.n_folds} folds: int(sha256(stimulus id)[:8], 16) % {self.n_folds}; "
                    "fold i tests, fold i+1 validates, the others train")
        return "the dataset's train, validation and test splits"

    def parameters(self) -> dict[str, Any]:
        parameters = super().parameters()
        parameters.update(source=self.parsed.name, label_column=self.label_column,
                          split_rule=self._split_rule(), sample_rate="each clip's own")
        return parameters

    def data_checksums(self) -> dict[str, str]:
        """sha256 of the labels and splits as scored (the audio is in the stimulus
        fingerprint)."""
        task = self.task
        document = json.dumps({"labels": task.files, "vocabulary": task.vocabulary,
                               "label_column": self.label_column, "split_rule": self._split_rule()},
                              sort_keys=True)
        return {"labels-and-splits": hashlib.sha256(document.encode()).hexdigest()}
