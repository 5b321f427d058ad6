"""``python -m mmaction_plugins.datasets.synthetic``: see :mod:`.cli`."""

from mmaction_plugins.datasets.synthetic.cli import main

raise SystemExit(main())
