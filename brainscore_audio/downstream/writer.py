"""Writing a task folder in the HEAR 2021 format (used by task renderers and by tests).

The folder is assembled in ``<root>.partial`` and renamed into place by :meth:`TaskWriter.finish`,
so an interrupted write never leaves a folder that looks complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from .. import atomic


class TaskWriter:
    """Collect clips and labels, then write the task folder.

    Args:
        root: the task folder to create (replaced if it exists).
        metadata: ``task_metadata.json`` content; ``splits`` is filled in if absent.
        sample_rate: rate (Hz) of the clips passed to :meth:`add`; audio goes to ``<rate>/``.
    """

    def __init__(self, root: str | os.PathLike, metadata: dict[str, Any], sample_rate: int) -> None:
        self.root = Path(root)
        self.metadata = dict(metadata)
        self.sample_rate = int(sample_rate)
        self.staging = self.root.with_name(self.root.name + ".partial")
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        self.labels: dict[str, dict[str, list[str]]] = {}

    def add(self, split: str, filename: str, waveform: np.ndarray, labels: list[str]) -> None:
        """Write one clip: ``waveform`` ``(samples,)`` float in [-1, 1] at ``sample_rate``, saved as
        16-bit PCM wav."""
        folder = self.staging / str(self.sample_rate) / split
        folder.mkdir(parents=True, exist_ok=True)
        clipped = np.clip(np.asarray(waveform, dtype=np.float32), -1.0, 1.0)
        soundfile.write(str(folder / filename), clipped, self.sample_rate, subtype="PCM_16")
        self.labels.setdefault(split, {})[filename] = [str(label) for label in labels]

    def finish(self, vocabulary: list[str] | None = None) -> Path:
        """Write labels, vocabulary and metadata, then move the folder into place.

        Args:
            vocabulary: class labels in index order; default: sorted labels seen.
        """
        if vocabulary is None:
            vocabulary = sorted({label for split in self.labels.values()
                                 for labels in split.values() for label in labels})
        for split, labels in self.labels.items():
            atomic.write_json(self.staging / f"{split}.json", labels)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["idx", "label"])
        writer.writerows(enumerate(vocabulary))
        atomic.write_text(self.staging / "labelvocabulary.csv", buffer.getvalue())
        metadata = dict(self.metadata)
        if set(self.labels) == {"train", "valid", "test"}:
            metadata.setdefault("splits", ["train", "valid", "test"])
        metadata.setdefault("splits", sorted(self.labels))
        atomic.write_text(self.staging / "task_metadata.json",
                          json.dumps(metadata, indent=2, sort_keys=True) + "\n")
        if self.root.exists():
            shutil.rmtree(self.root)
        os.replace(self.staging, self.root)
        return self.root

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
