"""A test-only model plugin package, found through a real entry point, for the executor tests.

:func:`install` writes the package ``bsa_executor_test_plugins`` and its ``.dist-info`` (entry
point group ``brainscore_audio.models``) into a temporary folder on ``sys.path``. Worker
processes started afterwards inherit ``sys.path`` and discover it like a third-party plugin.

Models:
    test-sleepy: log band energies of 20 ms frames; sleeps ``sleep.txt`` seconds per ``embed``
        call, and records each call (``calls.log``: pid, clips) and its process (``running/<pid>``).
    test-broken: raises ``RuntimeError("broken on purpose")`` in ``embed``.
"""

from __future__ import annotations

import atexit
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

PACKAGE = "bsa_executor_test_plugins"
MODEL_IDS = ("test-sleepy", "test-broken")

INIT = '''"""Executor test plugins: registration only."""
from brainscore_audio.registry import models

from .model import Broken, Sleepy


def register():
    models.register("test-sleepy", Sleepy)
    models.register("test-broken", Broken)


register()
'''

MODEL = '''import os
import time
from pathlib import Path

import numpy as np

from brainscore_audio.model import Activations, AudioModel

HERE = Path(__file__).parent


class Sleepy(AudioModel):
    identifier = "test-sleepy"
    sample_rate = 16000
    layers = ["energy", "bands"]
    default_layers = ["energy", "bands"]

    def load(self, device="cpu"):
        pass

    def embed(self, audio, layers):
        (HERE / "running").mkdir(exist_ok=True)
        (HERE / "running" / str(os.getpid())).touch()
        with open(HERE / "calls.log", "a") as log:
            log.write(f"{os.getpid()} {len(audio)}\\n")
        time.sleep(float((HERE / "sleep.txt").read_text()))
        frames = audio[:, : audio.shape[1] // 320 * 320].reshape(len(audio), -1, 320)
        power = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
        bands = np.log(np.stack([b.mean(-1) for b in np.array_split(power, 12, axis=-1)], -1)
                       + 1e-6)
        out = {"energy": np.log((frames ** 2).mean(-1, keepdims=True) + 1e-6),
               "bands": bands}
        return {name: Activations(out[name].astype(np.float32), 0.02) for name in layers}


class Broken(Sleepy):
    identifier = "test-broken"

    def embed(self, audio, layers):
        raise RuntimeError("broken on purpose")
'''

_root: Path | None = None


def install() -> Path:
    """Write (once per process) and import the package; returns its folder."""
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="bsa-executor-plugins-"))
        atexit.register(shutil.rmtree, _root, True)
        package = _root / PACKAGE
        package.mkdir()
        (package / "__init__.py").write_text(INIT)
        (package / "model.py").write_text(MODEL)
        info = _root / f"{PACKAGE}-0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 0\n")
        (info / "entry_points.txt").write_text(
            f"[brainscore_audio.models]\nexecutor-tests = {PACKAGE}\n")
    if str(_root) not in sys.path:
        sys.path.insert(0, str(_root))
    module = importlib.import_module(PACKAGE)
    module.register()  # again after a previous uninstall()
    set_sleep(0.0)
    return _root / PACKAGE


def uninstall() -> None:
    """Forget the test models (other tests list every registered model)."""
    from brainscore_audio.registry import models

    for model_id in MODEL_IDS:
        models.entries.pop(model_id, None)
    if _root is not None and str(_root) in sys.path:
        sys.path.remove(str(_root))


def set_sleep(seconds: float) -> None:
    (_root / PACKAGE / "sleep.txt").write_text(str(seconds))


def calls() -> list[tuple[int, int]]:
    """``(pid, clips)`` of every ``embed`` call of test-sleepy so far."""
    path = _root / PACKAGE / "calls.log"
    if not path.is_file():
        return []
    return [tuple(int(x) for x in line.split()) for line in path.read_text().splitlines()]


def reset_calls() -> None:
    (_root / PACKAGE / "calls.log").unlink(missing_ok=True)
    shutil.rmtree(_root / PACKAGE / "running", ignore_errors=True)


def running_pids() -> list[int]:
    folder = _root / PACKAGE / "running"
    return sorted(int(p.name) for p in folder.iterdir()) if folder.is_dir() else []
