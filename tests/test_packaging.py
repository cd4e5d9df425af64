"""A non-editable install must still find the in-repo plugins: the wheel carries the plugin
packages, their data files and the entry points that name them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_plugins_and_entry_points(built_wheel):
    wheel = built_wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    for plugin in sorted((ROOT / "benchmarks").iterdir()) + sorted((ROOT / "submissions").iterdir()):
        if (plugin / "__init__.py").is_file():
            package = ("brainscore_audio_benchmarks" if plugin.parent.name == "benchmarks"
                       else "brainscore_audio_submissions")
            assert f"{package}/{plugin.name}/__init__.py" in names
            if (plugin / "metadata.yaml").is_file():
                assert f"{package}/{plugin.name}/metadata.yaml" in names
    templates = ROOT / "brainscore_audio" / "publish" / "templates"
    for template in templates.iterdir():  # the web leaderboard needs its package data
        assert f"brainscore_audio/publish/templates/{template.name}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[brainscore_audio.benchmarks]" in text and "brainscore_audio_benchmarks" in text
    assert "[brainscore_audio.models]" in text and "brainscore_audio_submissions" in text
    assert "benchmark = brainscore_audio.cli:main" in text
