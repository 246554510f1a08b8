"""``python -m mejora`` runs the command line."""

import sys

from mejora.cli import main

sys.exit(main())
