"""Library tests: shared fixtures live in the repository's top-level conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path

# Reference implementations used by tests and perf scripts live next to the tests.
sys.path.insert(0, str(Path(__file__).parent))
