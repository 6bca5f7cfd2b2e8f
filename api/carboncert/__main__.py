"""`python -m carboncert …` is the `carboncert` command."""

import sys

from .cli import main

sys.exit(main())
