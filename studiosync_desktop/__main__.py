"""`python -m studiosync_desktop` runs the `studiosync` command."""

from studiosync_desktop.cli import main

raise SystemExit(main())
