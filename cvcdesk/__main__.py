"""`python -m cvcdesk` runs the command line (and, with no sub-command, the desktop app)."""

import sys

from cvcdesk.cli import main

sys.exit(main())
