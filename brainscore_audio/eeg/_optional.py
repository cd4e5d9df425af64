"""Optional dependencies of the EEG benchmarks (the ``eeg`` extra): the one mechanism of
:mod:`brainscore_audio.optional`, with the extra named."""

from __future__ import annotations

from types import ModuleType

from .. import optional
from ..optional import available

EXTRA = "eeg"

__all__ = ["EXTRA", "available", "require"]


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise a one-line error naming the ``eeg`` extra."""
    return optional.require(module, purpose, EXTRA)
