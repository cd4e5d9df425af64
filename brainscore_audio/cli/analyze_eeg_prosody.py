"""``benchmark analyze prosody``: prosody RDM vs EEG, controlling for the model (TNC)."""

from __future__ import annotations

import argparse

from tabulate import tabulate
from threadpoolctl import threadpool_limits

from .analyze_eeg_common import add_inputs, load_inputs, write_output

NAME = "prosody"
HELP = "prosody-EEG partial correlation controlling for a model layer, and TNC, per window"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_inputs(parser)
    parser.add_argument("--group", default="all", choices=["all", "high-arousal", "low-arousal"],
                        help="sentence group to print (all are written with --output)")


def main(args: argparse.Namespace) -> int:
    from ..eeg.prosody import FEATURES, prosody_analysis
    from ..eeg.toolkit_prosody import toolkit_prosody_analysis

    inputs = load_inputs(args)
    benchmark = inputs.benchmark
    toolkit = benchmark.protocol == "toolkit"
    analysis = toolkit_prosody_analysis if toolkit else prosody_analysis
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices (see eeg/benchmark.py)
        result = analysis(inputs.model_side, benchmark.dataset, inputs.layer, benchmark.windows)
    print(f"{benchmark.dataset.name}, model {inputs.activations.model_id or args.activations}, "
          f"layer {inputs.layer}, sentences: {args.group} "
          f"({len(result.groups[args.group])})")
    print(tabulate([[r["window"], r["n_sentences"], f"{r['r_prosody_eeg']:.4f}",
                     f"{r['partial_r']:.4f}", f"{r['r_model_eeg']:.4f}",
                     f"{r['r_prosody_model']:.4f}", f"{r['tnc']:.3f}"]
                    for r in result.table[args.group]],
                   headers=["window", "sentences", "r prosody-EEG", "partial r (| model)",
                            "r model-EEG", "r prosody-model", "TNC"]))
    write_output(args.output, {
        "data_set": benchmark.dataset.name, "layer": inputs.layer,
        "model": inputs.activations.model_id, "features": list(FEATURES),
        "protocol": benchmark.protocol,
        "correlation": "Spearman rho of RDM upper triangles (RDM: 1 - Pearson across features"
                       + (", prosody features unscaled)" if toolkit else ", z-scored)"),
        "tnc": ("1 - partial^2 / r^2 per sentence (0 where |r| <= 1e-10), then the mean over "
                "sentences then subjects" if toolkit else
                "1 - partial^2 / r^2 from the means over sentences then subjects"),
        "groups": result.groups, "table": result.table})
    return 0
