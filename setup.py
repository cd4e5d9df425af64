"""Packaging glue that pyproject.toml alone cannot express.

The plugin folders ``benchmarks/`` and ``submissions/`` are installed as the import packages
``brainscore_audio_benchmarks`` and ``brainscore_audio_submissions`` (generic top-level names
such as ``benchmarks`` would collide with other projects in site-packages). Every plugin folder
below them is found here automatically, so adding a plugin never means editing packaging, and a
non-editable ``pip install .`` still ships every in-repo plugin.
"""

from setuptools import find_packages, setup

PLUGIN_ROOTS = {
    "brainscore_audio_benchmarks": "benchmarks",
    "brainscore_audio_submissions": "submissions",
}

packages = find_packages(include=["brainscore_audio", "brainscore_audio.*"])
for import_name, folder in PLUGIN_ROOTS.items():
    packages.append(import_name)
    packages += [f"{import_name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=PLUGIN_ROOTS)
