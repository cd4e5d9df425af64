"""`python -m brainscore_audio` == `benchmark`."""

import sys

from .cli import main

sys.exit(main())
