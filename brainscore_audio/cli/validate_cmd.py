"""``benchmark validate PATH|ID``: conformance check of a model plugin."""

from __future__ import annotations

import argparse
import os

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
                        "the config in their plugin: checks them without internet")
    add_device_option(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    if args.random_weights:
        # Read by the hf: adapter when a model is constructed (see docs/submit.md).
        os.environ["BRAINSCORE_AUDIO_RANDOM_WEIGHTS"] = "1"
    failed = False
    for model_id in models_in(args.target):
        problems = validate_model(model_id, args.device, args.clip_seconds)
        if problems:
            failed = True
            print(f"FAIL {model_id}")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"ok   {model_id}")
    return 1 if failed else 0
