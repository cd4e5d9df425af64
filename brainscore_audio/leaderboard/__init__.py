"""The leaderboard: a versioned JSON document merging score records, and its table.

Modules: :mod:`.schema` (the document, reading with migration, writing, JSON Schema),
:mod:`.merge` (checks and merge of records, versions, aggregates), :mod:`.table` (the table).

Schema contract: ``schema_version`` changes only with a migration note in
``leaderboard/CHANGELOG.md`` (older files are migrated on reading, see :func:`load`);
``leaderboard_version`` increases by one with every build that changes a score, and each
version gets a changelog entry. Published versions are immutable.

Models are keyed on what makes their scores comparable: model id, version and checkpoint
(:meth:`ModelRef.key`). A record only ever replaces a record of the same key and benchmark; a
second version or checkpoint of a model is a second entry, never a silent replacement.
"""

from .merge import build, check_declared_weights, read_scores
from .schema import (
    LEADERBOARD_SCHEMA_VERSION,
    BenchmarkInfo,
    ChangelogEntry,
    Leaderboard,
    ModelInfo,
    json_schema,
    load,
    migrate_v1,
    save,
    schema_text,
)
from .table import model_labels, table

__all__ = ["LEADERBOARD_SCHEMA_VERSION", "BenchmarkInfo", "ChangelogEntry", "Leaderboard",
           "ModelInfo", "build", "check_declared_weights", "json_schema", "load", "migrate_v1",
           "model_labels", "read_scores", "save", "schema_text", "table"]
