"""The ``benchmark`` command line. One module per subcommand; each has ``add_parser`` and
``main``. A :class:`~brainscore_audio.errors.UserError` prints as one line (exit status 2)."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .. import atomic, progress
from ..errors import UserError
from . import (
    analyze_cmd,
    cite_cmd,
    demo_cmd,
    extract_cmd,
    fetch_cmd,
    leaderboard_cmd,
    list_cmd,
    plot_cmd,
    reproduce_cmd,
    run_cmd,
    validate_cmd,
)

SUBCOMMANDS = [list_cmd, run_cmd, extract_cmd, demo_cmd, fetch_cmd, leaderboard_cmd, validate_cmd,
               analyze_cmd, plot_cmd, cite_cmd, reproduce_cmd]


#: OSErrors that the user's environment causes (disk full, permissions, read-only, long names):
#: one line without a traceback. Others are bugs and keep their traceback.
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                      errno.ENAMETOOLONG}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmark",
        description="Score audio models on brain and downstream benchmarks (brainscore-audio).")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv  # the command line as given (reports quote it)
    with _quiet(getattr(args, "quiet", False)):
        try:
            return int(args.handler(args) or 0)
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            if exc.errno not in ENVIRONMENT_ERRNOS:
                raise
            # Writes through brainscore_audio.atomic say this themselves; this catches the rest
            # (downloads, third-party writers) the same way.
            print(f"error: {atomic.write_error(exc.filename or '?', exc)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted: finished work is saved; run the same command again to resume",
                  file=sys.stderr)
            return 130


@contextmanager
def _quiet(quiet: bool) -> Iterator[None]:
    """Silence progress bars for one command, in this process and in worker processes it
    starts (``TQDM_DISABLE``); both are restored afterwards, so an in-process call leaks
    nothing."""
    if not quiet:
        yield
        return
    previous = os.environ.get("TQDM_DISABLE")
    progress.set_quiet(True)
    os.environ["TQDM_DISABLE"] = "1"
    try:
        yield
    finally:
        progress.set_quiet(False)
        if previous is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = previous


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
