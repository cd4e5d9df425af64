"""Plugin `my-model`: registration only. (Template: copy this folder to submissions/<your_model>/,
then rename the id here, in model.py, metadata.yaml and test_template.py; see docs/submit.md.)

Folders whose name starts with "_" are skipped by plugin discovery, so this template registers
nothing until it is copied.
"""

from brainscore_audio.registry import models

from .model import MyModel

# Tags: "pretrained" or "untrained" or "baseline"; "offline" when it needs no download,
# "needs-download" when weights come from a hub on first use.
models.register("my-model", MyModel, tags={"untrained", "offline"})
