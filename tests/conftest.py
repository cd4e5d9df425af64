"""Shared fixtures: every test session gets its own activation cache and data folder, so tests
never read or write the user's cache."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

# Reference implementations used by tests and perf scripts live next to the tests.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True, scope="session")
def _isolated_dirs(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("BRAINSCORE_AUDIO_CACHE", str(tmp_path_factory.mktemp("activation-cache")))
    patch.setenv("BRAINSCORE_AUDIO_DATA", str(tmp_path_factory.mktemp("data")))
    yield
    patch.undo()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
