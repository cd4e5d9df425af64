"""``benchmark validate PATH|ID``: conformance check of a model plugin."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import registry
from ..model import RANDOM_WEIGHTS_ENV
from ..validate import CLIP_SECONDS, models_in, validate_model
from .common import add_device_option


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a model plugin folder (or model id) against the interface")
    parser.add_argument("target", metavar="PATH|ID", help="plugin folder or model id")
    parser.add_argument("--clip-seconds", type=float, nargs="+", default=list(CLIP_SECONDS),
                        metavar="S", help="lengths of the test clips in seconds (default: "
                        f"{' '.join(map(str, CLIP_SECONDS))}); shorter for a quick check")
    parser.add_argument("--random-weights", action="store_true",
                        help="build hub models (tag needs-download) with random weights from "
                        "the config in their plugin (done automatically, and said so, when their "
                        "weights cannot be downloaded)")
    add_device_option(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    if args.random_weights:
        os.environ[RANDOM_WEIGHTS_ENV] = "1"
    failed = False
    model_ids = models_in(args.target)
    if not _discovered(model_ids):
        print(f"note: {args.target} is not installed: other commands (benchmark run ...) find "
              f"its models when {registry.PLUGINS_ENV} names it, e.g. export "
              f"{registry.PLUGINS_ENV}={Path(args.target).resolve()}", file=sys.stderr)
    for model_id in model_ids:
        problems = validate_model(model_id, args.device, args.clip_seconds)
        note = ""
        if problems and _weights_unreachable(model_id, problems):
            # Offline: check the hub model's architecture with random weights instead, and say so.
            problems = _with_random_weights(model_id, args)
            note = " (weights need a download: architecture checked with random weights)"
        if problems:
            failed = True
            print(f"FAIL {model_id}")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"ok   {model_id}{note}")
    return 1 if failed else 0


def _discovered(model_ids: list[str]) -> bool:
    """Whether discovery (entry points, ``$BRAINSCORE_AUDIO_PLUGINS``) registers these models,
    or only ``validate``'s import of the folder did."""
    return all(registry.models.entry(i).registered_from.startswith(_discovered_roots())
               for i in model_ids)


def _discovered_roots() -> tuple[str, ...]:
    roots = [str(p.resolve()) for p in registry.plugin_folders_from_env()]
    for module in registry.discovered_packages():
        roots += [str(Path(p).resolve()) for p in getattr(module, "__path__", [])]
    return tuple(roots) or ("\0",)


def _weights_unreachable(model_id: str, problems: list[str]) -> bool:
    """A hub model (tag needs-download) whose only problem is that load() failed."""
    return ("needs-download" in registry.models.entry(model_id).tags and len(problems) == 1
            and problems[0].startswith(f"{model_id}: load("))


def _with_random_weights(model_id: str, args: argparse.Namespace) -> list[str]:
    previous = os.environ.get(RANDOM_WEIGHTS_ENV)
    os.environ[RANDOM_WEIGHTS_ENV] = "1"
    try:
        return validate_model(model_id, args.device, args.clip_seconds)
    finally:
        if previous is None:
            del os.environ[RANDOM_WEIGHTS_ENV]
        else:
            os.environ[RANDOM_WEIGHTS_ENV] = previous
