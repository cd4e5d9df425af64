"""The Alice EEG release (Brennan & Hale 2019; Deep Blue Data, doi 10.7302/Z29C6VNH): fetching
and reading.

Layout used (the release's file names)::

    alice2019/
      S01.mat ... S49.mat          FieldTrip raw structure `raw` (label, trial, time, fsample)
      datasets.mat                 `use`: the 33 usable data sets ('S01.mat', ...)
      AliceChapterOne-EEG.csv      one row per word: Word, Segment, onset, offset, Order,
                                   Sentence, ...
      audio/DownTheRabbitHoleFinal_SoundFile<1..12>.wav
      proc/S01.mat ...             the authors' preprocessing parameters: `proc.trl` gives, per
                                   word epoch, its EEG samples and (segment, tmin, Order)
      easycapM10-acti61_elec.sfp   electrode positions (optional; else mne's easycap-M10)

The EEG channels are the numbered electrodes ('1', '2', ...); VEOG, Aux5 and AUD are not EEG.
Where each audio segment starts in a subject's recording comes from `proc.trl`: a word epoch
starting at sample ``begin`` (1-based) with offset ``offset`` has its word onset at sample
``begin - 1 - offset``, and the segment starts ``tmin`` seconds earlier. The median over the
segment's words is used. For S26, S34, S35 and S36 the first segment's trigger is missing and
the segment labels in `proc.trl` are one too low (documented in eelbrain's Alice example, Brodbeck
et al. 2023); they are corrected.
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from brainscore_audio import atomic
from brainscore_audio.download import download, unpack
from brainscore_audio.eeg import EEGDataset, PreprocessingConfig, RawRecording
from brainscore_audio.eeg._optional import require
from brainscore_audio.eeg.fetching import (
    cached_checksums,
    file_signature,
    index_links,
    select_subjects,
)
from brainscore_audio.eeg.positions import montage_positions
from brainscore_audio.eeg.sentences import Sentence, Word
from brainscore_audio.errors import UserError

FOLDER = "alice2019"
RELEASE_PAGE = "https://deepblue.lib.umich.edu/data/concern/data_sets/bg257f92t"
DOI = "10.7302/Z29C6VNH"
CSV_NAME = "AliceChapterOne-EEG.csv"
DATASETS_NAME = "datasets.mat"
SFP_NAME = "easycapM10-acti61_elec.sfp"
AUDIO_NAME = "DownTheRabbitHoleFinal_SoundFile{segment}.wav"
N_SEGMENTS = 12
MAINS_HZ = 60.0  # recorded at the University of Michigan (US mains)
SEGMENT_LABEL_SHIFT = {"S26": 1, "S34": 1, "S35": 1, "S36": 1}
ALL_SUBJECTS = [f"S{i:02d}" for i in range(1, 50)]
REQUIRED_COLUMNS = ("Word", "Segment", "onset", "offset", "Order", "Sentence")


def read_mat(path: Path) -> dict:
    """A ``.mat`` file (v5 or v7.3) as nested dicts/lists (pymatreader)."""
    pymatreader = require("pymatreader", f"reading {path.name}")
    if not path.is_file():
        raise UserError(f"{path}: file not found (fetch with `benchmark fetch {FOLDER}`)")
    try:
        return pymatreader.read_mat(str(path))
    except Exception as exc:
        raise UserError(f"{path}: not a readable MATLAB file ({type(exc).__name__}: {exc})") \
            from exc


def usable_subjects(root: Path) -> list[str]:
    """Subjects flagged usable in ``datasets.mat`` (`use`: file names, or 0/1 flags per subject)."""
    path = root / DATASETS_NAME
    use = read_mat(path).get("use")
    if use is None:
        raise UserError(f"{path}: no variable 'use' (the list of usable data sets)")
    items = use if isinstance(use, list) else np.atleast_1d(use).tolist()
    if items and all(isinstance(i, str) for i in items):
        return sorted({i.strip()[:3] for i in items})
    flags = np.asarray(items, dtype=float).ravel()
    return [f"S{i + 1:02d}" for i, flag in enumerate(flags) if flag]


def read_words(root: Path) -> list[dict]:
    """Rows of the word alignment table, with the numeric columns converted."""
    path = root / CSV_NAME
    if not path.is_file():
        raise UserError(f"{path}: word alignment not found (fetch with `benchmark fetch {FOLDER}`)")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    missing = [c for c in REQUIRED_COLUMNS if not rows or c not in rows[0]]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                        f"{', '.join(REQUIRED_COLUMNS)}")
    try:
        for row in rows:
            row["Segment"] = int(float(row["Segment"]))
            row["Sentence"] = int(float(row["Sentence"]))
            row["Order"] = int(float(row["Order"]))
            row["onset"] = float(row["onset"])
            row["offset"] = float(row["offset"])
    except ValueError as exc:
        raise UserError(f"{path}: non-numeric Segment/Sentence/Order/onset/offset ({exc})") from exc
    return sorted(rows, key=lambda r: r["Order"])


def sentences(root: Path) -> list[Sentence]:
    """The sentences in order; a sentence running over two segments keeps its first segment's
    words (the audio of one sentence is cut from one file)."""
    groups: dict[int, list[dict]] = {}
    for row in read_words(root):
        groups.setdefault(row["Sentence"], []).append(row)
    out = []
    for number in sorted(groups):
        rows = groups[number]
        segment = rows[0]["Segment"]
        words = [Word(r["Word"], r["onset"], r["offset"]) for r in rows if r["Segment"] == segment]
        out.append(Sentence(f"{FOLDER}-s{number:03d}", str(segment), words[0].onset,
                            max(w.offset for w in words), words, number))
    return out


def _field(struct: dict, name: str, path: Path):
    if not isinstance(struct, dict) or name not in struct:
        raise UserError(f"{path}: FieldTrip structure has no field {name!r}")
    return struct[name]


def read_fieldtrip_raw(path: Path) -> tuple[np.ndarray, float, list[str]]:
    """``(data (channels, samples), sfreq, labels)`` of a FieldTrip raw structure ``raw``."""
    content = read_mat(path)
    raw = content.get("raw") if "raw" in content else next(
        (v for v in content.values() if isinstance(v, dict) and "trial" in v), None)
    if raw is None:
        raise UserError(f"{path}: no FieldTrip raw structure (variable 'raw' with 'trial')")
    labels = _field(raw, "label", path)
    labels = [labels] if isinstance(labels, str) else [str(x) for x in labels]
    trial = _field(raw, "trial", path)
    trials = trial if isinstance(trial, list) else [trial]
    data = np.concatenate([np.atleast_2d(np.asarray(t, dtype=np.float64)) for t in trials], axis=1)
    if data.shape[0] != len(labels):
        raise UserError(f"{path}: trial has {data.shape[0]} rows for {len(labels)} labels")
    return data, float(np.asarray(_field(raw, "fsample", path)).ravel()[0]), labels


def segment_onsets(proc_path: Path, subject: str, sfreq: float) -> tuple[dict[str, float], list]:
    """``({segment key: onset s in the recording}, marked bad channels)`` from ``proc/<S>.mat``."""
    proc = _field(read_mat(proc_path), "proc", proc_path)
    trl = np.atleast_2d(np.asarray(_field(proc, "trl", proc_path), dtype=np.float64))
    names = proc.get("varnames", ["segment", "tmin", "Order"])
    names = [names] if isinstance(names, str) else list(names)
    if "segment" not in names or "tmin" not in names or trl.shape[1] < 3 + len(names):
        raise UserError(f"{proc_path}: proc.trl/varnames lack the segment and tmin columns")
    extra = trl[:, -len(names):]  # some subjects carry one more column before them
    segment = extra[:, names.index("segment")].astype(int) + SEGMENT_LABEL_SHIFT.get(subject, 0)
    tmin = extra[:, names.index("tmin")]
    word_onset_s = (trl[:, 0] - 1 - trl[:, 2]) / sfreq
    starts = word_onset_s - tmin
    onsets = {str(s): float(np.median(starts[segment == s])) for s in np.unique(segment)}
    rejections = proc.get("rejections", {}) or {}
    bad = rejections.get("badchans", []) if isinstance(rejections, dict) else []
    bad = [bad] if isinstance(bad, str) else [str(b) for b in bad]
    return onsets, bad


def is_eeg_label(label: str) -> bool:
    """The release's EEG electrodes are numbered; VEOG, Aux5, AUD are not EEG."""
    return label.strip().isdigit()


def channel_labels(root: Path, subject: str) -> list[str]:
    """The channel labels of a subject's file, remembered in ``derived/`` (reading a 100 MB
    file only for its labels would slow every start)."""
    path = root / f"{subject}.mat"
    memo = root / "derived" / "labels.json"
    key = file_signature([path])
    try:
        stored = json.loads(memo.read_text())
        if stored.get("key") == key:
            return list(stored["labels"])
    except (OSError, ValueError, AttributeError):
        pass
    _, _, labels = read_fieldtrip_raw(path)
    with contextlib.suppress(OSError):
        atomic.write_json(memo, {"key": key, "labels": labels})
    return labels


def read_subject(root: Path, subject: str) -> list[RawRecording]:
    data, sfreq, labels = read_fieldtrip_raw(root / f"{subject}.mat")
    keep = [i for i, label in enumerate(labels) if is_eeg_label(label)]
    onsets, bad = segment_onsets(root / "proc" / f"{subject}.mat", subject, sfreq)
    return [RawRecording(subject, data[keep], sfreq, [labels[i] for i in keep], onsets, bad)]


def load(data_dir: Path, config: PreprocessingConfig | None = None,
         subjects: Iterable[str] | str | None = None) -> EEGDataset:
    """The data set from ``data_dir / alice2019`` (usable subjects whose files are present)."""
    root = Path(data_dir) / FOLDER
    if not root.is_dir():
        raise UserError(f"{root}: Alice data not found; run `benchmark fetch {FOLDER} "
                        f"--data-dir {data_dir}` (or place the release there)")
    usable = usable_subjects(root)
    present = [s for s in usable if (root / f"{s}.mat").is_file()]
    if not present:
        raise UserError(f"{root}: none of the {len(usable)} usable subjects' .mat files is there")
    chosen = select_subjects(present, subjects, FOLDER)
    missing_proc = [s for s in chosen if not (root / "proc" / f"{s}.mat").is_file()]
    if missing_proc:
        raise UserError(f"{root / 'proc' / (missing_proc[0] + '.mat')}: the authors' "
                        "preprocessing file (from proc.zip) is needed to align the audio")
    items = sentences(root)
    audio = {str(s): root / "audio" / AUDIO_NAME.format(segment=s)
             for s in sorted({int(x.audio) for x in items})}
    channels = [label for label in channel_labels(root, chosen[0]) if is_eeg_label(label)]
    sfp = root / SFP_NAME
    positions = montage_positions(channels, sfp if sfp.is_file() else "easycap-M10")
    small = [root / CSV_NAME, root / DATASETS_NAME, *audio.values()]
    return EEGDataset(
        FOLDER, items, audio, chosen, lambda s: read_subject(root, s), channels, positions,
        config or PreprocessingConfig(notch_hz=MAINS_HZ), cache_dir=root / "derived",
        subject_signature=lambda s: file_signature([root / f"{s}.mat", root / "proc" / f"{s}.mat"]),
        checksums=cached_checksums(small + [root / f"{s}.mat" for s in chosen], root),
        facts={"n_subjects": len(chosen), "n_usable_subjects": len(usable),
               "n_sentences": len(items), "n_channels": len(channels), "doi": DOI,
               "positions": "easycapM10-acti61_elec.sfp" if sfp.is_file() else
               ("mne easycap-M10" if positions is not None else None)})


# ----------------------------------------------------------------------------- fetching

def fetch(data_dir: Path, force: bool = False, url: str | None = None,
          subjects: str | None = None) -> Path:
    """Download the release into ``data_dir / alice2019``.

    Files are found by name on the release page (or on ``url``: any page or directory listing
    that links them, e.g. a mirror). ``subjects`` picks a subset of the usable subjects (a count
    or ids); by default all 33 usable ones are fetched (about 100 MB each).
    """
    root = Path(data_dir) / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    links = index_links(url or RELEASE_PAGE)

    def get(name: str, required: bool = True) -> Path | None:
        target = root / name
        if target.is_file() and not force:
            return target
        if name not in links:
            if required:
                raise UserError(f"{url or RELEASE_PAGE}: no link to {name}; pass --url with a "
                                "page or folder listing the release's files")
            return None
        if force and target.is_file():
            target.unlink()
        return download(links[name], root, name)

    for name in (CSV_NAME, DATASETS_NAME):
        get(name)
    get(SFP_NAME, required=False)
    for archive, folder in (("audio.zip", "audio"), ("proc.zip", "proc")):
        if force or not (root / folder).is_dir():
            _unpack_flat(get(archive), root / folder)
    for subject in select_subjects(usable_subjects(root), subjects, FOLDER):
        get(f"{subject}.mat")
    return root


def _unpack_flat(archive: Path, folder: Path) -> None:
    """Unpack an archive and move its files (from any sub-folder) into ``folder``."""
    staging = unpack(archive, folder.with_name(folder.name + ".unpacked"))
    folder.mkdir(exist_ok=True)
    for path in staging.rglob("*"):
        if path.is_file() and "__MACOSX" not in path.parts and not path.name.startswith("."):
            shutil.move(str(path), folder / path.name)
    shutil.rmtree(staging, ignore_errors=True)
