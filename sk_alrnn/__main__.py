"""`python -m sk_alrnn ...`: see sk_alrnn.cli."""

import sys

from .cli import main

if __name__ == "__main__":  # importing this module (e.g. a docs tool) must not run the CLI
    sys.exit(main())
