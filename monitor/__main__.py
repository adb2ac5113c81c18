"""`python -m monitor` is the `eduwatch` command."""

from monitor.cli import main

raise SystemExit(main())
