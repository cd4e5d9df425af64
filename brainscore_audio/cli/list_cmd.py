"""``benchmark list models|benchmarks|stimulus-sets|datasets|studies``."""

from __future__ import annotations

import argparse

from tabulate import tabulate

from .. import registry


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "list", help="list registered models, benchmarks, stimulus sets or fetchable datasets")
    parser.add_argument("what", choices=["models", "benchmarks", "stimulus-sets", "datasets",
                                         "studies"])
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    if args.what == "models":
        rows = [[i, ", ".join(sorted(e.tags)), e.metadata().get("name", "")]
                for i, e in ((i, registry.models.entry(i)) for i in registry.models.ids())]
        rows += [[f"{p}<id>", "family", e.metadata().get("name", "")]
                 for p, e in sorted(registry.models.prefixes.items())]
        print(tabulate(rows, headers=["model", "tags", "name"]))
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
