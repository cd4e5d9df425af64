"""``benchmark fetch NAME``: download, verify and unpack a data set."""

from __future__ import annotations

import argparse
import inspect

from .. import registry, settings
from ..errors import UserError
from .common import add_data_options
from .output_paths import check_output_dir


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "fetch", help="download, verify and unpack a data set (e.g. for a benchmark)",
        description="Data sets are fetched into --data-dir (default: $BRAINSCORE_AUDIO_DATA or "
                    "the user cache folder). `benchmark fetch --list` shows what can be fetched.")
    parser.add_argument("name", nargs="?", help="data set or benchmark family, e.g. nh2015")
    parser.add_argument("--list", action="store_true", help="list fetchable data sets")
    parser.add_argument("--force", action="store_true", help="fetch again even if present")
    parser.add_argument("--url", help="override the download URL (a mirror, or file://...)")
    parser.add_argument("--subjects", metavar="LIST",
                        help="fetch only some subjects of a large data set: a count (e.g. 2) "
                             "or ids (e.g. S01,S03); data sets that support it say so")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_data_options(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    if args.list or not args.name:
        for name in registry.fetchers.ids():
            print(name)
        return 0
    fetch = registry.fetchers.make  # unknown name -> one-line error with close matches
    extra = {}
    if args.subjects:
        factory = registry.fetchers.entry(args.name).factory
        if "subjects" not in inspect.signature(factory).parameters:
            raise UserError(f"--subjects: data set {args.name!r} is fetched whole (its fetcher "
                            "takes no subject selection)")
        extra["subjects"] = args.subjects
    data_dir = check_output_dir(settings.data_dir(args.data_dir), "--data-dir")
    folder = fetch(args.name, data_dir=data_dir, force=args.force,
                   url=args.url, **extra)
    print(f"{args.name}: ready in {folder}")
    return 0
