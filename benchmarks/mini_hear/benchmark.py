"""The mini tasks as benchmarks, and the `mini-hear` fetcher that renders them."""

from __future__ import annotations

import time
from pathlib import Path

from brainscore_audio import settings
from brainscore_audio.downstream import HEARTaskBenchmark
from brainscore_audio.downstream.benchmark import HEAR_BIBTEX
from brainscore_audio.errors import UserError

from . import digits, effects, notes, speech

FOLDER = "mini-hear"
RENDERERS = {"notes-pitch": notes.render, "speech-commands": speech.render,
             "spoken-digits": digits.render, "sound-effects": effects.render}
DESCRIPTIONS = {
    "notes-pitch": "General MIDI notes (fluidsynth), pitch class, unseen instruments (HEAR probe)",
    "speech-commands": "10 command words by synthetic voices, unseen voices (HEAR probe)",
    "spoken-digits": "recorded digits 0-9 in 5 languages, perturbed copies (HEAR probe, 5 folds)",
    "sound-effects": "9 classes of game sound effects (HEAR probe, 5 folds)",
}
BIBTEX = HEAR_BIBTEX + """
@misc{brainscore_audio_mini_hear,
  title = {brainscore-audio mini-hear: HEAR-format tasks rendered offline from Debian audio packages},
  note = {fluidsynth + TimGM6mb, espeak-ng, flite, Asterisk core sounds, UFO:AI sounds; see
          docs/benchmarks/downstream.md},
  year = {2026}
}"""


def task_dir(name: str, data_dir: Path | None) -> Path:
    """Folder of a rendered mini task; a clear error when it has not been rendered yet."""
    folder = settings.data_dir(data_dir) / FOLDER / name
    if not (folder / "task_metadata.json").is_file():
        raise UserError(f"mini.{name}: rendered task not found in {folder}; run "
                        "`benchmark fetch mini-hear` first (renders the mini tasks offline)")
    return folder


def make_benchmark(name: str, data_dir: Path | None = None) -> HEARTaskBenchmark:
    return HEARTaskBenchmark(f"mini.{name}", lambda: task_dir(name, data_dir), suite="mini",
                             description=DESCRIPTIONS[name], bibtex=BIBTEX)


def render_all(data_dir: Path, force: bool = False, size: str = "full",
               names: tuple[str, ...] = tuple(RENDERERS), log=print) -> Path:
    """Render the mini tasks into ``<data_dir>/mini-hear/`` (existing ones kept unless
    ``force``); returns that folder."""
    root = Path(data_dir) / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = root / name
        if (target / "task_metadata.json").is_file() and not force:
            log(f"mini.{name}: already rendered in {target}")
            continue
        start = time.perf_counter()
        RENDERERS[name](target, size)
        log(f"mini.{name}: rendered in {time.perf_counter() - start:.1f} s -> {target}")
    return root


def fetch(data_dir: Path, force: bool = False, url: str | None = None) -> Path:
    """``benchmark fetch mini-hear``: render every mini task (nothing is downloaded)."""
    if url is not None:
        raise UserError("--url: mini-hear is rendered locally from Debian packages; there is "
                        "nothing to download")
    return render_all(data_dir, force)
