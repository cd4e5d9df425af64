"""``benchmark extract``: a model's time-mean activations over a SOURCE of audio, as an ``.npz``
that ``benchmark run --activations`` (and numpy) reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserError
from ..extraction import DEFAULT_BATCH_SIZE
from .common import add_cache_options, add_data_options, add_device_option
from .output_paths import check_output_file


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "extract", help="write a model's activations over your own audio to an .npz",
        description="Embed every clip of SOURCE with a model and write the time-mean activations "
                    "of its layers to FILE.npz: 'stimulus_ids' plus one (n_clips, dim) float32 "
                    "array per layer. SOURCE: a folder of audio files; a folder in the "
                    "Hugging Face audiofolder layout (metadata.csv or split folders); "
                    "hf:<dataset>[:<config>[:<split>]] for a dataset that the datasets package "
                    "loads; or a stimulus-set id (e.g. demo). Score the file with benchmark run "
                    "--activations FILE.npz and --stimulus-set ID or --task SOURCE.")
    parser.add_argument("--model", required=True, metavar="ID", help="model id")
    parser.add_argument("--stimuli", required=True, metavar="SOURCE", help="the audio to embed")
    parser.add_argument("--output", required=True, metavar="FILE.npz", help="file to write")
    parser.add_argument("--layers", nargs="+", metavar="NAME",
                        help="layers to keep (default: the model's default layers)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help=f"clips per embed call (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_device_option(parser)
    add_data_options(parser)
    add_cache_options(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from ..api import extract

    output = Path(args.output)
    if output.suffix != ".npz":
        raise UserError(f"--output {output}: expected a file name ending in .npz")
    check_output_file(output, "--output")
    if args.batch_size < 1:
        raise UserError(f"--batch-size must be >= 1, got {args.batch_size}")
    activations = extract(args.model, args.stimuli, layers=args.layers, output=output,
                          device=args.device, batch_size=args.batch_size,
                          data_dir=args.data_dir, cache_dir=args.cache_dir,
                          progress=not args.quiet)
    dims = ", ".join(f"{name} {values.shape[1]}" for name, values in activations.layers.items())
    print(f"{output}: {len(activations.stimulus_ids)} clips x {len(activations.layers)} layers "
          f"({dims}) of {activations.model_id} v{activations.model_version}")
    return 0
