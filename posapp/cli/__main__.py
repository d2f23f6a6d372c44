"""python -m posapp.cli: posapp-admin."""

import sys

from posapp.cli import main

sys.exit(main())
