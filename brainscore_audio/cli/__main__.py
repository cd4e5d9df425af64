"""`python -m brainscore_audio.cli` == `benchmark`."""

import sys

from . import main

sys.exit(main())
