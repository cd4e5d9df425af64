"""Dasheng releases of every size (:class:`~.model.DashengRelease`): the checkpoint a plugin
folder declares in ``metadata.yaml`` (``weights``) is downloaded, loaded into ``network.py``'s
encoder with the checkpoint's own ``config`` overridden by the declared size (as the ``dasheng``
package's ``dasheng_06B()``/``dasheng_12B()`` do), and its sha256 recorded. Used by the
dasheng_06b and dasheng_12b folders.

Layers (one frame per 40 ms): ``patch``, ``block1``..``blockN``, ``norm`` (the released
embedding); about 12 evenly spaced ones plus the last are scored by default.
"""

from __future__ import annotations

from brainscore_audio.weights import PublishedWeights

from .model import DashengRelease

#: The sizes of the dasheng package's dasheng_06B() and dasheng_12B().
SIZES = {"0.6b": {"embed_dim": 1280, "depth": 32, "num_heads": 16},
         "1.2b": {"embed_dim": 1536, "depth": 40, "num_heads": 24}}


def release_model(plugin_file: str, identifier: str, size: str,
                  random_weights: bool = False) -> DashengRelease:
    """The Dasheng release declared by the plugin folder of ``plugin_file`` (``size``: a key of
    ``SIZES``); ``random_weights=True`` is its untrained twin."""
    weights = None if random_weights else PublishedWeights.of_plugin(plugin_file)
    return DashengRelease(identifier, SIZES[size], weights)
