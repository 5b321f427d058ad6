"""``python -m mmaction_plugins.evaluation``: see :mod:`mmaction_plugins.evaluation.cli`."""

import sys

from mmaction_plugins.evaluation.cli import main

if __name__ == '__main__':
    sys.exit(main())
