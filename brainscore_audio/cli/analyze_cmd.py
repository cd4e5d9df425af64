"""``benchmark analyze NAME ...``: analyses across records (one module per analysis).

An analysis module has ``NAME`` (the sub-command), ``HELP``, ``add_arguments(parser)`` and
``main(args) -> int``; add it to ``ANALYSES`` below.
"""

from __future__ import annotations

from . import (
    analyze_brain_vs_downstream,
    analyze_eeg_agreement,
    analyze_eeg_permutation,
    analyze_eeg_prosody,
)

ANALYSES: list = [analyze_eeg_agreement, analyze_eeg_permutation, analyze_eeg_prosody,
                  analyze_brain_vs_downstream]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("analyze", help="analyses across score records")
    actions = parser.add_subparsers(dest="analysis", required=True, metavar="ANALYSIS")
    for module in ANALYSES:
        sub = actions.add_parser(module.NAME, help=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.main)
