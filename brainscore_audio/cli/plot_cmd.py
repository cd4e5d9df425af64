"""``benchmark plot KIND``: figures of score records and leaderboards (PNG and SVG).

Kinds: ``layers`` (per-layer profile, chosen layer marked), ``rdm`` (model and brain RDMs
ordered by stimulus category, from RSA artefacts), ``scatter`` (brain vs downstream across
models, with Pearson r), ``eeg-windows`` (layer x time-window heatmap) and ``scalp``
(per-channel scalp map), plus ``all`` (every figure the selected records support). Records come
from a leaderboard (default), a folder of score records or record files.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import leaderboard, registry
from ..cache import safe_name
from ..errors import UserError
from ..records import ScoreRecord, read_record, record_stem
from .common import add_data_options, plain
from .leaderboard_cmd import DEFAULT_FILE

KINDS = {
    "layers": "per-layer profile of each selected record (chosen layer marked)",
    "rdm": "model and mean subject RDMs ordered by stimulus category (RSA records' artefacts)",
    "scatter": "brain benchmark raw vs downstream (aggregate or benchmark) across models, with r",
    "eeg-windows": "layer x time-window heatmap (details.layer_by_window)",
    "scalp": "per-channel scalp map (details.per_channel)",
    "all": "every figure the selected records support (scatter only with --brain)",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("plot", help="figures of scores (PNG/SVG; needs matplotlib)",
                                   description=plain(__doc__.split("\n\n")[0]))
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, text in KINDS.items():
        sub = kinds.add_parser(kind, help=text, description=text)
        source = sub.add_mutually_exclusive_group()
        source.add_argument("--leaderboard", metavar="FILE",
                            help=f"leaderboard JSON (default {DEFAULT_FILE})")
        source.add_argument("--record", nargs="+", metavar="FILE", help="score record file(s)")
        sub.add_argument("--scores", metavar="DIR",
                         help="folder of score records: the records to plot, or with "
                              "--leaderboard where their artefacts (.artefacts.npz) are")
        sub.add_argument("--model", nargs="+", metavar="ID", help="only these models")
        sub.add_argument("--benchmark", nargs="+", metavar="ID", help="only these benchmarks")
        sub.add_argument("--output", default="figures", metavar="DIR",
                         help="folder for the figures (default ./figures)")
        sub.add_argument("--format", nargs="+", default=["png", "svg"], choices=["png", "svg", "pdf"],
                         help="file formats (default png svg)")
        if kind in ("rdm", "all"):
            sub.add_argument("--layer", metavar="NAME",
                             help="model layer of the RDM (default the record's chosen layer)")
            add_data_options(sub)
        if kind in ("scatter", "all"):
            sub.add_argument("--brain", nargs="+", metavar="ID", required=kind == "scatter",
                             help="brain benchmark id(s) on the y axis")
            sub.add_argument("--downstream", default="downstream-overall", metavar="NAME",
                             help="x axis: an aggregate or a benchmark id of the leaderboard "
                                  "(default downstream-overall)")
            sub.add_argument("--ceiled", action="store_true", help="brain score ceiled, not raw")
        sub.set_defaults(handler=main)


@dataclass
class Item:
    """A record to plot and the folder its artefacts are in (None when unknown)."""

    record: ScoreRecord
    folder: Path | None


def main(args: argparse.Namespace) -> int:
    from ..publish import figures  # matplotlib is optional: fail with the install hint here

    board, items = _load(args)
    output = Path(args.output)
    written: list[Path] = []
    kinds = ["layers", "rdm", "eeg-windows", "scalp"] if args.kind == "all" else [args.kind]
    explicit = args.kind != "all"
    for item in items:
        stem = output / record_stem(item.record.model, item.record.benchmark.id)
        if "layers" in kinds and (item.record.per_layer or explicit):
            written += figures.save(figures.layer_profile_figure(item.record), f"{stem}.layers",
                                    args.format)
        if "rdm" in kinds and (explicit or "layer_rdms" in item.record.artefacts):
            try:
                written += figures.save(_rdm(item, args), f"{stem}.rdm", args.format)
            except UserError as exc:
                if explicit:
                    raise
                print(f"warning: skipped the RDM figure: {exc}", file=sys.stderr)
        title = f"{item.record.model.id} on {item.record.benchmark.id}"
        spec = item.record.details.get("layer_by_window")
        if "eeg-windows" in kinds and (explicit or spec is not None):
            written += figures.save(figures.layer_window_figure(_need(spec, item, "layer_by_window"),
                                                                title), f"{stem}.layer-window",
                                    args.format)
        spec = item.record.details.get("per_channel")
        if "scalp" in kinds and (explicit or spec is not None):
            written += figures.save(figures.scalp_map_figure(_need(spec, item, "per_channel"),
                                                             title), f"{stem}.scalp", args.format)
    if args.kind in ("scatter", "all") and args.brain:
        written += _scatters(board, args, output)
    if not written:
        raise UserError("nothing to plot: no selected record has data for these figures "
                        "(check --model/--benchmark and the source)")
    for path in written:
        print(path)
    return 0


def _load(args: argparse.Namespace) -> tuple[leaderboard.Leaderboard | None, list[Item]]:
    board = None
    if args.record:
        items = [Item(read_record(p), Path(p).parent) for p in args.record]
    elif args.scores and not args.leaderboard:
        folder = Path(args.scores)
        items = [Item(r, folder) for r in leaderboard.read_scores(folder)]
    else:
        board = leaderboard.load(args.leaderboard or DEFAULT_FILE)
        folder = Path(args.scores) if args.scores else None
        items = [Item(r, folder) for m in board.models.values() for r in m.scores.values()]
    if args.kind == "scatter":
        if board is None:
            raise UserError("plot scatter reads a leaderboard: use --leaderboard FILE")
        if args.model:
            _check_known(args.model, set(leaderboard.model_labels(board).values()), "--model")
        return board, []
    if args.model:
        _check_known(args.model, {i.record.model.id for i in items}, "--model")
        items = [i for i in items if i.record.model.id in args.model]
    if args.benchmark:
        _check_known(args.benchmark, {i.record.benchmark.id for i in items}, "--benchmark")
        items = [i for i in items if i.record.benchmark.id in args.benchmark]
    if not items:
        raise UserError("no score records selected to plot")
    return board, sorted(items, key=lambda i: (i.record.model.id, i.record.benchmark.id))


def _check_known(wanted: list[str], known: set[str], option: str) -> None:
    missing = [w for w in wanted if w not in known]
    if missing:
        raise UserError(f"{option} {' '.join(missing)}: not in the selected records (known: "
                        f"{', '.join(sorted(known)) or 'none'})")


def _need(spec, item: Item, key: str):
    if spec is None:
        raise UserError(f"{item.record.model.id} on {item.record.benchmark.id}: the record has no "
                        f"details.{key}")
    return spec


def _rdm(item: Item, args: argparse.Namespace):
    from ..publish import figures

    record = item.record
    name = f"{record.model.id} on {record.benchmark.id}"
    file = record.artefacts.get("layer_rdms")
    if file is None or "subject_rdms" not in record.artefacts:
        raise UserError(f"{name}: no RDM artefacts (layer_rdms, subject_rdms) in the record; "
                        "only RSA records have them")
    if item.folder is None:
        raise UserError(f"{name}: RDMs are in {file} beside the score record; pass --scores DIR "
                        "(the folder of the records) or --record FILE")
    path = item.folder / file
    if not path.is_file():
        raise UserError(f"{path}: artefacts file of {name} not found")
    with np.load(path, allow_pickle=False) as arrays:
        layer_rdms, subject_rdms = arrays["layer_rdms"], arrays["subject_rdms"]
        layer_names = [str(n) for n in arrays["layer_names"]] if "layer_names" in arrays \
            else list(record.layers_scored)
    layer = args.layer or (record.chosen_layers[0] if record.chosen_layers else layer_names[-1])
    if layer not in layer_names:
        raise UserError(f"--layer {layer}: not among the RDM layers ({', '.join(layer_names)})")
    categories = _categories(record, layer_rdms.shape[-1], args.data_dir)
    panels = [(f"{record.model.id}: {layer}", layer_rdms[layer_names.index(layer)]),
              (f"brain: mean of {len(subject_rdms)} subject(s)", subject_rdms.mean(axis=0))]
    return figures.rdm_figure(panels, categories, title=f"{record.benchmark.id} "
                                                        f"v{record.benchmark.version}")


def _categories(record: ScoreRecord, n: int, data_dir: str | None) -> list | None:
    """Stimulus categories of the record's stimulus set, or None (with a warning) when the set
    cannot be loaded or has no ``category`` column."""
    set_id = record.stimulus_set.id
    try:
        categories = registry.stimulus_sets.make(set_id, data_dir=data_dir).categories
    except Exception as exc:  # noqa: BLE001 - missing data only loses the ordering
        print(f"warning: stimulus set {set_id} unavailable ({exc}); RDMs in canonical order",
              file=sys.stderr)
        return None
    if categories is None or len(categories) != n:
        print(f"warning: stimulus set {set_id} has no category for each of the {n} stimuli; "
              "RDMs in canonical order", file=sys.stderr)
        return None
    return categories


def _scatters(board: leaderboard.Leaderboard | None, args: argparse.Namespace,
              output: Path) -> list[Path]:
    from ..publish import figures

    if board is None:
        raise UserError("a brain vs downstream scatter reads a leaderboard: use --leaderboard")
    name = args.downstream
    labels = leaderboard.model_labels(board)  # model key -> what the figure calls it
    if name in board.aggregates:
        x = {labels[m]: v for m, v in board.aggregates[name].items() if m in labels}
    elif name in board.benchmarks:
        x = {labels[m]: model.scores[name].raw for m, model in board.models.items()
             if name in model.scores}
    else:
        known = ", ".join(sorted(board.aggregates)) or "none"
        raise UserError(f"--downstream {name}: neither an aggregate (known: {known}) nor a "
                        "benchmark of the leaderboard")
    written = []
    for brain in args.brain:
        if brain not in board.benchmarks:
            raise UserError(f"--brain {brain}: not a benchmark of the leaderboard (known: "
                            f"{', '.join(sorted(board.benchmarks))})")
        y = {labels[m]: (model.scores[brain].ceiled if args.ceiled else model.scores[brain].raw)
             for m, model in board.models.items() if brain in model.scores}
        if args.model:
            y = {m: v for m, v in y.items() if m in args.model}
        fig, corr = figures.scatter_figure(
            x, y, xlabel=name, ylabel=f"{brain} v{board.benchmarks[brain].version} "
                                      f"({'ceiled' if args.ceiled else 'raw'})")
        stem = output / f"scatter__{safe_name(brain)}__vs__{safe_name(name)}"
        written += figures.save(fig, stem, args.format)
        print(f"{brain} vs {name}: Pearson r = {corr.r:.3f}, p = {corr.p:.3g}, n = {corr.n}")
    return written
