"""``benchmark leaderboard build|show|schema|html|check``."""

from __future__ import annotations

import argparse
from pathlib import Path

from tabulate import tabulate_formats

from .. import atomic, leaderboard
from ..publish import history
from .output_paths import check_output_file

DEFAULT_FILE = "leaderboard/leaderboard.json"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("leaderboard", help="merge score records; print the table")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="merge records into a leaderboard JSON")
    build.add_argument("--scores", required=True, metavar="DIR", help="folder of score records")
    build.add_argument("--output", required=True, metavar="FILE",
                       help=f"leaderboard file, merged into if it exists (e.g. lb.json; the "
                            f"published one is {DEFAULT_FILE}, rebuilt by leaderboard/rebuild.sh)")
    build.set_defaults(handler=_build)
    show = actions.add_parser("show", help="print a leaderboard as a table")
    show.add_argument("file", nargs="?", default=DEFAULT_FILE)
    show.add_argument("--ceiled", action="store_true", help="show raw / ceiling")
    show.add_argument("--format", default="github", choices=tabulate_formats, metavar="FORMAT",
                      help="table format of tabulate: github (default), plain, simple, grid, "
                           "latex, html, tsv, ...")
    show.set_defaults(handler=_show)
    schema = actions.add_parser("schema", help="write the leaderboard JSON Schema")
    schema.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")
    schema.set_defaults(handler=_schema)
    html = actions.add_parser("html", help="write the static web leaderboard (works from file://)")
    html.add_argument("file", nargs="?", default=DEFAULT_FILE)
    html.add_argument("--output", required=True, metavar="DIR", help="folder for the site")
    html.set_defaults(handler=_html)
    check = actions.add_parser("check", help="check that a leaderboard keeps published versions")
    check.add_argument("file", nargs="?", default=DEFAULT_FILE)
    check.add_argument("--published", metavar="FILE",
                       help="the last published leaderboard (e.g. from the last release tag)")
    check.set_defaults(handler=_check)


def _build(args: argparse.Namespace) -> int:
    output = check_output_file(args.output)
    records = leaderboard.read_scores(args.scores)
    # Two builds into one file at once: each merges into what the other saved (no lost update).
    with _lock(output):
        base = leaderboard.load(output) if output.is_file() else None
        board = leaderboard.build(records, base)
        if board is base:
            print(f"{output}: no new or changed scores; leaderboard stays at "
                  f"v{board.leaderboard_version}")
            return 0
        if base is not None:
            history.check_history(base, board, str(output))
        leaderboard.save(board, output)
    print(f"{output}: leaderboard v{board.leaderboard_version}, "
          f"{len(board.changelog[-1].changes)} change(s)")
    return 0


def _lock(path: Path):
    """An exclusive lock on ``path`` (a ``.<name>.lock`` file beside it)."""
    from filelock import FileLock

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise atomic.write_error(path, exc) from exc
    return FileLock(str(path.with_name(f".{path.name}.lock")))


def _show(args: argparse.Namespace) -> int:
    print(leaderboard.table(leaderboard.load(args.file), ceiled=args.ceiled,
                            tablefmt=args.format))
    return 0


def _schema(args: argparse.Namespace) -> int:
    if args.output:
        atomic.write_text(check_output_file(args.output), leaderboard.schema_text())
    else:
        print(leaderboard.schema_text(), end="")
    return 0


def _html(args: argparse.Namespace) -> int:
    from ..publish.site import build_site

    site = build_site(leaderboard.load(args.file), args.output)
    print(f"{site.output}: {len(site)} page(s); open {site.output / 'index.html'}")
    return 0


def _check(args: argparse.Namespace) -> int:
    board = leaderboard.load(args.file)
    history.check_changelog(board, args.file)
    if args.published:
        history.check_history(leaderboard.load(args.published), board, args.file)
    print(f"{args.file}: v{board.leaderboard_version}, history intact")
    return 0
