"""`python -m sk_alrnn ...`: see sk_alrnn.cli."""

import sys

from .cli import main

sys.exit(main())
