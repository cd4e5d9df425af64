"""Reading a downstream task in the HEAR 2021 on-disk format.

A task folder holds::

    task_metadata.json      task_name, version, embedding_type, prediction_type, split_mode,
                            sample_duration, evaluation (first = primary), splits, nfolds
    labelvocabulary.csv     idx,label (one row per class, idx 0..n-1)
    <split>.json            {file name: [label, ...]} for every split
    <rate>/<split>/*.wav    mono audio at <rate> Hz (e.g. 48000/fold00/1-100038-A-14.wav)

Any folder in this layout is a task (HEAR's own archives, the mini tasks, or a user's own), and
every problem with one is a one-line :class:`~brainscore_audio.errors.UserError` naming the file
and what was expected.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError

PREDICTION_TYPES = ("multiclass", "multilabel")
SPLIT_MODES = ("trainvaltest", "presplit_kfold", "new_split_kfold")
TRAINVALTEST = ("train", "valid", "test")
REQUIRED_KEYS = ("task_name", "embedding_type", "prediction_type", "split_mode", "evaluation")


@dataclass(frozen=True)
class Fold:
    """One train/validation/test assignment of the task's splits.

    Attributes:
        name: the test split's name (``"test"`` or ``"fold00"``...).
        train: split names used for training.
        valid: split used for early stopping and the grid search.
        test: split scored.
    """

    name: str
    train: tuple[str, ...]
    valid: str
    test: str


@dataclass(frozen=True)
class HEARTask:
    """A parsed task folder (audio is not read here; see :meth:`audio_path`).

    Attributes:
        root: the task folder.
        name, version: ``task_name`` and ``version`` of the metadata.
        prediction_type: ``"multiclass"`` (one label per clip) or ``"multilabel"``.
        split_mode: ``"trainvaltest"``, ``"presplit_kfold"`` or ``"new_split_kfold"``.
        evaluation: metric names, the first is the primary one.
        splits: split names in the metadata's order.
        vocabulary: class labels ordered by ``idx``.
        files: ``{split: [(file name, [labels])]}`` sorted by file name.
        sample_rate: the audio folder used (Hz).
        sample_duration: seconds per clip, or None.
        metadata: the full ``task_metadata.json``.
    """

    root: Path
    name: str
    version: str
    prediction_type: str
    split_mode: str
    evaluation: tuple[str, ...]
    splits: tuple[str, ...]
    vocabulary: tuple[str, ...]
    files: dict[str, list[tuple[str, list[str]]]]
    sample_rate: int
    sample_duration: float | None
    metadata: dict[str, Any] = field(repr=False)

    @property
    def primary_metric(self) -> str:
        return self.evaluation[0]

    @property
    def n_clips(self) -> int:
        return sum(len(items) for items in self.files.values())

    def audio_path(self, split: str, filename: str) -> Path:
        """The clip's file, checked to lie inside the task folder (see :func:`clip_path`)."""
        return clip_path(self.root, self.sample_rate, split, filename)

    def folds(self) -> list[Fold]:
        """The folds of the HEAR protocol.

        ``trainvaltest``: one fold (train / valid / test). k-fold modes: k folds, fold i tests
        on split i, validates on split i+1 (mod k) and trains on the others.
        """
        if self.split_mode == "trainvaltest":
            return [Fold("test", ("train",), "valid", "test")]
        k = len(self.splits)
        return [Fold(self.splits[i], tuple(s for j, s in enumerate(self.splits)
                                           if j not in (i, (i + 1) % k)),
                     self.splits[(i + 1) % k], self.splits[i]) for i in range(k)]


def load_task(root: str | Path, sample_rate: int | None = None, check_audio: bool = True) -> HEARTask:
    """Parse and validate a HEAR-format task folder.

    Args:
        root: the folder holding ``task_metadata.json``.
        sample_rate: which ``<rate>/`` audio folder to use; default the highest present.
        check_audio: check that every labelled file exists (one stat per clip).
    Raises:
        UserError: one line naming the offending file and what was expected.
    """
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: task folder not found (expected a HEAR-format task folder)")
    meta_path = root / "task_metadata.json"
    metadata = _read_json(meta_path, "task metadata")
    if not isinstance(metadata, dict):
        raise UserError(f"{meta_path}: expected a JSON object")
    missing = [key for key in REQUIRED_KEYS if key not in metadata]
    if missing:
        raise UserError(f"{meta_path}: missing key(s) {', '.join(missing)}")
    if metadata["embedding_type"] != "scene":
        raise UserError(f"{meta_path}: embedding_type {metadata['embedding_type']!r} is not "
                        "supported; expected 'scene' (event/timestamp tasks are not scored)")
    prediction_type = metadata["prediction_type"]
    if prediction_type not in PREDICTION_TYPES:
        raise UserError(f"{meta_path}: prediction_type {prediction_type!r}; expected one of "
                        f"{', '.join(PREDICTION_TYPES)}")
    split_mode = metadata["split_mode"]
    if split_mode not in SPLIT_MODES:
        raise UserError(f"{meta_path}: split_mode {split_mode!r}; expected one of "
                        f"{', '.join(SPLIT_MODES)}")
    evaluation = metadata["evaluation"]
    if (not isinstance(evaluation, list) or not evaluation
            or not all(isinstance(e, str) for e in evaluation)):
        raise UserError(f"{meta_path}: 'evaluation' must be a non-empty list of metric names")
    from .metrics import METRICS  # local: metrics imports nothing from here

    unknown = [e for e in evaluation if e not in METRICS]
    if unknown:
        raise UserError(f"{meta_path}: unknown metric(s) {', '.join(unknown)} in 'evaluation'; "
                        f"known: {', '.join(METRICS)}")
    splits = _splits(metadata, meta_path, split_mode)
    vocabulary = _read_vocabulary(root / "labelvocabulary.csv")
    rate = _pick_rate(root, sample_rate)
    known = set(vocabulary)
    files: dict[str, list[tuple[str, list[str]]]] = {}
    for split in splits:
        path = root / f"{split}.json"
        labels = _read_json(path, f"labels of split {split!r}")
        if not isinstance(labels, dict):
            raise UserError(f"{path}: expected a JSON object {{file name: [labels]}}")
        items = []
        for filename, clip_labels in sorted(labels.items()):
            if not isinstance(clip_labels, list):
                raise UserError(f"{path}: labels of {filename!r} must be a list, got "
                                f"{type(clip_labels).__name__}")
            clip_labels = [str(label) for label in clip_labels]
            unknown_labels = [label for label in clip_labels if label not in known]
            if unknown_labels:
                raise UserError(f"{path}: label {unknown_labels[0]!r} of {filename!r} is not in "
                                "labelvocabulary.csv")
            if prediction_type == "multiclass" and len(clip_labels) != 1:
                raise UserError(f"{path}: {filename!r} has {len(clip_labels)} labels; a multiclass "
                                "task needs exactly one per file")
            audio = clip_path(root, rate, split, filename, listed_in=path, resolve=check_audio)
            if check_audio and not audio.is_file():
                raise UserError(f"{audio}: audio file listed in {path.name} not found")
            items.append((filename, clip_labels))
        if not items:
            raise UserError(f"{path}: split {split!r} lists no files")
        files[split] = items
    duration = metadata.get("sample_duration")
    if duration is not None and (isinstance(duration, bool)
                                 or not isinstance(duration, int | float) or duration <= 0):
        raise UserError(f"{meta_path}: sample_duration must be a positive number of seconds (or "
                        f"absent), got {duration!r}")
    return HEARTask(
        root=root, name=str(metadata["task_name"]), version=str(metadata.get("version", "")),
        prediction_type=prediction_type, split_mode=split_mode, evaluation=tuple(evaluation),
        splits=tuple(splits), vocabulary=tuple(vocabulary), files=files, sample_rate=rate,
        sample_duration=None if duration is None else float(duration), metadata=metadata)


def clip_path(root: Path, rate: int, split: str, filename: str, listed_in: Path | None = None,
              resolve: bool = True) -> Path:
    """``root/<rate>/<split>/<filename>``, refused unless it stays inside the task folder.

    A file name must be a relative path without ``..`` components (``a.wav`` or ``sub/a.wav``);
    with ``resolve``, symbolic links are followed and the file they reach must lie inside
    ``root`` too, so a task folder can never make the harness read files elsewhere.

    Raises:
        UserError: one line naming the split file (``listed_in``) and the offending name.
    """
    where = f"{listed_in or root / f'{split}.json'}: audio path {filename!r}"
    parts = filename.replace("\\", "/").split("/")
    if (not filename or filename.startswith(("/", "\\")) or (len(filename) > 1 and filename[1] == ":")
            or any(p in ("", ".", "..") for p in parts)):
        raise UserError(f"{where} is not a plain relative file name; HEAR tasks list files that "
                        f"lie in {rate}/{split}/ of the task folder (no '..', no absolute paths)")
    path = root / str(rate) / split / filename
    if resolve:
        real, inside = path.resolve(), root.resolve()
        if not real.is_relative_to(inside):
            raise UserError(f"{where} leads outside the task folder {root} (to {real}, through a "
                            "symbolic link); copy the audio into the task folder")
    return path


def _read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise UserError(f"{path}: {what} file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from exc


def _splits(metadata: dict, meta_path: Path, split_mode: str) -> list[str]:
    """Split names from ``splits`` (names or ``{"name": ...}`` objects), else from the mode."""
    raw = metadata.get("splits")
    if raw is None:
        if split_mode == "trainvaltest":
            splits = list(TRAINVALTEST)
        else:
            nfolds = metadata.get("nfolds")
            if not isinstance(nfolds, int) or isinstance(nfolds, bool) or nfolds < 3:
                raise UserError(f"{meta_path}: split_mode {split_mode} needs 'splits' or an "
                                "integer 'nfolds' >= 3")
            splits = [f"fold{i:02d}" for i in range(nfolds)]
    else:
        if not isinstance(raw, list) or not raw:
            raise UserError(f"{meta_path}: 'splits' must be a non-empty list of split names")
        splits = [s["name"] if isinstance(s, dict) and "name" in s else s for s in raw]
        if not all(isinstance(s, str) and s and "/" not in s and "\\" not in s
                   and s not in (".", "..") for s in splits):
            raise UserError(f"{meta_path}: 'splits' must hold split names (strings naming a "
                            "folder, without '/' and other than '.' and '..')")
        if len(set(splits)) != len(splits):
            raise UserError(f"{meta_path}: 'splits' names a split twice")
    if split_mode == "trainvaltest":
        if sorted(splits) != sorted(TRAINVALTEST):
            raise UserError(f"{meta_path}: split_mode trainvaltest needs splits train, valid, "
                            f"test; got {', '.join(splits)}")
        return list(TRAINVALTEST)
    if len(splits) < 3:
        raise UserError(f"{meta_path}: a k-fold task needs at least 3 folds, got {len(splits)}")
    nfolds = metadata.get("nfolds")
    if nfolds is not None and (not isinstance(nfolds, int) or isinstance(nfolds, bool)):
        raise UserError(f"{meta_path}: nfolds must be an integer, got {nfolds!r}")
    if nfolds is not None and nfolds != len(splits):
        raise UserError(f"{meta_path}: nfolds is {nfolds} but 'splits' names {len(splits)} folds")
    return splits


def _read_vocabulary(path: Path) -> list[str]:
    if not path.is_file():
        raise UserError(f"{path}: label vocabulary file not found (expected idx,label rows)")
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not rows or [c.strip() for c in rows[0][:2]] != ["idx", "label"]:
        raise UserError(f"{path}: expected a header row 'idx,label'")
    by_index: dict[int, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) < 2:
            raise UserError(f"{path}: line {line}: expected 'idx,label'")
        try:
            index = int(row[0])
        except ValueError:
            raise UserError(f"{path}: line {line}: idx {row[0]!r} is not an integer") from None
        if index in by_index:
            raise UserError(f"{path}: line {line}: idx {index} appears twice")
        by_index[index] = row[1]
    if not by_index:
        raise UserError(f"{path}: no labels")
    if sorted(by_index) != list(range(len(by_index))):
        raise UserError(f"{path}: idx values must be 0..{len(by_index) - 1} without gaps")
    labels = [by_index[i] for i in range(len(by_index))]
    if len(set(labels)) != len(labels):
        raise UserError(f"{path}: a label appears twice")
    return labels


def _pick_rate(root: Path, sample_rate: int | None) -> int:
    rates = sorted(int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    if not rates:
        raise UserError(f"{root}: no audio folder named by its sample rate (e.g. 48000/)")
    if sample_rate is None:
        return rates[-1]
    if sample_rate not in rates:
        raise UserError(f"{root}: no audio folder {sample_rate}/; found "
                        f"{', '.join(map(str, rates))}")
    return sample_rate
