"""Plugin `ast-audioset` (MIT/ast-finetuned-audioset-10-10-0.4593 on the Hugging Face hub)
and its untrained twin. Registration only."""

from brainscore_audio.adapters.hf.plugin import register_hub_plugin

register_hub_plugin(__file__, "ast-audioset")  # and ast-audioset-untrained
