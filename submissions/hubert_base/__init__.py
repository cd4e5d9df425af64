"""Plugin `hubert-base` (facebook/hubert-base-ls960 on the Hugging Face hub)
and its untrained twin. Registration only."""

from brainscore_audio.adapters.hf.plugin import register_hub_plugin

register_hub_plugin(__file__, "hubert-base")  # and hubert-base-untrained
