"""Counts a data release is checked against, and how a fixture declares its own.

A reader validates a release against the published counts (stimuli, voxels, words, ...), held in
a frozen dataclass. Small fixtures in the same layout (tests, perf scripts, trying the pipeline)
declare theirs in an environment variable, as JSON of the dataclass's fields; the counts in force
go into every score record, so a fixture's scores can never pass for the real release's.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, fields
from typing import TypeVar

from .errors import UserError

Counts = TypeVar("Counts")


def counts_in_force(variable: str, published: Counts) -> Counts:
    """``published`` (a dataclass instance), with the fields that ``$variable`` overrides.

    Raises:
        UserError: one line naming the variable when it is not a JSON object of those fields.
    """
    text = os.environ.get(variable)
    if not text:
        return published
    try:
        return type(published)(**{**asdict(published), **json.loads(text)})
    except (ValueError, TypeError) as exc:
        names = ", ".join(f.name for f in fields(published))
        raise UserError(f"${variable}: expected a JSON object of {type(published).__name__} "
                        f"fields ({names}), got {text!r}") from exc


def counts_json(counts) -> str:
    """The value of the environment variable that declares ``counts``."""
    return json.dumps(asdict(counts), sort_keys=True)
