"""Allow ``python -m gemtui``."""

from gemtui.cli import main

raise SystemExit(main())
