"""`python -m tui` runs the same entry point as the `waqr` console script."""

from tui.cli import main

raise SystemExit(main())
