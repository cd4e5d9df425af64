"""One progress view of a whole plan, and the summary table at the end.

The view is a tqdm bar on stderr over all jobs of the plan (finished / total) whose postfix
counts the jobs per state (done, exists, running, failed, skipped, pending). Messages (one line
per finished job) are printed without breaking the bar.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from tabulate import tabulate
from tqdm.auto import tqdm

from .. import progress as progress_bars
from .plan import FINISHED, Plan

SHOWN = ("done", "exists", "running", "failed", "skipped", "pending")


class PlanProgress:
    """A live bar of the plan's jobs; disabled when ``enabled`` is False or nothing is to run."""

    def __init__(self, plan: Plan, enabled: bool = True) -> None:
        self.plan = plan
        to_run = sum(s.state == "pending" for s in plan.states.values())
        self.bar = progress_bars.bar(total=len(plan.states), desc="plan", unit="job",
                                     file=sys.stderr, show=enabled and to_run > 0,
                                     dynamic_ncols=True, leave=True)
        self.update()

    def update(self) -> None:
        counts = self.plan.counts()
        self.bar.n = sum(counts[state] for state in FINISHED)
        self.bar.set_postfix_str(status_line(counts), refresh=False)
        self.bar.refresh()

    def write(self, message: str, log: Callable[[str], None]) -> None:
        with tqdm.external_write_mode(file=sys.stderr):
            log(message)

    def close(self) -> None:
        self.update()
        self.bar.close()


def status_line(counts: dict[str, int]) -> str:
    """``"done 3, exists 2, running 1"``: the non-zero states in a fixed order."""
    return ", ".join(f"{state} {counts[state]}" for state in SHOWN if counts.get(state))


def job_table(plan: Plan, jobs: Sequence[str] | None = None) -> str:
    """Summary of every job (or ``jobs``): kind, model, target, state, seconds, worker, note."""
    rows = []
    for job_id in jobs or plan.specs:
        spec, state = plan.specs[job_id], plan.states[job_id]
        target = (f"{spec.stimulus_set} ({spec.pooling})" if spec.kind == "extract"
                  else spec.benchmark_id)
        rows.append([spec.kind, spec.model_id, target, state.state,
                     "-" if state.seconds is None else f"{state.seconds:.1f}",
                     state.worker or "-", state.message if state.state in ("failed", "skipped")
                     else ""])
    return tabulate(rows, headers=["job", "model", "on", "state", "seconds", "worker", "note"])
