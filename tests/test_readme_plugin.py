"""The README's plugin, read from README.md: complete (metadata, test, conformance, ruff) and
scored after the README's non-editable ``pip install .`` through ``BRAINSCORE_AUDIO_PLUGINS``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from readme_blocks import write_files

ROOT = Path(__file__).resolve().parents[1]
FILES = ["__init__.py", "metadata.yaml", "model.py", "test_my_model.py"]


@pytest.fixture
def readme_plugin(tmp_path) -> Path:
    written = write_files("submissions/my_model/", tmp_path)
    assert sorted(p.name for p in written) == FILES
    return tmp_path / "submissions" / "my_model"


def _run(command, cwd, env=None, timeout=600):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_readme_plugin_passes_the_conformance_tests_its_own_test_and_ruff(readme_plugin):
    env = {"BRAINSCORE_AUDIO_PLUGINS": str(readme_plugin)}
    conformance = _run([sys.executable, "-m", "pytest", "tests/test_conformance.py",
                        "-k", "my-model or outside_the_submission_folders"], ROOT, env)
    assert conformance.returncode == 0, conformance.stdout + conformance.stderr
    assert "3 passed" in conformance.stdout  # metadata, declared weights, validate
    own = _run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                str(readme_plugin / "test_my_model.py")], readme_plugin.parent.parent)
    assert own.returncode == 0 and "2 passed" in own.stdout, own.stdout + own.stderr
    lint = _run([sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"),
                 str(readme_plugin)], readme_plugin.parent.parent)
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.slow
def test_readme_plugin_is_scored_after_a_non_editable_install(readme_plugin, built_wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python, benchmark = venv / "bin" / "python", venv / "bin" / "benchmark"
    install = _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed",
                    str(built_wheel)], tmp_path)
    assert install.returncode == 0, install.stderr
    where = _run([str(python), "-c", "import brainscore_audio; print(brainscore_audio.__file__)"],
                 tmp_path)
    assert where.stdout.startswith(str(venv)), where.stdout  # the wheel, not this checkout
    project = readme_plugin.parent.parent
    validate = _run([str(benchmark), "validate", "submissions/my_model"], project)
    assert validate.returncode == 0 and validate.stdout.split() == ["ok", "my-model"], \
        validate.stdout + validate.stderr
    assert "BRAINSCORE_AUDIO_PLUGINS" in validate.stderr  # validate says how run finds it
    command = [str(benchmark), "run", "--model", "my-model", "--benchmark", "demo.rsa",
               "--output", "scores", "--quiet"]
    unknown = _run(command, project)
    assert unknown.returncode == 2
    assert unknown.stderr.count("\n") == 1 and unknown.stderr.startswith(
        "error: unknown model 'my-model'") and "BRAINSCORE_AUDIO_PLUGINS" in unknown.stderr
    scored = _run(command, project, {"BRAINSCORE_AUDIO_PLUGINS": "submissions/my_model"})
    assert scored.returncode == 0, scored.stdout + scored.stderr
    (record,) = (project / "scores").glob("my-model__v1__demo.rsa.json")
    assert json.loads(record.read_text())["model"] == {
        "id": "my-model", "version": "1", "checkpoint": None, "source": "plugin"}
    # a folder of plugin folders works too
    listed = _run([str(benchmark), "list", "models"], project,
                  {"BRAINSCORE_AUDIO_PLUGINS": "submissions"})
    assert "my-model" in listed.stdout.split(), listed.stdout + listed.stderr
