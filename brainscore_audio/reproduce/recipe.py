"""A study recipe: what a paper scored and what it published, as a YAML file a plugin ships.

A new paper is a new recipe, not new code. The file names the study's models (their ids here and
the study's own names), the brain benchmarks and downstream tasks, the data sets they read, the
analyses, a tolerance per kind of number, and every published number with its source::

    study: pepino2025
    title: Better audio representations are more brain-like
    citation: "@misc{...}"
    models:
      - {name: BEATs_iter1, id: beats-iter1}
      - {name: braindnn_dcase2020, unavailable: "no plugin: ..."}
    benchmarks: [nh2015.voxel-ridge, b2021.voxel-ridge]
    tasks: [hear.esc50]
    data: {nh2015: [nh2015.voxel-ridge, b2021.voxel-ridge], hear.esc50: [hear.esc50]}
    analyses: {brain_vs_downstream: {suite: hear, threshold: -0.75}}
    tolerances: {correlation: {abs: 0.1, why: "..."}}
    published:
      - {kind: correlation, value: 0.91, source: "text, Results",
         correlation: {x: overall, y: b2021.voxel-ridge}}
      - kind: correlation
        source: Table 1
        table:                      # one number per row x column
          columns: [hear.esc50, overall]
          rows: [{y: nh2015.voxel-ridge, values: [0.867, 0.852]}]
      - kind: r2
        source: the authors' notebook
        interim: true
        scores: {benchmark: nh2015.component-ridge, component: 5,
                 values: {BEATs_iter1: 0.8286}}   # one number per model (study names)

Quantities: a **correlation** is Pearson r across the study's models between ``x`` (``overall``:
the z-scored downstream overall of the analysis' suite, or a task's benchmark id) and ``y`` (a
brain benchmark's raw score, or with ``component: k`` the k-th entry, from 0, of the record's
``details.per_component``), over ``models``: ``all``, ``{overall_above: t}`` or ``{exclude:
[study names]}``. A **score** is one model's ``raw`` (or ``ceiled``, ``ceiling``) on a
benchmark, optionally one component.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import UserError

OVERALL = "overall"  # x of a correlation: the z-scored downstream overall


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudyModel(_Strict):
    """One model of the study: its name in the study and its id here, or why it cannot run."""

    name: str = Field(description="the study's name for the model")
    id: str | None = Field(None, description="the model's id in this project")
    unavailable: str | None = Field(None, description="why the project cannot load it")
    note: str = ""

    @model_validator(mode="after")
    def _one_of(self) -> StudyModel:
        if (self.id is None) == (self.unavailable is None):
            raise ValueError(f"model {self.name!r}: give exactly one of id and unavailable")
        return self


class OverallAbove(_Strict):
    overall_above: float


class Exclude(_Strict):
    exclude: list[str]


class Correlation(_Strict):
    """Pearson r across models between a downstream score and a brain score."""

    x: str = Field(description=f"'{OVERALL}' or a downstream task's benchmark id")
    y: str = Field(description="a brain benchmark id")
    component: int | None = Field(None, ge=0, description="index into details.per_component")
    models: Literal["all"] | OverallAbove | Exclude = "all"


class ScoreQuantity(_Strict):
    """One model's number on one benchmark."""

    model: str = Field(description="the study's name for the model")
    benchmark: str
    field: Literal["raw", "ceiled", "ceiling"] = "raw"
    component: int | None = Field(None, ge=0)


class Tolerance(_Strict):
    abs: float = Field(gt=0, description="|ours - published| at most this is 'within'")
    why: str = Field(min_length=1)


class PublishedNumber(_Strict):
    """One published number, expanded from the recipe."""

    label: str
    kind: str
    value: float
    source: str
    note: str = ""
    interim: bool = False
    correlation: Correlation | None = None
    score: ScoreQuantity | None = None


class _TableRow(_Strict):
    y: str
    component: int | None = Field(None, ge=0)
    models: Literal["all"] | OverallAbove | Exclude = "all"
    label: str = ""
    note: str = ""
    values: list[float | None]


class _Table(_Strict):
    columns: list[str]
    rows: list[_TableRow]


class _Scores(_Strict):
    benchmark: str
    field: Literal["raw", "ceiled", "ceiling"] = "raw"
    component: int | None = Field(None, ge=0)
    label: str = ""
    values: dict[str, float]


class _Entry(_Strict):
    kind: str
    source: str = Field(min_length=1)
    note: str = ""
    interim: bool = False
    label: str = ""
    value: float | None = None
    correlation: Correlation | None = None
    score: ScoreQuantity | None = None
    table: _Table | None = None
    scores: _Scores | None = None

    @model_validator(mode="after")
    def _one_form(self) -> _Entry:
        forms = [f for f in ("correlation", "score", "table", "scores") if getattr(self, f)]
        if len(forms) != 1:
            raise ValueError("give exactly one of correlation, score, table, scores")
        if (self.value is None) != (forms[0] in ("table", "scores")):
            raise ValueError("a single correlation or score needs a value; a table or scores "
                             "list carries its own values")
        if self.table and any(len(r.values) != len(self.table.columns) for r in self.table.rows):
            raise ValueError("every table row needs one value per column")
        return self


class BrainVsDownstream(_Strict):
    suite: str = "hear"
    threshold: float = -0.75


class MetricAgreement(_Strict):
    datasets: list[str] = Field(description="benchmark-id prefixes, e.g. alice2019-toolkit")


class Analyses(_Strict):
    brain_vs_downstream: BrainVsDownstream | None = None
    metric_agreement: MetricAgreement | None = None


class Recipe(_Strict):
    """A study, as read from its recipe file (see the module docstring)."""

    study: str
    title: str
    citation: str = ""
    models: list[StudyModel]
    benchmarks: list[str]
    tasks: list[str] = []
    data: dict[str, list[str]] = {}
    analyses: Analyses = Analyses()
    tolerances: dict[str, Tolerance] = {}
    published: list[PublishedNumber] = []
    path: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        names = [m.name for m in self.models]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"model names repeated: {', '.join(repeated)}")
        kinds = sorted({p.kind for p in self.published} - set(self.tolerances))
        if kinds:
            raise ValueError(f"published numbers of kind {', '.join(kinds)} have no tolerance")
        known = set(names)
        for number in self.published:
            referenced = ([number.score.model] if number.score else []) + (
                number.correlation.models.exclude
                if number.correlation and isinstance(number.correlation.models, Exclude) else [])
            unknown = [n for n in referenced if n not in known]
            if unknown:
                raise ValueError(f"{number.label}: model {unknown[0]!r} is not among the "
                                 "study's models")
        empty = [name for name, ids in self.data.items() if not ids]
        if empty:
            raise ValueError(f"data set {empty[0]!r} lists no benchmark that reads it")
        scored = set(self.benchmarks) | set(self.tasks)
        unread = sorted(b for ids in self.data.values() for b in ids if b not in scored)
        if unread:
            raise ValueError(f"data lists {unread[0]!r}, which is neither a benchmark nor a task "
                             "of the recipe")
        return self

    def model_ids(self) -> dict[str, str]:
        """``{study name: id here}`` of the models the project can load."""
        return {m.name: m.id for m in self.models if m.id is not None}

    def study_names(self) -> dict[str, str]:
        """``{id here: study name}``."""
        return {m.id: m.name for m in self.models if m.id is not None}


def _expand(entry: _Entry) -> list[PublishedNumber]:
    """One :class:`PublishedNumber` per value of an entry."""
    common = {"kind": entry.kind, "source": entry.source, "interim": entry.interim}
    if entry.correlation or entry.score:
        quantity = entry.correlation or entry.score
        return [PublishedNumber(label=entry.label or _label(quantity), value=entry.value,
                                note=entry.note, correlation=entry.correlation,
                                score=entry.score, **common)]
    out = []
    if entry.table:
        for row in entry.table.rows:
            for column, value in zip(entry.table.columns, row.values, strict=True):
                if value is None:
                    continue
                correlation = Correlation(x=column, y=row.y, component=row.component,
                                          models=row.models)
                label = f"{row.label or _label(correlation, x=False)} x {column}"
                out.append(PublishedNumber(label=label, value=value, correlation=correlation,
                                           note=row.note or entry.note, **common))
    else:
        scores = entry.scores
        for model, value in scores.values.items():
            quantity = ScoreQuantity(model=model, benchmark=scores.benchmark, field=scores.field,
                                     component=scores.component)
            out.append(PublishedNumber(label=f"{model}: {scores.label or _label(quantity, False)}",
                                       value=value, score=quantity, note=entry.note, **common))
    return out


def _models_label(models) -> str:
    if models == "all":
        return "all models"
    if isinstance(models, OverallAbove):
        return f"models with overall > {models.overall_above:g}"
    return f"without {', '.join(models.exclude)}"


def _label(quantity, x: bool = True) -> str:
    """A short readable name of a quantity."""
    if isinstance(quantity, Correlation):
        y = quantity.y + (f"[{quantity.component}]" if quantity.component is not None else "")
        head = f"r({quantity.x}, {y})" if x else y
        return f"{head}, {_models_label(quantity.models)}"
    where = quantity.benchmark + (f"[{quantity.component}]" if quantity.component is not None
                                  else "")
    field = "" if quantity.field == "raw" else f" {quantity.field}"
    return f"{where}{field}" if not x else f"{quantity.model}: {where}{field}"


def load_recipe(path: str | Path) -> Recipe:
    """Read and check a recipe file; one-line :class:`UserError` naming the file otherwise."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read the study recipe ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise UserError(f"{path}: not valid YAML{where}") from exc
    if not isinstance(document, dict):
        raise UserError(f"{path}: a study recipe is a YAML mapping (study, title, models, ...)")
    entries = document.pop("published", None) or []
    if not isinstance(entries, list):
        raise UserError(f"{path}: published: a list of entries (kind, source, value, ...)")
    expanded = []
    for index, entry in enumerate(entries):
        try:
            expanded += _expand(_Entry.model_validate(entry))
        except ValidationError as exc:
            raise UserError(f"{path}: {_where(exc, f'published[{index}]')}") from exc
    try:
        return Recipe.model_validate({**document, "published": expanded, "path": str(path)})
    except ValidationError as exc:
        raise UserError(f"{path}: {_where(exc, '')}") from exc


def _where(exc: ValidationError, prefix: str) -> str:
    """``"<field path>: <message>"`` of the first error, in one line."""
    error = exc.errors()[0]
    where = ".".join(filter(None, [prefix, *(str(p) for p in error["loc"])])) or "recipe"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def recipe_dict(recipe: Recipe) -> dict[str, Any]:
    """The recipe as plain data (for the report's JSON)."""
    return recipe.model_dump(mode="json", exclude={"path"})
