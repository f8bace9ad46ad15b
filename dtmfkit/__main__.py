"""``python -m dtmfkit``: the same as the ``dtmfkit`` command."""

import sys

from dtmfkit._cli import main

sys.exit(main())
