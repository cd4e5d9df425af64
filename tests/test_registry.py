"""Registries, discovery and error messages for unknown ids."""

from __future__ import annotations

import textwrap

import pytest

from brainscore_audio import registry
from brainscore_audio.errors import UnknownIdError, UserError


def test_in_repo_plugins_are_discovered_through_entry_points():
    assert {"logmel", "random-cnn"} <= set(registry.models.ids())
    assert {"demo.voxel-ridge", "demo.rsa"} <= set(registry.benchmarks.ids())
    assert "demo" in registry.stimulus_sets.ids()
    assert registry.benchmarks.ids(tag="embedded") == ["demo.rsa", "demo.voxel-ridge"]
    assert registry.models.entry("logmel").metadata()["name"] == "Log-mel spectrogram"


def test_unknown_id_lists_close_matches():
    with pytest.raises(UnknownIdError) as info:
        registry.models.make("logmell")
    message = str(info.value)
    assert "unknown model 'logmell'" in message and "logmel" in message
    assert isinstance(info.value, UserError)


def test_duplicate_from_another_file_is_an_error_but_reimport_is_not(tmp_path):
    local = registry.Registry("model")
    local.register("x", object)
    local.register("x", object)  # same calling file: a re-import, ignored
    other = tmp_path / "other.py"
    other.write_text("def go(r):\n    r.register('x', object)\n")
    namespace: dict = {}
    exec(compile(other.read_text(), str(other), "exec"), namespace)
    with pytest.raises(ValueError, match="registered twice"):
        namespace["go"](local)


def test_prefix_families_pass_the_rest_of_the_id():
    local = registry.Registry("model")
    local.register_prefix("fam:", lambda rest: f"built {rest}")
    assert local.make("fam:org/name") == "built org/name"
    assert "fam:x" in local and "fam:" not in local


def test_plugin_folder_outside_the_package_can_be_imported(tmp_path):
    folder = tmp_path / "my_model"
    folder.mkdir()
    (folder / "__init__.py").write_text(textwrap.dedent("""
        from brainscore_audio.registry import models
        from .model import Mine
        models.register("test-outside-model", Mine)
    """))
    (folder / "model.py").write_text("class Mine:\n    pass\n")
    registry.import_plugin_folder(folder)
    entry = registry.models.entry("test-outside-model")
    assert entry.plugin_dir == folder.resolve()
    with pytest.raises(UserError, match="not a plugin folder"):
        registry.import_plugin_folder(tmp_path)


def test_registering_every_plugin_imports_no_heavy_framework():
    """Plugins only register; weights and frameworks load in load()/on first use, so
    `benchmark list` stays fast (about 1 s) however many plugins exist."""
    import subprocess
    import sys

    heavy = ("torch", "transformers", "mne", "onnxruntime", "dask", "matplotlib")
    code = ("import sys; from brainscore_audio import registry; registry.discover_plugins(); "
            f"print([m for m in {heavy!r} if m in sys.modules]); "
            "print(sorted(registry.plugin_import_errors))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.splitlines() == ["[]", "[]"], result.stdout
