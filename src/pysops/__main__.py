"""Run the command line with ``python -m pysops``."""

from .cli.main import main

raise SystemExit(main())
