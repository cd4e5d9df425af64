"""Shared inputs of the EEG analyses: a benchmark, activations (model or .npz) and a layer."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from .. import atomic, registry, settings
from ..activations import StimulusActivations, load_precomputed
from ..cache import ActivationCache
from ..errors import UserError
from ..records import to_jsonable
from .common import add_cache_options, add_data_options, add_device_option


def add_inputs(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="ID", help="model id (activations from the cache)")
    source.add_argument("--activations", metavar="FILE.npz",
                        help="precomputed framed activations: 'stimulus_ids' + (n, frames, dim) "
                             "arrays per layer")
    parser.add_argument("--benchmark", required=True, metavar="ID",
                        help="an EEG benchmark, e.g. alice2019.cka-linear")
    parser.add_argument("--layer", help="layer to analyse (default: the benchmark's best layer)")
    parser.add_argument("--output", metavar="FILE.json", help="also write the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_option(parser)
    add_data_options(parser)
    add_cache_options(parser)


@dataclass
class Inputs:
    benchmark: object
    activations: StimulusActivations
    model_side: object
    layer: str


def load_inputs(args: argparse.Namespace, protocols: tuple[str, ...] = ("default", "toolkit"),
                analysis: str = "this analysis") -> Inputs:
    """The benchmark, the activations, the protocol's model side and the layer; one-line errors
    for a benchmark that is not an EEG one or whose protocol ``analysis`` does not implement."""
    from ..eeg.benchmark import EEGSimilarityBenchmark

    benchmark = registry.benchmarks.make(args.benchmark, data_dir=settings.data_dir(args.data_dir))
    if not isinstance(benchmark, EEGSimilarityBenchmark):
        raise UserError(f"--benchmark {args.benchmark}: not an EEG sentence benchmark "
                        "(expected e.g. alice2019.cka-linear)")
    if benchmark.protocol not in protocols:
        raise UserError(f"--benchmark {args.benchmark}: {analysis} is implemented for the "
                        f"{' and '.join(protocols)} protocol, not the {benchmark.protocol} one; "
                        "use a benchmark of the default protocol")
    stimuli = benchmark.stimulus_set
    if args.model:
        from ..devices import check_device
        from ..extraction import extract

        model = registry.models.make(args.model)
        activations = extract(model, stimuli, model.default_layers, "none",
                              ActivationCache(settings.cache_dir(args.cache_dir)),
                              check_device(args.device), progress=not args.quiet)
    else:
        activations = load_precomputed(args.activations, stimuli.ids, "none")
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices (see eeg/benchmark.py)
        model_side = benchmark.model_side(activations)
    layer = args.layer
    if layer is None:
        with threadpool_limits(limits=1, user_api="blas"):
            per_layer = benchmark.headline_per_layer(model_side)
        if not np.any(np.isfinite(per_layer)):
            raise UserError(f"{args.benchmark}: no layer has a score in the headline window")
        layer = model_side.layers[int(np.nanargmax(per_layer))]
    elif layer not in model_side.layers:
        raise UserError(f"--layer {layer!r}: not among the scored layers "
                        f"{', '.join(model_side.layers)}")
    return Inputs(benchmark, activations, model_side, layer)


def write_output(path: str | None, result: dict) -> None:
    if path:
        atomic.write_json(Path(path), to_jsonable(result))
        print(f"written: {path}")
