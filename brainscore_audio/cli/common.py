"""Options shared by several subcommands."""

from __future__ import annotations

import argparse
import re


def plain(text: str) -> str:
    """A docstring as ``--help`` text: reST markup (````code````, ``:role:`name```) removed."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text)
    return text.replace("``", "")


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR",
                        help="root of downloaded data sets (default: $BRAINSCORE_AUDIO_DATA or "
                             "the user cache folder)")


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="activation cache (default: $BRAINSCORE_AUDIO_CACHE or the user "
                             "cache folder)")


def add_device_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
