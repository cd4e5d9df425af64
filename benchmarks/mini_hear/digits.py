"""`mini.spoken-digits`: recorded digits 0-9 of the Asterisk PBX prompts (real voices: US
English and Mexican Spanish by Allison Smith, Canadian French by June Wallack, Italian by Carlo
Flora, Russian by Maxim), several perturbed copies of each.

One recording exists per digit and language, so each is copied with seeded perturbations (speed
0.85-1.15 by resampling, gain, white noise at 10-30 dB SNR, onset jitter); fold k holds the k-th
copy of every recording. The task therefore measures how well a representation keeps digit
identity across speed, level and noise changes and across 5 languages, not generalisation to
unseen speakers (the same recordings appear, perturbed, in every fold).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
import soxr

from brainscore_audio.downstream import TaskWriter
from brainscore_audio.errors import UserError

from .tools import SAMPLE_RATE, fit_clip, package_version, require_file, trim_silence

SOUNDS = Path("/usr/share/asterisk/sounds")
LANGUAGES = {  # package suffix -> voice folder
    "en": "en_US_f_Allison", "es": "es_MX_f_Allison", "fr": "fr_CA_f_June",
    "it": "it_IT_m_Carlo", "ru": "ru_RU_f_IvrvoiceRU",
}
DIGITS = tuple(str(d) for d in range(10))
SIZES = {"full": {"languages": tuple(LANGUAGES), "copies": 4},
         "small": {"languages": ("en", "fr", "it"), "copies": 4}}
CLIP_S = 1.0


def read_gsm(path: Path) -> np.ndarray:
    """A raw GSM 6.10 file (8 kHz mono) as float32 ``(n,)``."""
    try:
        samples, _ = soundfile.read(str(path), format="RAW", subtype="GSM610", samplerate=8000,
                                    channels=1, dtype="float32")
    except Exception as exc:  # noqa: BLE001 - soundfile raises several types
        raise UserError(f"{path}: unreadable GSM audio ({exc})") from exc
    return samples


def perturb(samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Speed change by resampling, then white noise at a random SNR (16 kHz float32)."""
    speed = rng.uniform(0.85, 1.15)
    out = soxr.resample(samples, SAMPLE_RATE, int(round(SAMPLE_RATE / speed)), quality="HQ")
    power = np.mean(out**2)
    snr_db = rng.uniform(10, 30)
    out = out + rng.standard_normal(len(out)) * np.sqrt(power / 10 ** (snr_db / 10))
    return out.astype(np.float32)


def render(root: Path, size: str = "full") -> Path:
    """Render the task into ``root`` (a HEAR-format folder); returns ``root``."""
    spec = SIZES[size]
    copies = spec["copies"]
    recordings = {}
    for language in spec["languages"]:
        package = f"asterisk-core-sounds-{language}-gsm"
        for digit in DIGITS:
            path = require_file(SOUNDS / LANGUAGES[language] / "digits" / f"{digit}.gsm", package)
            speech = soxr.resample(read_gsm(path), 8000, SAMPLE_RATE, quality="VHQ")
            recordings[language, digit] = trim_silence(speech.astype(np.float32))
    metadata = {
        "task_name": "mini_spoken_digits", "version": "v1", "mode": size,
        "embedding_type": "scene", "prediction_type": "multiclass",
        "split_mode": "new_split_kfold", "nfolds": copies, "sample_duration": CLIP_S,
        "evaluation": ["top1_acc"],
        "description": "Recorded digits 0-9 (Asterisk prompts, 5 languages, 4 speakers), "
                       f"{copies} perturbed copies each; fold k = k-th copy of every recording",
        "languages": {lang: LANGUAGES[lang] for lang in spec["languages"]},
        "perturbation": "speed x U(0.85, 1.15) by resampling, white noise at U(10, 30) dB SNR, "
                        "onset U(0, 0.15) s, peak 0.5; numpy default_rng(2)",
        "sources": {f"asterisk-core-sounds-{lang}-gsm": {
            "version": package_version(f"asterisk-core-sounds-{lang}-gsm"),
            "licence": "CC-BY-3.0 (Asterisk core sound prompts; see the package's copyright "
                       "file)"} for lang in spec["languages"]},
    }
    rng = np.random.default_rng(2)
    writer = TaskWriter(root, metadata, SAMPLE_RATE)
    try:
        for copy in range(copies):
            for (language, digit), clean in recordings.items():
                noisy = perturb(clean, rng)
                lead = rng.uniform(0.0, 0.15)
                clip = fit_clip(noisy, SAMPLE_RATE, CLIP_S, lead_s=lead, trim_threshold=None,
                                peak=rng.uniform(0.3, 0.7))
                writer.add(f"fold{copy:02d}", f"{language}_{digit}_copy{copy}.wav", clip, [digit])
        return writer.finish(list(DIGITS))
    except BaseException:
        writer.abort()
        raise
