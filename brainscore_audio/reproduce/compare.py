"""Our value of every published number of a recipe, from a leaderboard of the study's models.

Each :class:`~brainscore_audio.reproduce.recipe.PublishedNumber` becomes a :class:`Comparison`:
the published value, ours (or why there is none), the difference and whether it is within the
recipe's tolerance for its kind. Correlations are Pearson r across the study's models that have
both values (:func:`brain_downstream.pearson`), like the paper's; with fewer models than the paper
the number can differ for that reason alone, so every comparison says how many models it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..downstream.analysis import pearson
from ..downstream.overall import overall
from .recipe import OVERALL, Correlation, Exclude, OverallAbove, PublishedNumber, Recipe

WITHIN, OUTSIDE, MISSING = "within", "outside", "not computed"


@dataclass
class Comparison:
    """One published number beside ours."""

    number: PublishedNumber
    tolerance: float
    ours: float | None = None
    models: list[str] = field(default_factory=list)  # study names the value was computed over
    reason: str = ""  # why ours is None

    @property
    def difference(self) -> float | None:
        return None if self.ours is None else self.ours - self.number.value

    @property
    def status(self) -> str:
        if self.ours is None:
            return MISSING
        return WITHIN if abs(self.difference) <= self.tolerance + 1e-12 else OUTSIDE


class StudyScores:
    """The records of a leaderboard by benchmark and study name.

    Args:
        board: a :class:`~brainscore_audio.leaderboard.Leaderboard`.
        names: ``{model id here: study name}`` (models not in it keep their id as name).
    """

    def __init__(self, board, names: dict[str, str]) -> None:
        self.board = board
        self.key_name: dict[str, str] = {}
        latest: dict[str, tuple] = {}
        for key, model in board.models.items():  # one entry per model: its newest records
            stamp = max((r.provenance.timestamp for r in model.scores.values()), default=None)
            name = names.get(model.id, model.id)
            if name not in latest or (stamp is not None and stamp > latest[name][0]):
                latest[name] = (stamp, key)
        self.key_name = {key: name for name, (_, key) in latest.items()}

    def records(self, benchmark: str) -> dict[str, object]:
        """``{study name: record}`` on ``benchmark``."""
        return {name: self.board.models[key].scores[benchmark]
                for key, name in self.key_name.items()
                if benchmark in self.board.models[key].scores}

    def values(self, benchmark: str, component: int | None = None,
               field_name: str = "raw") -> dict[str, float]:
        """``{study name: value}``: the records' ``field_name`` or one of their components."""
        out = {}
        for name, record in self.records(benchmark).items():
            value = _value(record, field_name, component)
            if value is not None:
                out[name] = value
        return out

    def overall(self, suite: str) -> dict[str, float]:
        """``{study name: z-scored downstream overall}`` (models with every task of the suite)."""
        totals = overall(self.board, suite)
        return {name: totals[key] for key, name in self.key_name.items()
                if totals.get(key) is not None}


def _value(record, field_name: str, component: int | None) -> float | None:
    if component is not None:
        per_component = list((record.details or {}).get("per_component", {}).values())
        return float(per_component[component]) if component < len(per_component) else None
    value = getattr(record, field_name)
    return None if value is None else float(value)


def _correlation(quantity: Correlation, scores: StudyScores, suite: str,
                 names: dict[str, str]) -> tuple[float | None, list[str], str]:
    totals = scores.overall(suite)
    x = totals if quantity.x == OVERALL else scores.values(quantity.x)
    y = scores.values(quantity.y, quantity.component)
    models = sorted(set(x) & set(y))
    if isinstance(quantity.models, OverallAbove):
        models = [m for m in models if m in totals and totals[m] > quantity.models.overall_above]
    elif isinstance(quantity.models, Exclude):
        models = [m for m in models if m not in quantity.models.exclude]
    result = pearson(quantity.x, quantity.y, {m: (x[m], y[m]) for m in models})
    if result.r is None:
        return None, models, (f"{len(models)} models with both scores (3 needed)"
                              if len(models) < 3 else "a constant score across the models")
    return result.r, models, ""


def compare(recipe: Recipe, board, names: dict[str, str] | None = None) -> list[Comparison]:
    """Every published number of ``recipe`` beside ours from ``board``.

    Args:
        names: ``{model id here: study name}`` (default: the recipe's mapping).
    """
    names = names if names is not None else recipe.study_names()
    scores = StudyScores(board, names)
    analysis = recipe.analyses.brain_vs_downstream
    suite = analysis.suite if analysis else "hear"
    loadable = recipe.model_ids()
    out = []
    for number in recipe.published:
        comparison = Comparison(number, recipe.tolerances[number.kind].abs)
        if number.correlation:
            comparison.ours, comparison.models, comparison.reason = _correlation(
                number.correlation, scores, suite, names)
        else:
            quantity = number.score
            values = scores.values(quantity.benchmark, quantity.component, quantity.field)
            if quantity.model in values:
                comparison.ours = values[quantity.model]
                comparison.models = [quantity.model]
            elif quantity.model not in loadable:
                comparison.reason = "the project cannot load this model"
            else:
                comparison.reason = (f"no {quantity.field} of {loadable[quantity.model]} on "
                                     f"{quantity.benchmark} (not run, failed or undefined)")
        out.append(comparison)
    return out
