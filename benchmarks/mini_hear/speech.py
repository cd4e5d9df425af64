"""`mini.speech-commands`: the ten Speech Commands words spoken by synthetic voices (espeak-ng
accents and voice variants, flite voices). Splits are voice-disjoint (train / valid / test)."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from brainscore_audio.audio import read_audio
from brainscore_audio.downstream import TaskWriter

from .tools import SAMPLE_RATE, fit_clip, package_version, require_tool, run

WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc")
VARIANTS = ("m1", "f2", "m3", "f4")
FLITE_VOICES = ("slt", "rms", "awb", "kal16")
SIZES = {
    # espeak-ng voices (accent x variant), flite voices, voices per split (train/valid/test)
    "full": {"variants": VARIANTS[:2], "flite": FLITE_VOICES, "split_sizes": (12, 4, 4)},
    "small": {"variants": VARIANTS[:1], "flite": FLITE_VOICES[:2], "split_sizes": (6, 2, 2)},
}
CLIP_S = 1.0


def voices(size: str) -> list[tuple[str, str, int]]:
    """``[(engine, voice, rate_wpm)]`` in split order (seeded): flite voices are spread over
    the splits so that no split is made of one engine."""
    spec = SIZES[size]
    rng = np.random.default_rng(1)
    espeak = [("espeak-ng", f"{a}+{v}", int(rng.integers(140, 191)))
              for v in spec["variants"] for a in ACCENTS]
    espeak = [espeak[i] for i in rng.permutation(len(espeak))]
    flite = [("flite", v, 0) for v in spec["flite"]]
    n_train, n_valid, n_test = spec["split_sizes"]
    flite_split = np.array_split(np.arange(len(flite)), [len(flite) // 2, 3 * len(flite) // 4])
    groups, start = [], 0
    for n, picks in zip((n_train, n_valid, n_test), flite_split, strict=True):
        take = n - len(picks)
        groups.append(espeak[start:start + take] + [flite[i] for i in picks])
        start += take
    return [v for group in groups for v in group], (n_train, n_valid, n_test)


def render(root: Path, size: str = "full") -> Path:
    """Render the task into ``root`` (a HEAR-format folder); returns ``root``."""
    espeak = require_tool("espeak-ng", "espeak-ng")
    flite = require_tool("flite", "flite")
    voice_list, (n_train, n_valid, _) = voices(size)
    split_of = ["train"] * n_train + ["valid"] * n_valid + ["test"] * (len(voice_list) - n_train
                                                                        - n_valid)
    metadata = {
        "task_name": "mini_speech_commands", "version": "v1", "mode": size,
        "embedding_type": "scene", "prediction_type": "multiclass", "split_mode": "trainvaltest",
        "sample_duration": CLIP_S, "evaluation": ["top1_acc"],
        "description": "Speech Commands' ten core words by synthetic voices (espeak-ng accents "
                       "and variants, flite voices); voice-disjoint splits",
        "voices": {split: [f"{e}:{v}" for (e, v, _), s in zip(voice_list, split_of, strict=True)
                           if s == split] for split in ("train", "valid", "test")},
        "sources": {
            "espeak-ng": {"package": "espeak-ng", "version": package_version("espeak-ng"),
                          "licence": "GPL-3+"},
            "flite": {"package": "flite", "version": package_version("flite"),
                      "licence": "BSD-style (Carnegie Mellon University flite licence)"},
        },
    }
    writer = TaskWriter(root, metadata, SAMPLE_RATE)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            jobs = []
            for index, (engine, voice, rate) in enumerate(voice_list):
                for word in WORDS:
                    out = Path(tmp) / f"v{index:02d}_{word}.wav"
                    command = ([espeak, "-v", voice, "-s", str(rate), "-w", str(out), word]
                               if engine == "espeak-ng" else
                               [flite, "-voice", voice, "-t", word, "-o", str(out)])
                    jobs.append((command, out, index, word))
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda job: run(job[0], f"speaking {job[3]!r}"), jobs))
            for _, out, index, word in jobs:
                audio, rate = read_audio(out)
                engine, voice, _ = voice_list[index]
                name = f"{engine}-{voice.replace('+', '-')}_{word}.wav"
                writer.add(split_of[index], name, fit_clip(audio, rate, CLIP_S), [word])
        return writer.finish(list(WORDS))
    except BaseException:
        writer.abort()
        raise
