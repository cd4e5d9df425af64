"""Optional dependencies of the EEG benchmarks (the ``eeg`` extra), imported on demand."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import UserError

EXTRA = "eeg"


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise a one-line :class:`UserError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UserError(f"{purpose} needs the optional package {module.split('.')[0]!r}: "
                        f"pip install 'brainscore-audio[{EXTRA}]' ({exc})") from None


def available(module: str) -> bool:
    """Whether ``module`` can be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
