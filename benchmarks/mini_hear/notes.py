"""`mini.notes-pitch`: General MIDI instruments playing known notes, rendered with fluidsynth
(NSynth-like). Labels are pitch classes (C, C#, ..., B): some General MIDI presets sound an
octave away from the written note, which a pitch class is immune to. Splits are
instrument-disjoint (train / valid / test), so the probe must generalise to unseen timbres.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from brainscore_audio.audio import read_audio
from brainscore_audio.downstream import TaskWriter

from . import midi
from .tools import SAMPLE_RATE, fit_clip, package_version, require_file, require_tool, run, sha256

SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
SOUNDFONT_PACKAGE = "timgm6mb-soundfont"
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# General MIDI programs (0-based) across families, in a fixed order: piano, chromatic
# percussion, organ, guitar, bass, strings, ensemble, brass, reed, pipe, synth lead and pad.
INSTRUMENTS = {
    0: "Acoustic Grand Piano", 4: "Electric Piano 1", 6: "Harpsichord", 11: "Vibraphone",
    12: "Marimba", 16: "Drawbar Organ", 19: "Church Organ", 21: "Accordion",
    24: "Acoustic Guitar (nylon)", 26: "Electric Guitar (jazz)", 32: "Acoustic Bass",
    40: "Violin", 42: "Cello", 46: "Orchestral Harp", 48: "String Ensemble 1",
    52: "Choir Aahs", 56: "Trumpet", 57: "Trombone", 60: "French Horn", 65: "Alto Sax",
    68: "Oboe", 71: "Clarinet", 73: "Flute", 80: "Lead 1 (square)",
}
SIZES = {
    # instruments (train/valid/test), MIDI notes
    "full": {"split_sizes": (8, 4, 4), "notes": tuple(range(48, 72))},
    "small": {"split_sizes": (4, 2, 2), "notes": tuple(range(48, 72))},
}
NOTE_MS, STEP_MS, CLIP_S = 700, 1200, 1.0
VELOCITY = 100


def render(root: Path, size: str = "full", soundfont: Path = SOUNDFONT) -> Path:
    """Render the task into ``root`` (a HEAR-format folder); returns ``root``."""
    fluidsynth = require_tool("fluidsynth", "fluidsynth")
    soundfont = require_file(soundfont, SOUNDFONT_PACKAGE)
    spec = SIZES[size]
    programs = list(INSTRUMENTS)[:sum(spec["split_sizes"])]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(programs))
    n_train, n_valid, _ = spec["split_sizes"]
    split_of = {programs[i]: ("train" if rank < n_train else "valid" if rank < n_train + n_valid
                              else "test") for rank, i in enumerate(order)}
    events, onsets = [], []
    now = 0
    for program in programs:
        events.append((now, midi.program_change(0, program)))
        now += 100
        for note in spec["notes"]:
            events += [(now, midi.note_on(0, note, VELOCITY)), (now + NOTE_MS, midi.note_off(0, note))]
            onsets.append((program, note, now))
            now += STEP_MS
    metadata = {
        "task_name": "mini_notes_pitch", "version": "v1", "mode": size,
        "embedding_type": "scene", "prediction_type": "multiclass", "split_mode": "trainvaltest",
        "sample_duration": CLIP_S, "evaluation": ["pitch_acc"],
        "description": "General MIDI instruments (fluidsynth, reverb and chorus off) playing "
                       "single notes; label = pitch class; instrument-disjoint splits",
        "instruments": {split: [f"{p}: {INSTRUMENTS[p]}" for p in programs if split_of[p] == split]
                        for split in ("train", "valid", "test")},
        "midi_notes": list(spec["notes"]), "velocity": VELOCITY, "note_ms": NOTE_MS,
        "sources": {
            "renderer": {"tool": "fluidsynth", "package": "fluidsynth",
                         "version": package_version("fluidsynth"), "licence": "LGPL-2.1+"},
            "soundfont": {"file": str(soundfont), "sha256": sha256(soundfont),
                          "package": SOUNDFONT_PACKAGE,
                          "version": package_version(SOUNDFONT_PACKAGE),
                          "licence": "GPL-2 (TimGM6mb by Tim Brechbill)"},
        },
    }
    writer = TaskWriter(root, metadata, SAMPLE_RATE)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            midi_path, wav_path = Path(tmp) / "notes.mid", Path(tmp) / "notes.wav"
            midi.write_midi(midi_path, events)
            run([fluidsynth, "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.6",
                 "-r", str(SAMPLE_RATE), "-T", "wav", "-F", str(wav_path), str(soundfont),
                 str(midi_path)], "rendering notes with fluidsynth")
            audio, rate = read_audio(wav_path)
        for program, note, onset_ms in onsets:
            start = int(onset_ms * rate / 1000)
            piece = audio[start:start + int(CLIP_S * rate)]
            clip = fit_clip(piece, rate, CLIP_S, lead_s=0.0, trim_threshold=None)
            writer.add(split_of[program], f"gm{program:03d}_note{note:03d}.wav", clip,
                       [PITCH_CLASSES[note % 12]])
        return writer.finish(list(PITCH_CLASSES))
    except BaseException:
        writer.abort()
        raise
