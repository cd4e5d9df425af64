"""The Alice EEG releases (Brennan & Hale 2019; Deep Blue Data, v1 doi 10.7302/Z29C6VNH, v2 doi
10.7302/746w-g237): reading (fetching is in :mod:`.fetch`, the releases in :mod:`.release`).

Layout used (the releases' file names)::

    alice2019/
      S01.mat ... S49.mat          v1: FieldTrip raw structure `raw` (label, trial, time, fsample)
      S01.vhdr/.vmrk/.eeg ...      v2: the BrainVision recordings (read with mne)
      datasets.mat                 `use`: the 33 usable data sets ('S01.mat', ...)
      AliceChapterOne-EEG.csv      one row per word (2,129; 2,130 lines with the header): Word,
                                   Segment, onset, offset, Order, Sentence, ...
      audio/DownTheRabbitHoleFinal_SoundFile<1..12>.wav
      proc/S01.mat ...             the authors' preprocessing parameters (v2: in
                                   timelock-preprocessing/): `proc.trl` gives, per word epoch,
                                   its EEG samples and (segment, tmin, Order)
      easycapM10-acti61_elec.sfp   electrode positions (optional; else mne's easycap-M10)

The EEG channels are the numbered electrodes ('1', '2', ...; 60 of the 61: electrode 29 is the
implicit reference of the recording and has no channel); VEOG, Aux5 and AUD are not EEG. By
default the data are used as recorded (the protocol then takes the average reference);
``reference="mastoids"`` first re-references to the mean of electrodes 25 and 29, as the authors
did (29 is restored as a channel). Where each audio segment starts in a subject's recording comes
from `proc.trl`: a word epoch starting at sample ``begin`` (1-based) with offset ``offset`` has
its word onset at sample ``begin - 1 - offset``, and the segment starts ``tmin`` seconds earlier.
The median over the segment's words is used. For S26, S34, S35 and S36 the first segment's
trigger is missing and the segment labels in `proc.trl` are one too low (documented in
eelbrain's Alice example, Brodbeck et al. 2023); they are corrected.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from brainscore_audio import atomic
from brainscore_audio.eeg import EEGDataset, PreprocessingConfig, RawRecording
from brainscore_audio.eeg._optional import require
from brainscore_audio.eeg.fetching import cached_checksums, file_signature, select_subjects
from brainscore_audio.eeg.positions import montage_positions
from brainscore_audio.eeg.sentences import Sentence, Word
from brainscore_audio.errors import UserError

from .release import (
    ALL_SUBJECTS,
    AUDIO_FOLDER,
    AUDIO_NAME,
    CSV_NAME,
    DATASETS_NAME,
    FOLDER,
    SFP_NAME,
    USABLE_IN_V1,
    Counts,
    Release,
    check_file,
    check_subject,
    detect,
    expected_counts,
    locate,
    proc_file,
)

__all__ = ["ALL_SUBJECTS", "AUDIO_NAME", "CSV_NAME", "DATASETS_NAME", "FOLDER", "SFP_NAME"]
MAINS_HZ = 60.0  # recorded at the University of Michigan (US mains)
SEGMENT_LABEL_SHIFT = {"S26": 1, "S34": 1, "S35": 1, "S36": 1}
REQUIRED_COLUMNS = ("Word", "Segment", "onset", "offset", "Order", "Sentence")
IMPLICIT_REFERENCE = "29"
MASTOIDS = ("25", "29")
REFERENCES = {
    "recorded": "as recorded: implicit reference at electrode 29, which has no channel",
    "mastoids": "re-referenced to the mean of electrodes 25 and 29 (the mastoids; the authors' "
                "choice), electrode 29 restored as a channel",
}


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


def usable_subjects(root: Path) -> tuple[list[str], str]:
    """``(subjects flagged usable, where the list came from)``: ``datasets.mat`` (`use`: file
    names, or 0/1 flags per subject), or, in a copy without it, the 33 of v1's ``datasets.mat``."""
    path = root / DATASETS_NAME
    if not path.is_file():
        return list(USABLE_IN_V1), f"the 33 usable data sets of v1's {DATASETS_NAME} (none here)"
    return _usable_from(path), DATASETS_NAME


def _usable_from(path: Path) -> list[str]:
    use = read_mat(path).get("use")
    if use is None:
        raise UserError(f"{path}: no variable 'use' (the list of usable data sets)")
    items = use if isinstance(use, list) else np.atleast_1d(use).tolist()
    if items and all(isinstance(i, str) for i in items):
        return sorted({i.strip()[:3] for i in items})
    flags = np.asarray(items, dtype=float).ravel()
    return [f"S{i + 1:02d}" for i, flag in enumerate(flags) if flag]


def read_words(root: Path, counts: Counts | None = None) -> list[dict]:
    """Rows of the word alignment table, with the numeric columns converted, after checking
    the numbers of words, segments and sentences against ``counts`` (default: the published
    table's, :func:`.release.expected_counts`)."""
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
    counts = counts or expected_counts()
    found = Counts(len(rows), len({r["Segment"] for r in rows}), len({r["Sentence"] for r in rows}))
    if found != counts:
        raise UserError(f"{path}: {found.words} words in {found.segments} segments and "
                        f"{found.sentences} sentences; expected {counts.words} words (the "
                        f"header line aside), {counts.segments} segments, {counts.sentences} "
                        "sentences (an incomplete or different table)")
    if len({r["Order"] for r in rows}) != len(rows):
        raise UserError(f"{path}: the Order column repeats a number; expected one per word")
    return sorted(rows, key=lambda r: r["Order"])


def sentences(root: Path, counts: Counts | None = None) -> list[Sentence]:
    """The sentences in order; a sentence running over two segments keeps its first segment's
    words (the audio of one sentence is cut from one file)."""
    groups: dict[int, list[dict]] = {}
    for row in read_words(root, counts):
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


def read_brainvision(path: Path) -> tuple[np.ndarray, float, list[str]]:
    """``(data (channels, samples) in microvolts, sfreq, labels)`` of a v2 ``Snn.vhdr`` (the
    unit of v1's FieldTrip structures)."""
    mne = require("mne", f"reading {path.name}")
    try:
        raw = mne.io.read_raw_brainvision(path, preload=True, verbose="error")
    except Exception as exc:
        raise UserError(f"{path}: not readable as BrainVision EEG ({type(exc).__name__}: {exc})") \
            from exc
    return raw.get_data() * 1e6, float(raw.info["sfreq"]), list(raw.ch_names)


def read_raw(root: Path, release: Release, subject: str) -> tuple[np.ndarray, float, list[str]]:
    """A subject's whole recording, from the files of ``release``."""
    path = root / release.eeg_files(subject)[0]
    return read_brainvision(path) if release.name == "v2" else read_fieldtrip_raw(path)


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


def channel_labels(root: Path, release: Release, subject: str) -> list[str]:
    """The channel labels of a subject's recording: from the BrainVision header (v2), or from the
    ``.mat`` file, remembered in ``derived/`` (reading a 100 MB file only for its labels would slow
    every start)."""
    path = root / release.eeg_files(subject)[0]
    if release.name == "v2":
        mne = require("mne", f"reading {path.name}")
        return list(mne.io.read_raw_brainvision(path, preload=False, verbose="error").ch_names)
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


def eeg_channels(labels: list[str], reference: str) -> list[str]:
    """The EEG channels in the file's order (plus electrode 29 with ``reference="mastoids"``)."""
    channels = [label for label in labels if is_eeg_label(label)]
    if reference == "mastoids" and IMPLICIT_REFERENCE not in channels:
        channels.append(IMPLICIT_REFERENCE)
    return channels


def rereference(data: np.ndarray, channels: list[str], reference: str) -> np.ndarray:
    """Rows of ``channels``; with ``"mastoids"``, the implicit reference 29 becomes a row of
    zeros (its potential against itself) and every row has the mean of 25 and 29 subtracted."""
    if reference == "recorded":
        return data
    if reference != "mastoids":
        raise UserError(f"reference={reference!r}: expected one of {', '.join(REFERENCES)}")
    if MASTOIDS[0] not in channels:
        raise UserError(f"reference='mastoids' needs electrode {MASTOIDS[0]}, which this "
                        "recording lacks")
    if len(data) < len(channels):  # electrode 29: the recording's implicit reference
        data = np.vstack([data, np.zeros((1, data.shape[1]))])
    mastoids = (data[channels.index(MASTOIDS[0])] + data[channels.index(MASTOIDS[1])]) / 2
    return data - mastoids[None]


def read_subject(root: Path, release: Release, subject: str,
                 reference: str = "recorded") -> list[RawRecording]:
    data, sfreq, labels = read_raw(root, release, subject)
    keep = [i for i, label in enumerate(labels) if is_eeg_label(label)]
    channels = eeg_channels(labels, reference)
    eeg = rereference(data[keep], channels, reference)
    onsets, bad = segment_onsets(proc_file(root, subject), subject, sfreq)
    return [RawRecording(subject, eeg, sfreq, channels, onsets, bad)]


def load(data_dir: Path, config: PreprocessingConfig | None = None,
         subjects: Iterable[str] | str | None = None, reference: str = "recorded") -> EEGDataset:
    """The data set from ``data_dir / alice2019`` (or ``data_dir`` itself when it holds the
    files): the usable subjects whose files are present, after checking the folder."""
    if reference not in REFERENCES:
        raise UserError(f"reference={reference!r}: expected one of {', '.join(REFERENCES)}")
    root = locate(data_dir)
    release = detect(root)
    counts = expected_counts()
    items = sentences(root, counts)
    usable, usable_from = usable_subjects(root)
    present = [s for s in usable if (root / release.eeg_files(s)[0]).is_file()]
    if not present:
        raise UserError(f"{root}: none of the {len(usable)} usable subjects' EEG files "
                        f"({release.eeg_files(usable[0])[0]}, ...) is there")
    chosen = select_subjects(present, subjects, FOLDER)
    for subject in chosen:
        check_subject(root, release, subject)
    audio = {str(s): root / AUDIO_FOLDER / AUDIO_NAME.format(segment=s)
             for s in sorted({int(x.audio) for x in items})}
    for path in audio.values():
        check_file(path, "an audio segment of the release (from audio.zip)")
    channels = eeg_channels(channel_labels(root, release, chosen[0]), reference)
    sfp = root / SFP_NAME
    positions = montage_positions(channels, sfp if sfp.is_file() else "easycap-M10")
    sources = lambda s: [root / name for name in release.eeg_files(s)  # noqa: E731
                         if not name.endswith(".vmrk")] + [proc_file(root, s)]
    small = [root / CSV_NAME, *audio.values()] + \
        ([root / DATASETS_NAME] if (root / DATASETS_NAME).is_file() else [])
    return EEGDataset(
        FOLDER, items, audio, chosen, lambda s: read_subject(root, release, s, reference),
        channels, positions, config or PreprocessingConfig(notch_hz=MAINS_HZ),
        cache_dir=root / "derived", subject_signature=lambda s: file_signature(sources(s)),
        checksums=cached_checksums(small + [p for s in chosen for p in sources(s)], root),
        facts={"n_subjects": len(chosen), "n_usable_subjects": len(usable),
               "usable_from": usable_from, "n_words": counts.words,
               "n_sentences": len(items), "n_channels": len(channels), "release": release.name,
               "release_description": release.description, "doi": release.doi,
               "reference": REFERENCES[reference], "counts": asdict(counts),
               "positions": "easycapM10-acti61_elec.sfp" if sfp.is_file() else
               ("mne easycap-M10" if positions is not None else None)})


def record_parameters(dataset: EEGDataset) -> dict:
    """What every score record says about the data (the release read, its DOI, the reference,
    where the usable subjects came from, the counts checked)."""
    facts = dataset.facts
    return {"data_set": FOLDER, "release": facts["release_description"], "doi": facts["doi"],
            "reference": facts["reference"], "usable_subjects_from": facts["usable_from"],
            "release_counts": facts["counts"],
            "segment_onsets": "proc/<subject>.mat trl (median over the segment's words)",
            "segment_label_shift": SEGMENT_LABEL_SHIFT,
            "electrode_positions": facts.get("positions"), "mains_hz": MAINS_HZ}
