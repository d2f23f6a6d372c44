"""Entry point of the frozen admin tool (posapp-admin): the same as the `posapp-admin` script."""

import sys

from posapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
