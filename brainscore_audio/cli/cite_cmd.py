"""``benchmark cite``: BibTeX of what a result depends on.

``--benchmark ID`` prints the benchmark's data and method papers, ``--model ID`` the model's
citation (``metadata.yaml``), ``--leaderboard [FILE]`` everything on a leaderboard; each ends
with this software's ``@software`` entry (at that leaderboard version when a leaderboard is
given). With ``--leaderboard``, texts come from the leaderboard as published; otherwise from the
installed plugins.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from .. import atomic, leaderboard, registry
from ..errors import UserError
from ..provenance import package_version
from ..publish import bibtex
from .common import plain
from .leaderboard_cmd import DEFAULT_FILE


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("cite", help="print BibTeX of benchmarks, models and this "
                                                "software (at a leaderboard version)",
                                   description=plain(__doc__.split("\n\n")[1]))
    parser.add_argument("--model", nargs="+", metavar="ID", default=[], help="model id(s)")
    parser.add_argument("--benchmark", nargs="+", metavar="ID", default=[], help="benchmark id(s)")
    parser.add_argument("--leaderboard", nargs="?", const=DEFAULT_FILE, metavar="FILE",
                        help=f"leaderboard JSON (default {DEFAULT_FILE}); alone: cite all of it")
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    if not (args.model or args.benchmark or args.leaderboard):
        raise UserError("cite what? give --model ID, --benchmark ID or --leaderboard [FILE]")
    text = bibtex.render(bibtex.merge(collect(args.model, args.benchmark, args.leaderboard)))
    if args.output:
        atomic.write_text(args.output, text)
        print(f"{args.output}: BibTeX written", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def collect(model_ids: list[str], benchmark_ids: list[str],
            leaderboard_file: str | None) -> list[tuple[str, str]]:
    """``(source, bibtex)`` pairs: benchmarks, then models, then the software entry."""
    sources: list[tuple[str, str]] = []
    if leaderboard_file:
        board = leaderboard.load(leaderboard_file)
        by_label = {label: key for key, label in leaderboard.model_labels(board).items()}
        if not (model_ids or benchmark_ids):
            benchmark_ids, model_ids = sorted(board.benchmarks), sorted(by_label)
        for bench_id in benchmark_ids:
            if bench_id not in board.benchmarks:
                raise UserError(f"--benchmark {bench_id}: not on {leaderboard_file} (it has: "
                                f"{', '.join(sorted(board.benchmarks)) or 'none'})")
            sources.append(_benchmark_source(bench_id, board.benchmarks[bench_id].bibtex))
        for model_id in model_ids:
            if model_id not in by_label:
                raise UserError(f"--model {model_id}: not on {leaderboard_file} (it has: "
                                f"{', '.join(sorted(by_label)) or 'none'})")
            model = board.models[by_label[model_id]]
            sources.append((f"model {model_id} (metadata citation)",
                            bibtex.model_bibtex(model.id, model.version, model.metadata)))
        sources.append(("software", bibtex.software_entry(
            board.package_version, board.leaderboard_version, board.schema_version,
            board.created)))
        return sources
    for bench_id in benchmark_ids:
        benchmark = registry.benchmarks.make(bench_id, data_dir=None)
        sources.append(_benchmark_source(bench_id, benchmark.bibtex))
    for model_id in model_ids:
        entry = registry.models.entry(model_id)
        version = None
        # constructors are cheap by contract; a broken one only loses the version
        with contextlib.suppress(Exception):
            version = str(registry.models.make(model_id).version)
        sources.append((f"model {model_id} (metadata.yaml citation)",
                        bibtex.model_bibtex(model_id, version, entry.metadata())))
    sources.append(("software", bibtex.software_entry(package_version())))
    return sources


def _benchmark_source(bench_id: str, text: str) -> tuple[str, str]:
    if not text.strip():
        print(f"warning: benchmark {bench_id} gives no BibTeX", file=sys.stderr)
    return f"benchmark {bench_id} (bibtex)", text
