"""`python -m tpulint`."""

import sys

from tpulint.cli import main

sys.exit(main())
