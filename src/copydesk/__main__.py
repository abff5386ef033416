"""``python -m copydesk``: the command line (the entry point ``spark-submit`` can run too)."""

import sys

from copydesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
