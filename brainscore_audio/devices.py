"""The ``--device`` option: its spelling, and whether that device is present here."""

from __future__ import annotations

from .errors import UserError


def check_device_name(device: str) -> str:
    """Validate the spelling of ``--device``: ``cpu``, ``cuda`` or ``cuda:N``."""
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise UserError(f"--device must be cpu or cuda, got {device!r}")
    return device


def check_device(device: str) -> str:
    """Validate ``--device``: ``cpu`` or ``cuda`` (only if a CUDA device is present here)."""
    check_device_name(device)
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise UserError("--device cuda requested but no CUDA device is available "
                            "(torch.cuda.is_available() is False)")
    return device
