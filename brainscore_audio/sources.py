"""A researcher's own sounds as a stimulus set: a folder of audio files, a Hugging Face dataset
(an ``audiofolder`` on disk, or a dataset of the hub by id, config and split), or a registered
stimulus set. ``benchmark extract --stimuli SOURCE`` embeds one; ``benchmark run --task SOURCE``
turns one with a label column into a downstream task (:mod:`brainscore_audio.downstream.sources`).

SOURCE strings:

- a registered stimulus-set id (``demo``, ``nh2015``...): that set, as the benchmarks see it;
- ``hf:<dataset>[:<config>[:<split>]]``: a dataset that ``datasets.load_dataset`` opens (a hub id
  such as ``hf:ashraq/esc50``, or a local dataset folder); every split unless one is named, the
  default config unless one is named (``hf:<dataset>::<split>`` names a split only); ``hf:`` and
  a local audiofolder is that audiofolder;
- a folder holding ``metadata.csv``/``metadata.jsonl`` or split folders (``train/``, ``test/``...):
  read as an ``audiofolder`` by ``datasets`` (its columns, e.g. labels, come along);
- any other folder: every audio file below it (no extra package needed).

Audio is never decoded by ``datasets`` (no torchcodec/ffmpeg): the audio column is read with
decoding off and the file or bytes are decoded with soundfile, mixed to mono, checked and
resampled with soxr like every other stimulus.

Stimulus ids: a folder's clips are named by their path below the folder (``dogs/1.wav``); a
dataset's by ``<split>/<file name>`` (or ``<split>/<row>`` where file names are missing or
repeat). ``metadata["split"]`` holds each clip's split.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from . import registry
from .audio import check_waveform, read_audio, to_mono
from .errors import UserError
from .optional import require
from .stimuli import StimulusSet, file_stimulus_set

HF_PREFIX = "hf:"
METADATA_FILES = ("metadata.csv", "metadata.jsonl", "metadata.parquet")
#: Folder names ``datasets`` reads as splits of an audiofolder.
SPLIT_FOLDERS = ("train", "training", "test", "testing", "eval", "evaluation", "valid",
                 "validation", "dev")


@dataclass(frozen=True)
class Source:
    """A parsed SOURCE string.

    Attributes:
        kind: ``"stimulus-set"``, ``"folder"``, ``"audiofolder"`` or ``"hub"``.
        location: the stimulus-set id, the folder, or the dataset id / path.
        config, split: of a hub dataset (None: the default config, every split).
    """

    kind: str
    location: str
    config: str | None = None
    split: str | None = None

    @property
    def name(self) -> str:
        """A short readable name: ``hf:<id>[:<config>][:<split>]``, the folder's name or the id."""
        if self.kind == "hub":
            parts = [HF_PREFIX + self.location, self.config or "", self.split or ""]
            return ":".join(parts).rstrip(":")
        if self.kind in ("folder", "audiofolder"):
            return Path(self.location).name
        return self.location

    @property
    def identifier(self) -> str:
        """The stimulus set's identifier (cache key): absolute folders, hub ids as given."""
        return self.name if self.kind in ("hub", "stimulus-set") else self.location


def parse_source(text: str) -> Source:
    """Parse a SOURCE string (see the module docstring); a one-line error for an unusable one."""
    if not text:
        raise UserError("--stimuli: empty SOURCE; expected a folder, hf:<dataset>[:<config>"
                        "[:<split>]] or a stimulus-set id")
    if text.startswith(HF_PREFIX):
        location, config, split = (text[len(HF_PREFIX):].split(":", 2) + ["", ""])[:3]
        if not location:
            raise UserError(f"{text}: expected hf:<dataset>[:<config>[:<split>]]")
        folder = Path(location).expanduser()
        if not config and not split and folder.is_dir() and is_audiofolder(folder):
            return Source("audiofolder", str(folder.resolve()))  # a local audiofolder
        return Source("hub", location, config or None, split or None)
    path = Path(text).expanduser()
    if path.is_dir():
        kind = "audiofolder" if is_audiofolder(path) else "folder"
        return Source(kind, str(path.resolve()))
    if text in registry.stimulus_sets:
        return Source("stimulus-set", text)
    if path.exists():
        raise UserError(f"{text}: not a folder; --stimuli takes a folder of audio files, "
                        "hf:<dataset>[:<config>[:<split>]] or a stimulus-set id")
    known = ", ".join(registry.stimulus_sets.ids())
    raise UserError(f"{text}: no such folder, and not a stimulus set ({known}) nor "
                    "hf:<dataset>[:<config>[:<split>]]")


def is_audiofolder(path: Path) -> bool:
    """A folder ``datasets`` should read: it has a metadata file or split folders."""
    return (any((path / name).is_file() for name in METADATA_FILES)
            or any((path / name).is_dir() for name in SPLIT_FOLDERS))


def open_source(text: str, data_dir: str | Path | None = None) -> StimulusSet:
    """The stimulus set a SOURCE string names (see the module docstring).

    Raises:
        UserError: one line, for a missing folder, an unknown id, a folder without audio, a
            dataset without (or with several) audio columns, a missing ``datasets`` package.
    """
    source = parse_source(text)
    if source.kind == "stimulus-set":
        return registry.stimulus_sets.make(source.location, data_dir=data_dir)
    if source.kind == "folder":
        return folder_stimulus_set(Path(source.location))
    return dataset_stimulus_set(source)


def audio_suffixes() -> set[str]:
    """File name suffixes of the formats soundfile reads (``.wav``, ``.flac``, ``.ogg``...)."""
    return {"." + name.lower() for name in soundfile.available_formats()} | {".oga", ".opus"}


def folder_stimulus_set(folder: Path) -> StimulusSet:
    """Every audio file below ``folder`` (sorted by path), ids = paths below the folder."""
    suffixes = audio_suffixes()
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    if not paths:
        raise UserError(f"{folder}: no audio files found (looked for "
                        f"{', '.join(sorted(suffixes)[:6])}, ... below it)")
    ids = [p.relative_to(folder).as_posix() for p in paths]
    return file_stimulus_set(str(folder), ids, paths)


def dataset_stimulus_set(source: Source) -> StimulusSet:
    """The clips of a Hugging Face dataset (every split, or the one named), read with ``datasets``
    and decoded here; metadata holds ``split`` and every other column (class labels as names)."""
    splits = load_splits(source)
    ids: list[str] = []
    rows: list[tuple[Any, str, int]] = []  # (dataset split, audio column, row)
    columns: dict[str, list] = {"split": []}
    for split, dataset in splits.items():
        column = audio_column(dataset, source)
        paths = dataset.data.column(column).combine_chunks().field("path").to_pylist()
        names = [_clip_name(path, source) for path in paths]
        if any(not n for n in names) or len(set(names)) != len(names):
            names = [f"{row:06d}" for row in range(len(paths))]
        ids += [f"{split}/{name}" if source.kind == "hub" else name for name in names]
        rows += [(dataset, column, row) for row in range(len(paths))]
        columns["split"] += [split] * len(paths)
        for name, values in _label_columns(dataset, column).items():
            columns.setdefault(name, [None] * (len(columns["split"]) - len(paths)))
            columns[name] += values
        for name in columns:
            columns[name] += [None] * (len(columns["split"]) - len(columns[name]))
    if len(set(ids)) != len(ids):
        ids = [f"{split}/{i}" for split, i in zip(columns["split"], ids, strict=True)]

    def load(index: int) -> tuple[np.ndarray, int]:
        dataset, column, row = rows[index]
        return decode(dataset[row][column], f"{source.name} {ids[index]}", source)

    return StimulusSet(source.identifier, ids, load, metadata=columns,
                       names=[f"{source.name} {i}" for i in ids])


def load_splits(source: Source) -> dict[str, Any]:
    """``{split: datasets.Dataset}`` of the source, audio columns with decoding off."""
    datasets = require("datasets", f"reading {source.name} (a Hugging Face dataset)")
    from . import progress

    if not progress.enabled():
        datasets.disable_progress_bars()
    try:
        if source.kind == "audiofolder":
            loaded = _load_audiofolder(datasets, Path(source.location))
        else:
            loaded = datasets.load_dataset(source.location, source.config, split=source.split)
    except UserError:
        raise
    except Exception as exc:  # datasets raises many types (missing split, config, offline...)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise UserError(f"{source.name}: datasets could not load it ({type(exc).__name__}: "
                        f"{message})") from exc
    if isinstance(loaded, datasets.Dataset):
        loaded = {source.split or "train": loaded}
    splits = {}
    for split in sorted(loaded):
        dataset = loaded[split]
        column = audio_column(dataset, source)
        splits[split] = dataset.cast_column(column, datasets.Audio(decode=False))
    if not splits or not sum(len(d) for d in splits.values()):
        raise UserError(f"{source.name}: the dataset holds no clips")
    return splits


def _load_audiofolder(datasets, folder: Path):
    """An ``audiofolder`` with datasets' own builder (metadata files, split folders, labels from
    folder names), storing file paths instead of encoding the audio: from datasets 4.1 on,
    encoding audio needs torchcodec (and ffmpeg) even for a file path, and this project decodes
    audio with soundfile."""

    class PathAudio(datasets.Audio):
        def encode_example(self, value):  # a local file: keep its path, as datasets 4.0 did
            if isinstance(value, str | os.PathLike):
                return {"bytes": None, "path": str(value)}
            raise UserError(f"{folder}: unexpected audio value {type(value).__name__} in the "
                            "audiofolder; expected file paths")

    builder = datasets.load_dataset_builder("audiofolder", data_dir=str(folder))
    builder.BASE_FEATURE = PathAudio
    builder.download_and_prepare()
    return builder.as_dataset()


def audio_column(dataset, source: Source) -> str:
    """The dataset's one audio column (a ``datasets.Audio`` feature)."""
    from datasets import Audio

    columns = [name for name, feature in dataset.features.items() if isinstance(feature, Audio)]
    if len(columns) != 1:
        found = ", ".join(columns) or "none"
        raise UserError(f"{source.name}: expected one audio column, found {found} (columns: "
                        f"{', '.join(dataset.column_names)})")
    return columns[0]


def _clip_name(path: str | None, source: Source) -> str:
    if not path:
        return ""
    if source.kind == "audiofolder":
        try:
            return Path(path).resolve().relative_to(Path(source.location)).as_posix()
        except ValueError:
            return ""
    return Path(path).name


def _label_columns(dataset, audio: str) -> dict[str, list]:
    """Every column but the audio one; class labels (``ClassLabel``) as their names."""
    from datasets import ClassLabel, Sequence

    out = {}
    for name, feature in dataset.features.items():
        if name == audio:
            continue
        values = dataset.data.column(name).to_pylist()
        if isinstance(feature, ClassLabel):
            values = [None if v is None else feature.int2str(v) for v in values]
        elif isinstance(feature, Sequence) and isinstance(feature.feature, ClassLabel):
            values = [None if v is None else [feature.feature.int2str(i) for i in v]
                      for v in values]
        elif isinstance(feature, list) and feature and isinstance(feature[0], ClassLabel):
            values = [None if v is None else [feature[0].int2str(i) for i in v] for v in values]
        out[name] = values
    return out


def decode(value: dict[str, Any], name: str, source: Source) -> tuple[np.ndarray, int]:
    """A ``{"bytes", "path"}`` audio value (decoding off) as ``(samples (n,) float32 mono,
    sample_rate)``, decoded with soundfile; a one-line error naming the clip otherwise."""
    data, path = value.get("bytes"), value.get("path")
    if data is None:
        if not path:
            raise UserError(f"{name}: the audio value has neither bytes nor a path")
        if source.kind == "audiofolder":
            return read_audio(path)
        local = Path(path)
        if not local.is_file():
            raise UserError(f"{name}: audio file {path} not found (the dataset lists a path "
                            "without its bytes)")
        return read_audio(local)
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for undecodable bytes
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{name}: audio bytes soundfile cannot decode ({reason}); expected "
                        "wav, flac, ogg or mp3") from exc
    mono = to_mono(samples)
    check_waveform(mono, name)
    return mono, int(rate)
