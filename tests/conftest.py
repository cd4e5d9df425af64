"""Library tests: shared fixtures live in the repository's top-level conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Reference implementations used by tests and perf scripts live next to the tests.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Path:
    """This checkout built as a wheel (no dependencies, no build isolation), once per session."""
    import subprocess

    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(folder)],
                   check=True, capture_output=True, timeout=300)
    return next(folder.glob("brainscore_audio-*.whl"))
