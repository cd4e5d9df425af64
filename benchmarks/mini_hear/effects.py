"""`mini.sound-effects`: sound effects of the game UFO: Alien Invasion (Debian ufoai-sound)
grouped into classes by their folder and file name (footsteps, gunshots, breaking, pain, ...),
cut or padded to 1.5 s; 5 folds stratified by class (ESC-50-like)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import soundfile

from brainscore_audio.downstream import TaskWriter
from brainscore_audio.errors import UserError

from .tools import SAMPLE_RATE, fit_clip, package_version, require_file

ARCHIVE = Path("/usr/share/games/ufoai/base/0snd.pk3")
PACKAGE = "ufoai-sound"
# class -> regular expression on the path inside the archive (first match wins)
CLASSES = {
    "footsteps": r"^sound/footsteps/(?!crouch|stand|water_)",
    "gunshot": r"^sound/weapons/bullet-",
    "energy-weapon": r"^sound/weapons/(laser|plasma|ptl)-",
    "reload": r"^sound/weapons/reload-",
    "breaking": r"^sound/misc/break",
    "impact": r"^sound/impact/",
    "pain-or-death": r"^sound/(soldiers|civilians)/",
    "fire": r"^sound/ambience/(fire|smallfire)",
    "door": r"^sound/doors/",
}
SIZES = {"full": {"per_class": 16}, "small": {"per_class": 8}}
CLIP_S, NFOLDS = 1.5, 5


def select(names: list[str], per_class: int | None) -> list[tuple[str, str]]:
    """``[(archive path, class)]`` sorted by path, at most ``per_class`` per class."""
    chosen: dict[str, list[str]] = {}
    for name in sorted(names):
        for label, pattern in CLASSES.items():
            if name.endswith(".ogg") and re.search(pattern, name):
                chosen.setdefault(label, []).append(name)
                break
    return [(name, label) for label, members in chosen.items() for name in members[:per_class]]


def render(root: Path, size: str = "full", archive: Path = ARCHIVE) -> Path:
    """Render the task into ``root`` (a HEAR-format folder); returns ``root``."""
    archive = require_file(archive, PACKAGE)
    with zipfile.ZipFile(archive) as handle:
        items = select(handle.namelist(), SIZES[size]["per_class"])
        if not items:
            raise UserError(f"{archive}: no sound effects matched the class patterns")
        rng = np.random.default_rng(3)
        fold_of = {}
        for label in CLASSES:
            members = [name for name, lab in items if lab == label]
            for rank, i in enumerate(rng.permutation(len(members))):
                fold_of[members[i]] = rank % NFOLDS
        metadata = {
            "task_name": "mini_sound_effects", "version": "v1", "mode": size,
            "embedding_type": "scene", "prediction_type": "multiclass",
            "split_mode": "new_split_kfold", "nfolds": NFOLDS, "sample_duration": CLIP_S,
            "evaluation": ["top1_acc", "mAP", "d_prime"],
            "description": "UFO:AI game sound effects in 9 classes (at most "
                           f"{SIZES[size]['per_class']} per class, first by name), first 1.5 s "
                           "of each, 5 class-stratified folds",
            "classes": CLASSES,
            "sources": {PACKAGE: {"file": str(archive), "version": package_version(PACKAGE),
                                  "licence": "GPL-2+ (The UFO:AI Team); a few files CC-BY-3.0, "
                                             "see /usr/share/doc/ufoai-sound/copyright"}},
        }
        writer = TaskWriter(root, metadata, SAMPLE_RATE)
        try:
            for name, label in items:
                try:
                    audio, rate = soundfile.read(io.BytesIO(handle.read(name)), dtype="float32",
                                                 always_2d=True)
                except Exception as exc:  # noqa: BLE001
                    raise UserError(f"{archive}: {name}: unreadable ({exc})") from exc
                clip = fit_clip(audio.mean(axis=1), rate, CLIP_S, lead_s=0.0)
                filename = name.removeprefix("sound/").replace("/", "_").removesuffix(".ogg")
                writer.add(f"fold{fold_of[name]:02d}", filename + ".wav", clip, [label])
            return writer.finish(list(CLASSES))
        except BaseException:
            writer.abort()
            raise
