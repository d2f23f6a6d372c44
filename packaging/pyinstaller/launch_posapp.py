"""Entry point of the frozen till (posapp): the same as the `posapp` console script."""

import sys

from posapp.app import main

if __name__ == "__main__":
    sys.exit(main())
