"""A ds004408 written by code from the real layout of a release (for tests; nothing is committed).

:func:`write_release` reads a listing of the release's real file tree (``tree-<version>.tsv``:
path, size in bytes, ``git`` or ``annexed``) and the real text sidecars of 1.0.8
(``dataset_description.json``, ``participants.tsv``, each run's ``_eeg.json`` and
``_channels.tsv``, with the authors' bad-channel marks), and writes, for a subset of subjects and
runs, every file that the tree lists, under its real path:

- text sidecars: the real 1.0.8 text. For an older version the text is adapted the way its
  ``CHANGES`` says the release changed: the DOI names that version, ``CHANGES`` stops at it,
  ``participants.tsv`` lists the other experiment's subjects where the tree has them, and
  ``channels.tsv`` carries no bad marks before 1.0.6 ("bad channel annotation"). Files of which no
  text is known (``.datalad/config``, ``*_scans.tsv``, ``stimuli/results.txt``) get placeholder
  text.
- stimuli: synthetic "speech" wavs with Praat TextGrids holding a ``phones`` tier first and a
  ``words`` tier, as Prosodylab-Aligner writes them.
- EEG: BrainVision files (pybv, float32) of synthetic signal: a planted response to the run's
  audio envelope plus shared and channel noise and 50 Hz mains, 512 Hz, the channels of the run's
  ``channels.tsv``; channel :data:`FLAT` is planted flat.

The shared folder of real layouts is passed in by the tests (it is not part of the package).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from brainscore_audio.eeg import synthetic

from .data import RUN_FILE

SAMPLE_RATE = 16_000
SFREQ = 512.0
FLAT = "C3"
TEXT_VERSION = "1.0.8"  # the version whose sidecar texts are known


@dataclass(frozen=True)
class TreeEntry:
    """One file of a release: its path, size in bytes and whether git-annex stores it."""

    path: str
    size: int
    annexed: bool


def read_tree(layouts: Path, version: str) -> list[TreeEntry]:
    """The file tree of a release from ``<layouts>/tree-<version>.tsv``."""
    with open(Path(layouts) / f"tree-{version}.tsv", newline="") as handle:
        return [TreeEntry(path, int(size), kind == "annexed")
                for path, size, kind in csv.reader(handle, delimiter="\t")]


def write_textgrid(path: Path, words: list[tuple[str, float, float]], duration: float,
                   phones: bool = False, word_tier: str = "words") -> None:
    """A Praat TextGrid (long text format) with the interval tier ``word_tier`` ("" = silence),
    after a ``phones`` tier (one interval per word here) when ``phones``."""
    tiers = []
    if phones:
        tiers.append(("phones", [(text.upper()[:2], on, off) for text, on, off in words]))
    tiers.append((word_tier, words))
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0 ",
             f"xmax = {duration} ", "tiers? <exists> ", f"size = {len(tiers)} ", "item []: "]
    for number, (name, items) in enumerate(tiers, start=1):
        intervals, t = [], 0.0
        for text, onset, offset in items:
            if onset > t:
                intervals.append((t, onset, ""))
            intervals.append((onset, offset, text))
            t = offset
        if t < duration:
            intervals.append((t, duration, ""))
        lines += [f"    item [{number}]:", '        class = "IntervalTier" ',
                  f'        name = "{name}" ', "        xmin = 0 ", f"        xmax = {duration} ",
                  f"        intervals: size = {len(intervals)} "]
        for i, (start, end, text) in enumerate(intervals, start=1):
            quoted = text.replace('"', '""')  # Praat doubles quotes inside strings
            lines += [f"        intervals [{i}]:", f"            xmin = {start} ",
                      f"            xmax = {end} ", f'            text = "{quoted}" ']
    path.write_text("\n".join(lines) + "\n")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def _run_of(path: str) -> int | None:
    match = re.search(r"(?:_run-|/audio)(\d+)[._]", path)
    return int(match.group(1)) if match else None


def write_release(root: Path, layouts: Path, version: str = "1.0.8",
                  subjects=("sub-001", "sub-002"), runs=(1, 2), other_subjects=(),
                  seed: int = 0) -> Path:
    """Write the ``broderick2018`` folder ``root`` of release ``version`` for ``subjects``
    (and ``other_subjects`` of the two-speaker experiment, where the tree has them) and
    ``runs``; returns ``root``."""
    layouts, root = Path(layouts), Path(root)
    text = layouts / f"text-{TEXT_VERSION}"
    rng = np.random.default_rng(seed)
    tree = read_tree(layouts, version)
    folders = set(subjects) | set(other_subjects)
    responses: dict[str, np.ndarray] = {}
    for entry in tree:
        parts = entry.path.split("/")
        if parts[0].startswith("sub-") and parts[0] not in folders:
            continue
        run = _run_of(entry.path)
        if run is not None and run not in runs:
            continue
        target = root / entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.path.endswith(".wav"):
            responses[entry.path] = _write_stimulus(target, rng)
        elif entry.path.endswith(".TextGrid"):
            continue  # written with its wav
        elif entry.path.endswith(("_eeg.vmrk", "_eeg.eeg")):
            continue  # written with the vhdr
        elif entry.path.endswith("_eeg.vhdr"):
            _write_eeg(root, entry.path, tree, text, version, responses, rng)
        else:
            target.write_text(_sidecar(entry.path, text, version, tree))
    return root


def _sidecar(path: str, text: Path, version: str, tree: list[TreeEntry]) -> str:
    """The text of a non-EEG, non-stimulus file of release ``version``."""
    known = text / path
    if path == "dataset_description.json":
        return re.sub(r"v\d+\.\d+\.\d+", f"v{version}", known.read_text(encoding="utf-8"))
    if path == "CHANGES":
        blocks = re.split(r"\n(?=\d+\.\d+\.\d+ )", known.read_text(encoding="utf-8").strip())
        kept = [b for b in blocks if _version_key(b.split()[0]) <= _version_key(version)]
        return "\n".join(kept) + "\n"
    if path == "participants.tsv":
        rows = known.read_text(encoding="utf-8").rstrip("\n")
        listed = set(re.findall(r"^sub-\d+", rows, flags=re.M))
        extra = sorted({e.path.split("/")[0] for e in tree if e.path.startswith("sub-")} - listed)
        return rows + "".join(f"\n{s}\tn/a\tn/a\tn/a\tn/a\tn/a" for s in extra) + "\n"
    if path.endswith("_channels.tsv"):
        source = known if known.is_file() else \
            text / "sub-001/eeg/sub-001_task-listening_run-01_channels.tsv"
        content = source.read_text(encoding="utf-8")
        if _version_key(version) < (1, 0, 6):  # bad channels were first annotated in 1.0.6
            content = re.sub(r"\tbad\t", "\tgood\t", content)
        return content
    if path.endswith("_eeg.json"):
        source = known if known.is_file() else \
            text / "sub-001/eeg/sub-001_task-listening_run-01_eeg.json"
        return source.read_text(encoding="utf-8")
    if path.endswith("_scans.tsv"):
        subject = path.split("/")[0]
        runs = sorted(e.path.split("/", 1)[1] for e in tree
                      if e.path.startswith(f"{subject}/eeg/") and e.path.endswith("_eeg.vhdr"))
        return "filename\tacq_time\n" + "".join(f"{r}\tn/a\n" for r in runs)
    if known.is_file():
        return known.read_text(encoding="utf-8")
    return f"placeholder for {path} (content not part of the known layout)\n"


def _write_stimulus(wav: Path, rng: np.random.Generator) -> np.ndarray:
    """A synthetic audio file with its TextGrid; returns its envelope at the EEG rate."""
    audio, words = synthetic.speech(rng, SAMPLE_RATE, n_sentences=2, words_per_sentence=6)
    duration = len(audio) / SAMPLE_RATE
    soundfile.write(wav, audio, SAMPLE_RATE, subtype="PCM_16")
    write_textgrid(wav.with_suffix(".TextGrid"), [(w, on, off) for w, on, off, _ in words],
                   duration, phones=True)
    return synthetic.envelope(audio, SAMPLE_RATE, SFREQ, int(duration * SFREQ))


def _write_eeg(root: Path, vhdr: str, tree: list[TreeEntry], text: Path, version: str,
               responses: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    import pybv

    match = RUN_FILE.fullmatch(vhdr)
    subject, run = match.group(1), int(match.group(3))
    stimuli = [p for p in responses if re.search(rf"/audio{run:02d}\.wav$", p)]
    two_speaker = subject.startswith("sub-1")  # the other experiment heard stimuli/multi_speaker
    chosen = [p for p in stimuli if ("multi_speaker" in p) == two_speaker] or stimuli
    envelope = responses[chosen[0]] if chosen else np.zeros(int(4 * SFREQ))
    channels_tsv = _sidecar(vhdr.replace("_eeg.vhdr", "_channels.tsv"), text, version, tree)
    names = [line.split("\t")[0] for line in channels_tsv.splitlines()[1:] if line.strip()]
    n = len(envelope) + int(1.5 * SFREQ)  # the EEG runs on a little longer than the audio
    response = np.zeros(n)
    lag = int(0.1 * SFREQ)
    response[lag:lag + len(envelope)] = envelope[: n - lag]
    eeg = synthetic.planted_eeg(rng, response, SFREQ, len(names), mains_hz=50.0)
    if FLAT in names:
        eeg[names.index(FLAT)] = 0.0
    path = root / vhdr
    pybv.write_brainvision(data=eeg * 1e-5, sfreq=SFREQ, ch_names=names,
                           fname_base=path.name[: -len(".vhdr")], folder_out=str(path.parent),
                           overwrite=True, unit="µV")
