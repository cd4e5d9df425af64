"""Finding the Debian tools and data files the mini tasks are rendered with.

A missing one is a one-line UserError naming the apt package that provides it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import soxr

from brainscore_audio.errors import UserError

SAMPLE_RATE = 16_000  # every mini task is written at 16 kHz


def require_tool(command: str, package: str) -> str:
    """Absolute path of ``command``; UserError naming ``package`` if it is not installed."""
    path = shutil.which(command)
    if path is None:
        raise UserError(f"{command}: command not found; install the Debian package {package} "
                        f"(apt-get install {package})")
    return path


def require_file(path: str | Path, package: str) -> Path:
    """``path`` if it exists; UserError naming ``package`` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: not found; install the Debian package {package} "
                        f"(apt-get install {package})")
    return path


def package_version(package: str) -> str | None:
    """Installed Debian version of ``package`` (None where dpkg is absent or it is not installed)."""
    if shutil.which("dpkg-query") is None:
        return None
    result = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip() or None if result.returncode == 0 else None


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run(command: list[str], what: str) -> None:
    """Run a renderer command; a failure is a one-line UserError with its first stderr line."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[0]
        raise UserError(f"{what}: `{' '.join(command[:3])} ...` failed ({reason})")


def fit_clip(samples: np.ndarray, rate: int, duration_s: float, lead_s: float = 0.05,
             trim_threshold: float | None = 0.02, peak: float = 0.5) -> np.ndarray:
    """Mono ``(n,)`` -> ``(duration_s * 16 kHz,)`` float32: resampled to 16 kHz, leading and
    trailing silence trimmed (samples below ``trim_threshold`` x peak), started after
    ``lead_s`` of silence, cut or zero-padded to length and scaled to ``peak``."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate != SAMPLE_RATE:
        samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="VHQ").astype(np.float32)
    if trim_threshold is not None:
        samples = trim_silence(samples, trim_threshold)
    length = int(round(duration_s * SAMPLE_RATE))
    out = np.zeros(length, dtype=np.float32)
    start = int(round(lead_s * SAMPLE_RATE))
    piece = samples[:max(length - start, 0)]
    out[start:start + len(piece)] = piece
    if not np.any(out):
        raise UserError("rendered clip is silent")
    return (out * (peak / float(np.max(np.abs(out))))).astype(np.float32)


def trim_silence(samples: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """Drop leading and trailing samples quieter than ``threshold`` x the peak."""
    top = float(np.max(np.abs(samples))) if samples.size else 0.0
    if top <= 0:
        raise UserError("rendered clip is silent")
    loud = np.flatnonzero(np.abs(samples) >= threshold * top)
    return samples[loud[0]:loud[-1] + 1]
