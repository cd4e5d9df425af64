"""Adapters: whole model families behind the :class:`~brainscore_audio.AudioModel` interface.

- :mod:`.assets`: files shipped inside an installed wheel, found without importing it.
- :mod:`.torch_hooks`: :class:`TorchHookModel`, any ``torch.nn.Module`` with layers read by
  forward hooks (subclass it in a few lines), and :func:`seeded_init` for untrained twins.
- :mod:`.hf`: ``hf:<repo-id>`` for transformers audio models (hidden states as layers).
- :mod:`.hear`: ``hear:<module>`` for HEAR 2021 modules.

Importing this package is cheap: torch, transformers and HEAR modules are imported only inside
``load()`` / ``embed()``.
"""
