"""The ``hf:`` model family: ``hf:<repo-id>`` is any transformers audio model. Registration only;
the code is in ``model.py`` (transformers is imported on load)."""

from ...registry import models


def _make(repo_id: str, **kwargs):
    from .model import HFModel

    return HFModel(repo_id, **kwargs)


models.register_prefix("hf:", _make)
