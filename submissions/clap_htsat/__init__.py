"""Plugin `clap-htsat` (laion/clap-htsat-unfused on the Hugging Face hub)
and its untrained twin. Registration only."""

from brainscore_audio.adapters.hf.plugin import register_hub_plugin

register_hub_plugin(__file__, "clap-htsat")  # and clap-htsat-untrained
