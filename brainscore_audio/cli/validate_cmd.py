"""``benchmark validate PATH|ID``: conformance check of a model plugin."""

from __future__ import annotations

import argparse

from ..validate import models_in, validate_model
from .common import add_device_option


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a model plugin folder (or model id) against the interface")
    parser.add_argument("target", metavar="PATH|ID", help="plugin folder or model id")
    add_device_option(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    failed = False
    for model_id in models_in(args.target):
        problems = validate_model(model_id, args.device)
        if problems:
            failed = True
            print(f"FAIL {model_id}")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"ok   {model_id}")
    return 1 if failed else 0
