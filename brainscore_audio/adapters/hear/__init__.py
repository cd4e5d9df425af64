"""The ``hear:`` model family: ``hear:<module>`` is any HEAR 2021 module. Registration only; the
code is in ``model.py`` (the module is imported on load)."""

from ...registry import models


def _make(module_name: str, **kwargs):
    from .model import HEARModel

    return HEARModel(module_name, **kwargs)


models.register_prefix("hear:", _make)
